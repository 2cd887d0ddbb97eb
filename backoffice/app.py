"""The back-office as an ASGI app, mounted under /admin by the web process (`onecard.web`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from backoffice.reconciliation import Reconciliation
from backoffice.reconciliation_store import StoredReconciliation
from backoffice.routes import ROUTES
from backoffice.services import PlatformServices, Services
from backoffice.stats import TransactionSource
from backoffice.transactions import OrderTransactions
from backoffice.web import HERE, endpoint
from onecard.bootstrap import Platform
from store.uow import UnitOfWork


@dataclass
class BackOffice:
    """The platform plus the pieces other issues provide (swapped in at merge, see services.py)."""

    platform: Platform
    services: Services = field(default=None)  # type: ignore[assignment]
    reconciliation: Reconciliation = field(default_factory=StoredReconciliation)
    transactions: TransactionSource = field(default_factory=OrderTransactions)

    def __post_init__(self) -> None:
        if self.services is None:
            self.services = PlatformServices(self.platform)

    def uow(self) -> UnitOfWork:
        return self.platform.uow()


def create_backoffice(platform: Platform, **parts: object) -> Starlette:
    bo = BackOffice(platform, **parts)  # type: ignore[arg-type]
    routes: list[BaseRoute] = [
        Route(page.path, endpoint(page, bo), methods=[page.method]) for page in ROUTES
    ]
    routes.append(Mount("/static", StaticFiles(directory=HERE / "static"), name="static"))
    app = Starlette(routes=routes)
    app.state.backoffice = bo
    return app
