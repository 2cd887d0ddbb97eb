"""The back-office as an ASGI app, mounted under /admin by the web process (`onecard.web`)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from backoffice.routes import ROUTES
from backoffice.web import HERE, endpoint
from onecard.bootstrap import Platform


def create_backoffice(platform: Platform) -> Starlette:
    """Every page of the route table, served over this process's platform (`onecard.security_headers`
    adds the security headers around the web process's whole app, so `/admin` itself has them too)."""
    routes: list[BaseRoute] = [
        Route(page.path, endpoint(page, platform), methods=[page.method]) for page in ROUTES
    ]
    routes.append(Mount("/static", StaticFiles(directory=HERE / "static"), name="static"))
    return Starlette(routes=routes)
