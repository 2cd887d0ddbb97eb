"""Handlers over the simulators and fakes, each test on its own in-memory SQLite: no processes started."""
