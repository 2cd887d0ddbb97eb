"""Pages inside WeChat: server time per page for a holder with a year of statement lines, and page weight.

The pages app (gzip on, as the web process serves it) and the card system simulator each run on a
local HTTP server (the simulator in a process of its own, as the real card system is another machine);
the holder's statement is a year of the demo's habits (~1,400 lines). Requests
go one at a time with a signed page session, and the server time of each is taken inside the
server, from the request's first byte to the response's last (it includes the card system's
answers, the simulator sharing the two cores: a pessimistic figure). Page weight:
each page's HTML and the assets it loads, as sent (gzip) and unpacked; repeat visits load only the
HTML, the assets being cached for a year. `python -m bench bench_pages` (figures also in
bench/results/pages.json).
"""

from __future__ import annotations

import gzip
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.cardsystem.client import HttpCardSystem
from adapters.cardsystem.demo import DemoHolder, demo_transactions
from adapters.cardsystem.simulator import CardSystemSimulator
from adapters.wechat.oauth import HttpOAuthCodes
from onecard.serve import ServerThread, free_port
from pages.app import create_pages
from pages.session import SESSION_COOKIE, Signer
from pages.web import PagesConfig, PagesDeps
from store.tables import Base, Binding
from store.uow import UnitOfWork
from webassets import ECHARTS, WEUI
from webassets import mount as assets_mount

TARGET_P95_MS = 100.0
HOLDER = DemoHolder("20249001", "测试", "13700000001", "6100200001", 10000)
ASSETS = {"weui": WEUI, "pages.css": "/m/static/pages.css", "bridge.js": "/m/static/bridge.js",
          "pages.js": "/m/static/pages.js", "echarts": ECHARTS, "charts.js": "/m/static/charts.js"}


