"""How a pool runs a turn: actors, exactly-once dispatch, grouping, the handler registry."""
