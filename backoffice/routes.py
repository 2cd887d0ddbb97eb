"""The route table: every page of the back-office with the permission it needs, in one list."""

from __future__ import annotations

from backoffice.pages import (
    analytics,
    articles,
    auth,
    features,
    home,
    lookup,
    operations,
    operators,
    reconciliation,
    suspicious,
    tickets,
)
from backoffice.web import Page

ROUTES: list[Page] = [
    *auth.PAGES, *home.PAGES, *features.PAGES, *articles.PAGES, *lookup.PAGES, *tickets.PAGES,
    *analytics.PAGES, *reconciliation.PAGES, *operations.PAGES, *operators.PAGES,
    *suspicious.PAGES,
]