class ServerTimes:
    """ASGI middleware: the server time of every request, and the process's CPU time meanwhile, by path.

    Requests come one at a time and the client waits, so the CPU time is the server's: unlike the
    wall time, it hardly grows when other processes crowd the cores.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.times: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started, cpu = time.perf_counter(), time.process_time()

        async def timed(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.times.setdefault(scope["path"], []).append((time.perf_counter() - started) * 1000)
                self.cpu.setdefault(scope["path"], []).append((time.process_time() - cpu) * 1000)

        await self.app(scope, receive, timed)


def _pages(now: datetime) -> dict[str, str]:
    this_month = now.strftime("%Y-%m")
    return {"card": "/m/card", "history": "/m/history", "history-more": "/m/api/history?offset=20",
            "history-filtered": "/m/history?kind=%E9%A4%90%E9%A5%AE", "month-bill": f"/m/bill?month={this_month}",
            "last-month-bill": "/m/bill", "year-bill": f"/m/year-bill?year={now.year}"}


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1), "max_ms": round(ordered[-1], 1)}


def _weight(session: requests.Session, url: str) -> dict[str, int]:
    response = session.get(url, headers={"Accept-Encoding": "gzip"}, stream=True)
    sent = response.raw.read(decode_content=False)
    unpacked = gzip.decompress(sent) if response.headers.get("content-encoding") == "gzip" else sent
    return {"sent_bytes": len(sent), "bytes": len(unpacked)}


def run(results_dir: Path, quick: bool) -> dict[str, Any]:
    rounds = 15 if quick else 60
    load_before = os.getloadavg()[0]
    now = datetime.now(UTC)
    lines = len(demo_transactions(HOLDER.student_no, HOLDER.balance_fen, now, months=12))
    card_port = free_port()
    card_process = multiprocessing.get_context("spawn").Process(
        target=serve_card_system, args=(card_port, now.isoformat()), name="bench-card-system", daemon=True)
    card_process.start()
    card_url = f"http://127.0.0.1:{card_port}"
    _wait_for(f"{card_url}/card/holders/{HOLDER.student_no}")
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        engine = create_engine(f"sqlite:///{tmp}/pages.db")
        Base.metadata.create_all(engine)
        with Session(engine) as s:
            s.add(Binding(openid="oBench", student_no=HOLDER.student_no, name=HOLDER.name, phone=HOLDER.phone))
            s.commit()
        factory = sessionmaker(engine)
        config = PagesConfig(appid="wxbench", secret_key="bench", oauth_base="http://127.0.0.1:9/",
                             public_url="http://127.0.0.1")
        deps = PagesDeps(config, lambda: UnitOfWork(factory), HttpCardSystem(f"{card_url}/card/"),
                         HttpOAuthCodes("http://127.0.0.1:9/sns/", "wxbench", "x"))
        timed = ServerTimes(Starlette(routes=[assets_mount(), Mount("/m", app=create_pages(deps))]))
        server = ServerThread(timed).start()
        try:
            phone = requests.Session()
            phone.cookies.set(SESSION_COOKIE, Signer.from_secret("bench").sign(
                "oBench", expires=int(time.time()) + 3600), path="/m/")
            pages = _pages(now)
            client: dict[str, list[float]] = {}
            for _warm in range(3):
                for path in pages.values():
                    assert phone.get(server.url + path).status_code == 200, path
            timed.times.clear()
            for _round in range(rounds):
                for name, path in pages.items():
                    started = time.perf_counter()
                    phone.get(server.url + path).raise_for_status()
                    client.setdefault(name, []).append((time.perf_counter() - started) * 1000)
            order = list(pages.values())
            server_times = {name: _percentiles(_by_query(timed.times, path, rounds, order))
                            for name, path in pages.items()}
            server_cpu = {name: _percentiles(_by_query(timed.cpu, path, rounds, order))
                          for name, path in pages.items()}
            weights = {name: _weight(phone, server.url + path) for name, path in pages.items()}
            assets = {name: _weight(phone, server.url + path) for name, path in ASSETS.items()}
        finally:
            server.stop()
            card_process.terminate()
            card_process.join(10)
            engine.dispose()
    first_bill = weights["month-bill"]["sent_bytes"] + sum(a["sent_bytes"] for a in assets.values())
    worst = max(t["p95_ms"] for t in server_times.values())
    result = {
        "statement_lines_of_the_year": lines, "rounds": rounds,
        "server_time": server_times, "server_cpu": server_cpu,
        "load_average_before_after": [load_before, os.getloadavg()[0]],
        "client_time": {name: _percentiles(v) for name, v in client.items()},
        "page_weight": weights, "assets": assets,
        "month_bill_first_visit_sent_bytes": first_bill,
        "month_bill_repeat_visit_sent_bytes": weights["month-bill"]["sent_bytes"],
        "worst_p95_ms": worst, "target_p95_ms": TARGET_P95_MS, "met": worst < TARGET_P95_MS,
        "measured": datetime.now(UTC).isoformat(timespec="seconds"), "quick": quick,
    }
    (results_dir / "pages.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return result


def serve_card_system(port: int, now: str) -> None:
    """The card system simulator in a process of its own (as the real one is another machine), with the
    holder's year of statement lines."""
    import uvicorn

    sim = CardSystemSimulator(holders=())
    sim.add_holder(HOLDER)
    sim.statements[HOLDER.student_no] = demo_transactions(
        HOLDER.student_no, HOLDER.balance_fen, datetime.fromisoformat(now), months=12)
    uvicorn.run(Starlette(routes=[Mount("/card", app=sim.app())]), host="127.0.0.1", port=port,
                log_level="warning", access_log=False)


def _wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer")
        time.sleep(0.1)


def _by_query(times: dict[str, list[float]], path: str, rounds: int, order: list[str]) -> list[float]:
    """The server times of `path` among requests to the same route (the middleware keys by route path)."""
    route = path.split("?")[0]
    same = [p for p in order if p.split("?")[0] == route]
    # Requests to one route alternate in `order`'s sequence every round: pick this one's share.
    return times[route][same.index(path)::len(same)][:rounds]
