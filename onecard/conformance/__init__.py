"""`onecard conformance SYSTEM URL`: the contract run against a school's bridge, for its vendor to act on.

`report` holds what was found and prints it, `probe` makes each call (timed against the contract's
time-out, its answer checked against the contract's schema), `keyed` the idempotency checks every
money system shares, `webhook` the signed test delivery; one module per system runs its checks, and
`runner` picks the system and guards the money steps.
"""
