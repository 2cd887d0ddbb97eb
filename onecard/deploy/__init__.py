"""What an IT office installs to run onecard on its own machines: systemd units, the environment file, the TLS proxy."""
