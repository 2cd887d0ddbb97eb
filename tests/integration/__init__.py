"""A real database and broker, real adapters against their simulators over HTTP."""
