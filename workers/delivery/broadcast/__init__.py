"""Broadcasts: an article as a notice to every subscriber, planned in pages through the one send
pipeline, its progress read from their messages, and what a broker lost resumed."""
