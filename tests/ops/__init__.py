"""What an operator relies on: delivery guarantees across kills, graceful shutdown, health, metrics, the
scheduler, and the production files (units, TLS proxy, backups)."""
