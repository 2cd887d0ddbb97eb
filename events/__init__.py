"""The contract between ingress and workers: message types, topics, routing and the broker."""
