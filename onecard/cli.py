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
    from uvicorn.supervisors import Multiprocess

    from onecard.ports import EXIT_CONFIG, Listener, refuse_taken
    from onecard.settings import Settings

    if args.ops_port:
        os.environ["ONECARD_OPS_PORT"] = str(args.ops_port)  # read again by each server process
    settings = Settings()
    port = args.port or settings.http_port
    host = args.host or settings.http_host
    if refuse_taken([Listener(host, port, "--port" if args.port else "ONECARD_HTTP_PORT"),
                     Listener(settings.ops_host, settings.ops_port,
                              "--ops-port" if args.ops_port else "ONECARD_OPS_PORT")]):
        return EXIT_CONFIG
    if args.workers > 1:
        # Several server processes: each writes its metrics to files that `/metrics` sums.
        from onecard.observability.pool_metrics import MULTIPROC_ENV, fresh_multiproc_dir

        os.environ.setdefault(MULTIPROC_ENV, str(fresh_multiproc_dir(settings.resolved_data_dir, "web")))
    config = uvicorn.Config("onecard.web:create", factory=True, host=host, port=port,
                            workers=args.workers, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=10, proxy_headers=True,
                            forwarded_allow_ips=settings.forwarded_allow_ips)
    # Both listeners in every server process; `onecard.web.ByListener` tells their requests apart.
    ops = uvicorn.Config(config.app, host=settings.ops_host, port=settings.ops_port, log_level="warning")
    sockets = [config.bind_socket(), ops.bind_socket()]
    if args.workers > 1:
        Multiprocess(config, sockets=sockets).run()
    else:
        uvicorn.Server(config).run(sockets=sockets)
    return 0


def _worker(args: argparse.Namespace) -> int:
    queues = args.queues or [t.value for t in Topic]
    unknown = set(queues) - {t.value for t in Topic}
    if unknown:
        print(f"unknown queue(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    # A dramatiq consumer whose prefetch is full sleeps up to this many ms before it asks again
    # (1 s by default); an empty Redis queue is waited on instead (`adapters.broker.redis_waking`).
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
    from onecard.settings import Settings

    settings = Settings()
    logs.configure(settings.log_level)
    run_scheduler(build(settings))
    return 0


def _simulators(args: argparse.Namespace) -> int:
    import uvicorn

    from adapters.sim.server import build_simulators
    from chatsim.config import chat_config, wechat_is_simulated
    from chatsim.web import with_chat
    from onecard.ports import EXIT_CONFIG, Listener, refuse_taken
    from onecard.settings import Settings

    if refuse_taken([Listener("127.0.0.1", args.port, "--port")]):
        return EXIT_CONFIG
    settings = Settings()
    sims = build_simulators(settings.wechat_appid, settings.wechat_secret.get_secret_value(),
                            settings.sms_sink_path, data_dir=settings.resolved_data_dir)
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
    from onecard.settings import Settings

    menu = menu_json(Settings().resolved_public_url)
    if args.action == "show":
        print(json.dumps(menu, ensure_ascii=False, indent=1))
        return 0
    from onecard.bootstrap import build_wechat

    build_wechat(Settings()).create_menu(menu)
    print(f"menu pushed: {len(menu['button'])} buttons, {sum(len(b['sub_button']) for b in menu['button'])} items")
    return 0


def _templates(args: argparse.Namespace) -> int:
    from onecard.templates_check import main as templates_main

    return templates_main(args.action)


def _doctor(args: argparse.Namespace) -> int:
    from onecard.doctor.command import main as doctor_main

    return doctor_main(timeout=args.timeout)


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
                       stuck_after=timedelta(seconds=platform.settings.reconcile_stuck_after_seconds), progress=True,
                       source=args.source)
    with platform.uow() as uow:
        items = uow.session.execute(select(Discrepancy).where(Discrepancy.run_id == run_id)).scalars().all()
        for item in items:
            print(f"{item.status:<9} {item.kind:<16} {item.order_no}  bank {item.bank_fen} fen, "
                  f"ours {item.platform_fen} fen: {item.detail}")
        unexplained = sum(1 for item in items if item.status == "open")
    print(f"run {run_id} for {day}: {len(items)} differences, {unexplained} waiting for an operator")
    return 1 if unexplained else 0


