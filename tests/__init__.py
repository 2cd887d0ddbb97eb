"""The tests, in layers: unit, integration, e2e, ops and reliability.

`harness` starts a whole stack; `processes` starts and stops process groups.
"""
