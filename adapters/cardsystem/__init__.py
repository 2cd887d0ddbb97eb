"""The campus card system (一卡通): holders, balances and, later, the card ledger."""
