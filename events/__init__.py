"""The contract between ingress and workers: message types, commands, topics, routing, and what a message on a topic carries."""
