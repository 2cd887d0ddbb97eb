"""Periodic work the scheduler runs: the sweeper, library reminders."""
