"""Reconciliation (对账): the bank's daily statement against our orders and the card ledger.

`run.reconcile` matches and repairs what is safe; `resolve.resolve_discrepancy` records an
operator's decision on the rest; `review` reads runs and discrepancies back for the back-office.
"""
