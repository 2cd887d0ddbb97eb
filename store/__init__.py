"""Tables, repositories, the unit of work, the inbox and the outbox."""
