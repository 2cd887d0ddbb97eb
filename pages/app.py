"""The pages as an ASGI app, mounted at /m by the web process (`onecard.web`).

Every page but the authorization callback and the static files goes through `pages.web.handle`.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from pages import articles, bills, campus, card, history, topup
from pages.auth import auth_endpoint
from pages.pipeline import endpoint, public_endpoint
from pages.web import HERE, Page, PagesDeps
from webassets import CachedStatic

#: The route table (paths under /m); `feature` is the chat function's switch, so both pause together.
PAGES = (
    Page("/card", card.card, feature="balance"),
    Page("/history", history.history, feature="history"),
    Page("/api/history", history.history_more, feature="history", api=True),
    Page("/bill", bills.month, feature="bill"),
    Page("/year-bill", bills.year, feature="bill"),
    Page("/timetable", campus.timetable, feature="timetable"),
    Page("/grades", campus.grades, feature="grades"),
    Page("/topup", topup.form, feature="topup"),
    Page("/api/topup", topup.start, feature="topup", api=True, methods=("POST",)),
)


def create_pages(deps: PagesDeps) -> ASGIApp:
    """The pages, gzipped for phones on slow networks (a month's bill page: ~15 KB → ~4 KB)."""
    routes: list[BaseRoute] = [Route(page.path, endpoint(page, deps), methods=list(page.methods)) for page in PAGES]
    routes.append(Route("/", lambda _request: RedirectResponse("/m/card", status_code=302)))
    routes.append(Route("/auth", auth_endpoint(deps)))
    routes.append(Route("/articles/{article_id}", public_endpoint(articles.article, deps)))
    routes.append(Mount("/static", CachedStatic(directory=HERE / "static"), name="static"))
    return GZipMiddleware(Starlette(routes=routes), minimum_size=1024, compresslevel=6)
