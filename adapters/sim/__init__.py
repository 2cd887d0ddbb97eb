"""What every simulator shares: fault injection, a movable clock, the keyed journal, the server hosting them all."""
