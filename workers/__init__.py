"""Topic workers: each pool takes inbox event ids from its queue and acts on them exactly once."""
