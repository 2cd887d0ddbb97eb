"""Health, metrics and logs of every process."""