def _card_feed(args: argparse.Namespace) -> int:
    import signal
    import threading

    from ingress.card_feed import CardFeed
    from onecard.bootstrap import build
    from onecard.observability import logs

    logs.configure()
    platform = build()
    s = platform.settings
    if not s.card_feed_url:
        print("onecard card-feed needs ONECARD_CARD_FEED_URL (amqp://…)", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    CardFeed(s.card_feed_url, exchange=s.card_feed_exchange, routing_key=s.card_feed_routing_key,
             queue=s.card_feed_queue, engine=platform.engine, enqueue=platform.enqueue_events).run(stop)
    return 0


def _backup(args: argparse.Namespace) -> int:
    from pathlib import Path
    from subprocess import CalledProcessError

    from onecard.backup import backup
    from onecard.settings import Settings

    if args.keep < 1:
        print("--keep must be at least 1", file=sys.stderr)
        return 2
    try:
        print("wrote", backup(Settings().resolved_database_url, Path(args.output), args.keep))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    except CalledProcessError as error:
        print(f"pg_dump failed (exit {error.returncode}); no backup was written", file=sys.stderr)
        return 1
    return 0


def _simulate_day(args: argparse.Namespace) -> int:
    from onecard.settings import Settings
    from onecard.simulate_day import simulate_day

    url = args.simulator_url or Settings().simulator_url
    if not url:
        print("start `onecard run` first, or give --simulator-url", file=sys.stderr)
        return 2
    print(simulate_day(url, holders_count=args.holders, speed=args.speed))
    return 0


def _conformance(args: argparse.Namespace) -> int:
    from adapters.contracts import SYSTEMS
    from onecard.conformance.options import Options
    from onecard.conformance.runner import Refused, run

    if args.system not in SYSTEMS:
        print(f"SYSTEM 应为 {', '.join(SYSTEMS)} 之一", file=sys.stderr)
        return 2
    options = Options(args.system, args.url, holder=args.holder, card=args.card, with_money=args.with_money,
                      amount_fen=args.amount_fen, unknown_holder=args.unknown_holder,
                      webhook_secret=args.webhook_secret, listen=args.listen, public_url=args.public_url,
                      phone=args.phone, send_sms=args.send_sms, webhook_wait=args.webhook_wait)
    try:
        report = run(options)
    except Refused as refused:
        print(f"拒绝运行：{refused}", file=sys.stderr)
        return 2
    print(report.json() if args.json else report.text())
    return 0 if report.passed else 1


def _add_conformance(sub: Any) -> None:
    conf = sub.add_parser(
        "conformance", help="check a school's bridge to an outside system against its contract (exit 0 only when "
        "everything holds)", description="Run the contract's behaviour (adapters/<system>/openapi.yaml) against a "
        "school's bridge and print what to fix. Reads only, unless --with-money.")
    conf.add_argument("system", metavar="SYSTEM", help="card-system, fees, campus-data, bank or sms")
    conf.add_argument("url", metavar="URL", help="the bridge's base URL (what ONECARD_<SYSTEM>_URL will be)")
    conf.add_argument("--holder", metavar="STUDENT_NO",
                      help="the test holder the school provides: reads are made on it")
    conf.add_argument("--card", metavar="CARD_NO", help="the test holder's card (must belong to --holder): the only "
                      "card money steps touch")
    conf.add_argument("--with-money", action="store_true",
                      help="also run the keyed money steps on the test holder: MOVES REAL MONEY. Card system: a "
                      "credit and its debit back, a refused over-balance debit, and the card reported lost (挂失) "
                      "for a moment and the loss lifted; the card ends as it began. Fees: one payment of "
                      "--amount-fen to the holder's network fee, which cannot be taken back. Bank: a debit of the "
                      "holder's linked account, reversed at once")
    conf.add_argument("--amount-fen", type=int, default=1, help="what each money step moves, in fen (default 1)")
    conf.add_argument("--unknown-holder", default="00000000", metavar="STUDENT_NO",
                      help="a student number the systems do not know (default 00000000)")
    conf.add_argument("--webhook-secret", help="card system: the webhook secret shared with onecard "
                      "(ONECARD_CARD_EVENTS_SECRET), to check the test delivery's signature")
    conf.add_argument("--listen", default="127.0.0.1:0", metavar="HOST:PORT",
                      help="card system: where the runner listens for the test delivery (default: a free local port)")
    conf.add_argument("--public-url", help="card system: the URL the bridge is told to deliver to, when it cannot "
                      "reach the --listen address (a tunnel, this machine's address as the bridge sees it)")
    conf.add_argument("--webhook-wait", type=float, default=15.0, help="seconds to wait for the test delivery")
    conf.add_argument("--send-sms", action="store_true", help="sms: send one real text to --phone")
    conf.add_argument("--phone", help="sms: the number the test text goes to (with --send-sms)")
    conf.add_argument("--json", action="store_true", help="print the report as JSON")
    conf.set_defaults(func=_conformance)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="onecard", description="The campus card inside WeChat.")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="the whole platform on the embedded default").set_defaults(func=_run)

    web = sub.add_parser("web", help="the HTTP ingress for WeChat callbacks")
    web.add_argument("--host")
    web.add_argument("--port", type=int)
    web.add_argument("--workers", type=int, default=1, help="server processes")
    web.add_argument("--ops-port", type=int, help="the operations listener's port (/readyz, /metrics)")
    web.set_defaults(func=_web)

    worker = sub.add_parser("worker", help="a worker pool for one or more topics")
    worker.add_argument("queues", nargs="*", metavar="QUEUE", help=f"of {', '.join(t.value for t in Topic)}")
    worker.add_argument("--processes", type=int, default=1)
    worker.add_argument("--threads", type=int, help="per process (default: 32 for a pool of grouped topics, else 4)")
    worker.add_argument("--metrics-port", type=int, help="serve the pool's Prometheus metrics on this port")
    worker.set_defaults(func=_worker)

    sub.add_parser("scheduler", help="periodic jobs: sweeps, reconciliation").set_defaults(func=_scheduler)

    sub.add_parser("card-feed", help="store the card system's transactions published to RabbitMQ (kombu)"
                   ).set_defaults(func=_card_feed)

    day = sub.add_parser("simulate-day", help="replay a campus day of card transactions against the simulator")
    day.add_argument("--holders", type=int, default=200)
    day.add_argument("--speed", type=float, default=60.0, help="times faster than real time")
    day.add_argument("--simulator-url", help="where `onecard run` serves the simulators (default: settings)")
    day.set_defaults(func=_simulate_day)

    sims = sub.add_parser("simulators", help="serve the local simulators of outside systems")
    sims.add_argument("--port", type=int, default=8090)
    sims.set_defaults(func=_simulators)

    chat = sub.add_parser("chat", help="talk to the platform as a WeChat follower would (with the simulators)")
    chat.add_argument("--openid", help="the simulated follower (default: a new one, who follows first)")
    chat.add_argument("--simulator-url", help="where `onecard run` serves the simulators (default: settings)")
    chat.add_argument("--callback-url", help="the ingress's /wechat URL (default: from the settings)")
    chat.add_argument("--linger", type=float, default=3.0, help="seconds to wait for answers after the input ends")
    chat.set_defaults(func=_chat)

    rec = sub.add_parser("reconcile", help="match a day's statement against orders and the card ledger")
    rec.add_argument("--date", required=True, help="YYYY-MM-DD, Asia/Shanghai")
    rec.add_argument("--source", choices=["bank", "wechatpay"], default="bank",
                     help="the bank's statement (圈存) or WeChat Pay's trade bill")
    rec.set_defaults(func=_reconcile)

    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"])
    db.add_argument("revision", nargs="?", default="head")
    db.set_defaults(func=_db)

    dump = sub.add_parser("backup", help="dump the PostgreSQL database (pg_dump -Fc) into a folder, keep the newest N")
    dump.add_argument("--output", required=True, help="the backups' folder")
    dump.add_argument("--keep", type=int, default=14, help="dumps kept, the oldest deleted first")
    dump.set_defaults(func=_backup)

    from onecard.deploy.command import add_parser as add_deploy_parser

    add_deploy_parser(sub)

    menu = sub.add_parser("menu", help="the custom menu: show it, or push it to WeChat (sync)")
    menu.add_argument("action", choices=["sync", "show"])
    menu.set_defaults(func=_menu)

    templates = sub.add_parser("templates", help="the account's template messages: list them from WeChat (sync), "
                               "and check every notice kind has one (exit 1 when one has none)")
    templates.add_argument("action", choices=["check", "sync"])
    templates.set_defaults(func=_templates)

    doctor = sub.add_parser("doctor", help="check this deployment before go-live and after every change "
                            "(one line a check; exit 1 when any blocks)")
    doctor.add_argument("--timeout", type=float, default=10.0, help="seconds each network call may take")
    doctor.set_defaults(func=_doctor)

    _add_conformance(sub)

    from backoffice.cli import add_parser as add_admin_parser

    add_admin_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from onecard.private_files import create_private_files

    create_private_files()
    args = parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
