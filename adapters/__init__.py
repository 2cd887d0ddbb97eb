"""Everything outside onecard: each system has a port, a real HTTP client and a simulator."""
