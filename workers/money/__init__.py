"""Money: top-ups (圈存) and fee payments, from the user's confirmation to a terminal state."""
