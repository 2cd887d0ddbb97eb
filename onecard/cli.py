"""The `onecard` command: every process of the platform and the operator's tools."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from events.topics import GROUPED_TOPICS, Topic


def _run(args: argparse.Namespace) -> int:
    from onecard.run import run

    return run()


def _web(args: argparse.Namespace) -> int:
    import uvicorn

    from onecard.settings import Settings

    settings = Settings()
    if args.workers > 1:
        # Several server processes: each writes its metrics to files that `/metrics` sums.
        from onecard.observability.pool_metrics import MULTIPROC_ENV, fresh_multiproc_dir

        os.environ.setdefault(MULTIPROC_ENV, str(fresh_multiproc_dir(settings.resolved_data_dir, "web")))
    uvicorn.run("onecard.web:create", factory=True, host=args.host or settings.http_host,
                port=args.port or settings.http_port, workers=args.workers, log_level="warning",
                access_log=False, timeout_graceful_shutdown=10)
    return 0


def _worker(args: argparse.Namespace) -> int:
    queues = args.queues or [t.value for t in Topic]
    unknown = set(queues) - {t.value for t in Topic}
    if unknown:
        print(f"unknown queue(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    # dramatiq's Redis consumer backs off to this many ms when its queue is empty: 1 s by default
    # adds up to a second per hop to a quiet queue (measured by `make bench`); polling is cheap.
    os.environ.setdefault("dramatiq_worker_timeout", "100")
    argv = ["dramatiq", "onecard.worker_entry", "--processes", str(args.processes),
            "--threads", str(args.threads or default_threads(queues)), "--queues", *queues]
    env = {**os.environ, **_worker_metrics_env(args)}
    os.execvpe(sys.executable, [sys.executable, "-m", *argv], env)
    return 0  # not reached


def default_threads(queues: list[str]) -> int:
    """Threads per worker process when not given: a pool of only grouped topics gathers a group of
    turns from as many messages as it has threads, and a waiting thread costs nothing; other pools
    wait on outside systems with a few threads each."""
    return GROUPED_THREADS if {Topic(q) for q in queues} <= GROUPED_TOPICS else 4


GROUPED_THREADS = 64


def _worker_metrics_env(args: argparse.Namespace) -> dict[str, str]:
    """With a metrics port, the pool's processes count into one fresh folder that its server sums."""
    from onecard.observability.pool_metrics import MULTIPROC_ENV, fresh_multiproc_dir
    from onecard.settings import Settings

    settings = Settings()
    port = args.metrics_port or settings.worker_metrics_port
    if not port:
        return {}
    directory = fresh_multiproc_dir(settings.resolved_data_dir, "worker")
    return {"ONECARD_WORKER_METRICS_PORT": str(port), MULTIPROC_ENV: str(directory)}


def _scheduler(args: argparse.Namespace) -> int:
    from onecard.bootstrap import build
    from onecard.observability import logs
    from onecard.scheduler import run_scheduler

    logs.configure()
    run_scheduler(build())
    return 0


def _simulators(args: argparse.Namespace) -> int:
    import uvicorn

    from adapters.sim.server import build_simulators
    from chatsim.config import chat_config, wechat_is_simulated
    from chatsim.web import with_chat
    from onecard.settings import Settings

    settings = Settings()
    sims = build_simulators(settings.wechat_appid, settings.wechat_secret.get_secret_value(),
                            settings.sms_sink_path)
    app: Any = sims.app()
    here = f"http://127.0.0.1:{args.port}"
    if wechat_is_simulated(settings.wechat_api_base, here):  # the platform's WeChat is this simulator
        app = with_chat(app, chat_config(settings, here))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
    return 0


def _chat(args: argparse.Namespace) -> int:
    from chatsim.command import main as chat_main

    return chat_main(args.openid, simulator_url=args.simulator_url, callback_url=args.callback_url, linger=args.linger)


def _db(args: argparse.Namespace) -> int:
    from onecard.settings import Settings
    from store.migrate import upgrade

    url = Settings().resolved_database_url
    if args.action == "upgrade":
        upgrade(url, args.revision)
        print("database is at", args.revision)
    return 0


