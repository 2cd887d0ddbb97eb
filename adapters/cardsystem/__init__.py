"""The campus card system (一卡通): holders, balances, self-service and the keyed card ledger."""
