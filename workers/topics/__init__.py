"""One module per user-facing concern; each registers its handlers with `@handles`."""
