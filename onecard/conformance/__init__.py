"""`onecard conformance SYSTEM URL`: the contract's behaviour run against a school's bridge, reported so that its vendor can act on each line.

`report` holds what was found and prints it, `probe` makes each call (timed against the contract's
time-out, its answer checked against the contract's schema), `keyed` the idempotency checks every
money system shares, `webhook` the signed test delivery; one module per system runs its checks, and
`runner` picks the system and guards the money steps.
"""
