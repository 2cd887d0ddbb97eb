"""The pages inside WeChat on a real local HTTP server (a thread), beside the WeChat simulator's
authorization endpoints, over a fresh database and the fake card system; a phone is a
`requests.Session` that follows WeChat's redirects as the WeChat client does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

import requests
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool
from starlette.applications import Starlette
from starlette.routing import Mount

from adapters.cardsystem.port import CardSystem
from adapters.wechat.oauth import HttpOAuthCodes
from adapters.wechat.oauth_simulator import OPENID_COOKIE, OAuthSimulator
from onecard.serve import ServerThread, free_port
from pages.app import create_pages
from pages.web import PagesConfig, PagesDeps
from store.tables import Base
from store.uow import UnitOfWork
from tests.unit.fakes import FakeCampus, FakeCardSystem, bind
from webassets import mount as assets_mount

APPID = "wxpages"
SECRET_KEY = "k"


@dataclass
class PagesSite:
    url: str
    engine: Engine
    card: FakeCardSystem
    campus: FakeCampus
    sim: OAuthSimulator
    deps: PagesDeps
    #: The pages' clock: tests move it to expire sessions.
    now: list[datetime] = field(default_factory=lambda: [datetime.now(UTC)])

    @property
    def wechat(self) -> str:
        return f"{self.url}/wx/"

    def phone(self, openid: str) -> requests.Session:
        """A phone signed in to WeChat as `openid` (what the simulated client's cookie says)."""
        s = requests.Session()
        s.cookies.set(OPENID_COOKIE, openid)
        return s

    def signed_in(self, openid: str) -> requests.Session:
        """A phone that opened 我的校园卡 once, so it holds a page session."""
        s = self.phone(openid)
        assert s.get(f"{self.url}/m/card").status_code == 200
        return s

    def bind(self, openid: str, student_no: str) -> None:
        with Session(self.engine) as s:
            bind(s, self.card, openid, student_no)
            s.commit()


@contextmanager
def pages_site(session_seconds: int = 7200) -> Iterator[PagesSite]:
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    Base.metadata.create_all(engine)
    card, campus, sim = FakeCardSystem(), FakeCampus(), OAuthSimulator(APPID, "secret")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = PagesConfig(appid=APPID, secret_key=SECRET_KEY, oauth_base=f"{url}/wx/", public_url=url,
                         session_seconds=session_seconds)
    factory = sessionmaker(engine)
    deps = PagesDeps(config, lambda: UnitOfWork(factory), cast(CardSystem, card),
                     HttpOAuthCodes(f"{url}/wx/sns/", APPID, "secret"), campus=campus)
    site = PagesSite(url, engine, card, campus, sim, deps)
    deps.clock = lambda: site.now[0]
    app = Starlette(routes=[assets_mount(), Mount("/m", app=create_pages(deps)),
                            Mount("/wx", app=Starlette(routes=sim.routes()))])
    server = ServerThread(app, port=port).start()
    try:
        yield site
    finally:
        server.stop()
        engine.dispose()
