"""Reaching a user: the reply worker, pushes outside a turn, broadcasts."""