def _menu(args: argparse.Namespace) -> int:
    import json

    from events.menu import menu_json

    menu = menu_json()
    if args.action == "show":
        print(json.dumps(menu, ensure_ascii=False, indent=1))
        return 0
    from onecard.bootstrap import build_wechat
    from onecard.settings import Settings

    build_wechat(Settings()).create_menu(menu)
    print(f"menu pushed: {len(menu['button'])} buttons, {sum(len(b['sub_button']) for b in menu['button'])} items")
    return 0


def _reconcile(args: argparse.Namespace) -> int:
    from datetime import date, timedelta

    from sqlalchemy import select

    from onecard.bootstrap import build
    from onecard.observability import logs
    from store.tables import Discrepancy
    from workers.money.reconcile.run import reconcile

    logs.configure()
    platform = build()
    if platform.money is None:
        print("reconciliation needs ONECARD_BANK_URL, ONECARD_FEES_URL and ONECARD_CARD_SYSTEM_URL", file=sys.stderr)
        return 2
    day = date.fromisoformat(args.date)
    run_id = reconcile(platform.engine, platform.money, day, triggered_by="cli", relay=platform.relay(),
                       stuck_after=timedelta(seconds=platform.settings.reconcile_stuck_after_seconds), progress=True)
    with platform.uow() as uow:
        items = uow.session.execute(select(Discrepancy).where(Discrepancy.run_id == run_id)).scalars().all()
        for item in items:
            print(f"{item.status:<9} {item.kind:<16} {item.order_no}  bank {item.bank_fen} fen, "
                  f"ours {item.platform_fen} fen: {item.detail}")
        unexplained = sum(1 for item in items if item.status == "open")
    print(f"run {run_id} for {day}: {len(items)} differences, {unexplained} waiting for an operator")
    return 1 if unexplained else 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="onecard", description="The campus card inside WeChat.")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="the whole platform on the embedded default").set_defaults(func=_run)

    web = sub.add_parser("web", help="the HTTP ingress for WeChat callbacks")
    web.add_argument("--host")
    web.add_argument("--port", type=int)
    web.add_argument("--workers", type=int, default=1, help="server processes")
    web.set_defaults(func=_web)

    worker = sub.add_parser("worker", help="a worker pool for one or more topics")
    worker.add_argument("queues", nargs="*", metavar="QUEUE", help=f"of {', '.join(t.value for t in Topic)}")
    worker.add_argument("--processes", type=int, default=1)
    worker.add_argument("--threads", type=int, help="per process (default: 32 for a pool of grouped topics, else 4)")
    worker.add_argument("--metrics-port", type=int, help="serve the pool's Prometheus metrics on this port")
    worker.set_defaults(func=_worker)

    sub.add_parser("scheduler", help="periodic jobs: sweeps, reconciliation").set_defaults(func=_scheduler)

    sims = sub.add_parser("simulators", help="serve the local simulators of outside systems")
    sims.add_argument("--port", type=int, default=8090)
    sims.set_defaults(func=_simulators)

    chat = sub.add_parser("chat", help="talk to the platform as a WeChat follower would (with the simulators)")
    chat.add_argument("--openid", help="the simulated follower (default: a new one, who follows first)")
    chat.add_argument("--simulator-url", help="where `onecard run` serves the simulators (default: settings)")
    chat.add_argument("--callback-url", help="the ingress's /wechat URL (default: from the settings)")
    chat.add_argument("--linger", type=float, default=3.0, help="seconds to wait for answers after the input ends")
    chat.set_defaults(func=_chat)

    rec = sub.add_parser("reconcile", help="match the bank statement of a day against orders and the card ledger")
    rec.add_argument("--date", required=True, help="YYYY-MM-DD, Asia/Shanghai")
    rec.set_defaults(func=_reconcile)

    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"])
    db.add_argument("revision", nargs="?", default="head")
    db.set_defaults(func=_db)

    menu = sub.add_parser("menu", help="the custom menu: show it, or push it to WeChat (sync)")
    menu.add_argument("action", choices=["sync", "show"])
    menu.set_defaults(func=_menu)

    from backoffice.cli import add_parser as add_admin_parser

    add_admin_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
