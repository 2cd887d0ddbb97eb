"""The route table: every page of the back-office with the permission it needs, in one list."""

from __future__ import annotations

from backoffice.pages import (
    account,
    analytics,
    articles,
    auth,
    features,
    home,
    lookup,
    operations,
    operators,
    orders,
    reconciliation,
    suspicious,
    template_choice,
    template_messages,
    tickets,
)
from backoffice.web import Page

ROUTES: list[Page] = [
    *auth.PAGES, *home.PAGES, *features.PAGES, *articles.PAGES, *lookup.PAGES, *tickets.PAGES,
    *analytics.PAGES, *orders.PAGES, *reconciliation.PAGES, *suspicious.PAGES, *operations.PAGES,
    *template_messages.PAGES, *template_choice.PAGES, *operators.PAGES, *account.PAGES,
]
