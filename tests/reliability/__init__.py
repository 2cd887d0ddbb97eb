"""Faults in the middle of traffic (kill -9, a broker restart, a database outage): every
acknowledged callback answered once."""
