"""The bank behind top-ups (银校接口): debits the account linked to a card, reverses, and sends statements."""
