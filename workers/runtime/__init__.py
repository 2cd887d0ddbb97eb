"""How a pool runs inbox events: actors, the one exactly-once pipeline, WeChat turns, the read-ahead, grouping, the handler registry."""
