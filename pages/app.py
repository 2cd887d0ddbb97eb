"""The pages as an ASGI app, mounted at /m by the web process (`onecard.web`).

Every page but the authorization callback and the static files goes through `pages.web.handle`.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route

from pages import bills, card, history, topup
from pages.auth import auth_endpoint
from pages.web import HERE, Page, PagesDeps, endpoint
from webassets import CachedStatic

#: The route table (paths under /m); `feature` is the chat function's switch, so both pause together.
PAGES = (
    Page("/card", card.card, feature="balance"),
    Page("/history", history.history, feature="history"),
    Page("/api/history", history.history_more, feature="history", api=True),
    Page("/bill", bills.month, feature="bill"),
    Page("/year-bill", bills.year, feature="bill"),
    Page("/topup", topup.form, feature="topup"),
    Page("/api/topup", topup.start, feature="topup", api=True, methods=("POST",)),
)


def create_pages(deps: PagesDeps) -> Starlette:
    routes: list[BaseRoute] = [Route(page.path, endpoint(page, deps), methods=list(page.methods)) for page in PAGES]
    routes.append(Route("/auth", auth_endpoint(deps)))
    routes.append(Mount("/static", CachedStatic(directory=HERE / "static"), name="static"))
    return Starlette(routes=routes)
