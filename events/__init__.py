"""The contract between ingress and workers: messages, commands, topics, routing, message envelopes."""
