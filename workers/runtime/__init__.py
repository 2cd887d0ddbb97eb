"""How a pool runs inbox events: actors, the exactly-once pipeline, turns, the read-ahead, the registry."""
