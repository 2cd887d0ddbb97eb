"""The HTTP edge: verify, parse, store once, enqueue, ack. No business logic."""
