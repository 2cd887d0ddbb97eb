"""What every simulator shares: fault injection, the keyed journal, the server hosting them all."""
