"""What an operator relies on: delivery guarantees across kills, graceful shutdown, health, metrics, the scheduler, the production files and backups."""
