"""`onecard run` (what `make run` calls): the whole platform on one machine with nothing but Python.

This process owns the embedded Redis and the simulators, migrates the database, then starts every
process of the Procfile under honcho, with their settings pointing at what it started.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from honcho.manager import Manager
from honcho.printer import Printer

from adapters.cardsystem.demo import DEMO_HOLDERS
from adapters.sim.server import Simulators, build_simulators, urls
from adapters.wechat.client import WechatpyApi
from adapters.wechat.port import WeChatApi
from backoffice.seed import seed_demo_admin
from chatsim.config import callback_url, chat_config
from chatsim.web import with_chat
from events.menu import menu_json
from onecard.embedded import socket_url, start_embedded_redis
from onecard.ports import EXIT_CONFIG, Listener, refuse_taken
from onecard.private_files import tighten
from onecard.procfile import processes
from onecard.serve import ServerThread
from onecard.settings import OFFICIAL_API_BASE, Settings
from store.db import make_engine
from store.migrate import upgrade
from workers.text.format import yuan

#: Where the chat simulator is served, in the environment `prepare` returns (only when it is).
CHAT_URL = "ONECARD_CHAT_URL"


def needs_simulator(settings: Settings) -> bool:
    """The simulators run here when WeChat or the card system is not a real one."""
    return settings.wechat_api_base == OFFICIAL_API_BASE or not settings.card_system_url


def prepare(settings: Settings, keepalive: list[Any]) -> dict[str, str]:
    """Start what the embedded default needs; the environment every child process gets."""
    tighten(settings.resolved_data_dir)
    env = {"ONECARD_DATA_DIR": str(settings.resolved_data_dir),
           "ONECARD_DATABASE_URL": settings.resolved_database_url}
    if not settings.broker_url:
        server = start_embedded_redis(settings.embedded_redis_path)
        keepalive.append(server)
        env["ONECARD_BROKER_URL"] = socket_url(server)
    if needs_simulator(settings):
        sims = build_simulators(settings.wechat_appid, settings.wechat_secret.get_secret_value(),
                                settings.sms_sink_path, data_dir=settings.resolved_data_dir)
        port = settings.simulator_port
        app: Any = sims.app()
        if settings.wechat_api_base == OFFICIAL_API_BASE:
            # The simulator stands in for WeChat: so may the chat simulator, its client (never otherwise).
            app = with_chat(app, chat_config(settings, f"http://127.0.0.1:{port}"))
        keepalive.append(sims)  # the banner reads the demo holders' balances from its ledger
        thread = ServerThread(app, port=port).start()
        keepalive.append(thread)
        sim_urls = urls(thread.url)
        if settings.wechat_api_base == OFFICIAL_API_BASE:
            for name in ("ONECARD_WECHAT_API_BASE", "ONECARD_WECHAT_OAUTH_BASE", "ONECARD_WECHAT_SNS_BASE"):
                env[name] = sim_urls[name]
            env[CHAT_URL] = f"{thread.url}/chat/"
        if not settings.card_system_url:
            # The simulated card system pushes every transaction to our webhook, as a real one is set up to.
            sims.card.webhook.connect(f"http://127.0.0.1:{settings.http_port}/cardsystem/events",
                                      settings.card_events_secret.get_secret_value())
            env["ONECARD_CARD_SYSTEM_URL"] = sim_urls["ONECARD_CARD_SYSTEM_URL"]
            env["ONECARD_BANK_URL"] = settings.bank_url or sim_urls["ONECARD_BANK_URL"]
            env["ONECARD_FEES_URL"] = settings.fees_url or sim_urls["ONECARD_FEES_URL"]
        if not settings.campus_data_url:
            env["ONECARD_CAMPUS_DATA_URL"] = sim_urls["ONECARD_CAMPUS_DATA_URL"]
        if not settings.wechatpay_enabled:  # the demo merchant, at the WeChat Pay simulator
            env.update(sims.wechatpay.settings_env(settings.resolved_data_dir / "wechatpay"))
            env["ONECARD_WECHATPAY_API_BASE"] = sim_urls["ONECARD_WECHATPAY_API_BASE"]
        env["ONECARD_SIMULATOR_URL"] = thread.url
    upgrade(settings.resolved_database_url)
    _seed_guides(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    env["ONECARD_DEMO_ADMIN"] = ":".join(seed_demo_admin(engine, settings.resolved_data_dir))
    if "ONECARD_WECHAT_API_BASE" in env:
        # The WeChat simulator stands in: the chat simulator shows the real menu from the first second.
        publish_menu(WechatpyApi(engine, settings.wechat_appid, settings.wechat_secret.get_secret_value(),
                                 env["ONECARD_WECHAT_API_BASE"]), settings.resolved_public_url)
    engine.dispose()
    return env


def publish_menu(wechat: WeChatApi, public_url: str) -> None:
    """`menu/create` with the one definition (`events.menu`), as `onecard menu sync` does."""
    wechat.create_menu(menu_json(public_url))


def _seed_guides(url: str) -> None:
    from onecard.demo_guides import seed_demo_guides

    engine = make_engine(url)
    try:
        seed_demo_guides(engine)
    finally:
        engine.dispose()


def banner(settings: Settings, env: dict[str, str], balances: Mapping[str, int] | None = None) -> str:
    """What `make run` prints; `balances`: the card system's balances now (a restart keeps them)."""
    lines = [
        "",
        "onecard is starting on the embedded default.",
        f"  WeChat callback URL : {callback_url(settings)}"
        f"  (token {settings.wechat_token.get_secret_value()!r})",
    ]
    if CHAT_URL in env:
        lines.append(f"  Chat simulator      : {env[CHAT_URL]}  (or `onecard chat` in a terminal)")
    if "ONECARD_SIMULATOR_URL" in env:
        lines.append(f"  Simulators          : {env['ONECARD_SIMULATOR_URL']}/ (WeChat API, card system, SMS)")
    if "ONECARD_WECHATPAY_MCHID" in env:
        lines.append(f"  WeChat Pay          : the simulator at {env['ONECARD_WECHATPAY_API_BASE']}"
                     f" (demo merchant {env['ONECARD_WECHATPAY_MCHID']}); notifications to /wechatpay/notify")
    lines.append(f"  SMS codes land in   : {settings.sms_sink_path}")
    user, _, password = env.get("ONECARD_DEMO_ADMIN", "").partition(":")
    lines.append(f"  Back-office         : http://{settings.http_host}:{settings.http_port}/admin/"
                 f"  (sign in as {user!r}, password {password!r}; then choose your own)")
    lines.append(f"  Pages inside WeChat : {settings.resolved_public_url}/m/card  (the menu's 我的校园卡; open it"
                 " from the chat simulator, which plays WeChat's sign-in)")
    lines.append(f"  Operations          : http://{settings.ops_host}:{settings.ops_port}/readyz and /metrics")
    lines.append(f"  Database            : {env['ONECARD_DATABASE_URL']}")
    lines.append("  Demo card holders   :")
    for h in DEMO_HOLDERS:
        balance = (balances or {}).get(h.student_no, h.balance_fen)
        lines.append(f"    {h.student_no:<9} {h.name:<4} phone {h.phone}  balance {yuan(balance)} yuan")
    lines.append("  Stop with Ctrl-C.")
    return "\n".join(lines) + "\n"


def listeners(settings: Settings) -> list[Listener]:
    """The ports `onecard run` and its web process will listen on, each with the setting that moves it."""
    found = []
    if needs_simulator(settings):
        found.append(Listener("127.0.0.1", settings.simulator_port, "ONECARD_SIMULATOR_PORT"))
    return [*found, Listener(settings.http_host, settings.http_port, "ONECARD_HTTP_PORT"),
            Listener(settings.ops_host, settings.ops_port, "ONECARD_OPS_PORT")]


def run(settings: Settings | None = None) -> int:
    settings = settings or Settings()
    if refuse_taken(listeners(settings)):  # before anything starts: nothing to stop half-way
        return EXIT_CONFIG
    keepalive: list[Any] = []
    env = prepare(settings, keepalive)
    child_env = {**os.environ, **env}
    bin_dir = str(Path(sys.executable).parent)
    child_env["PATH"] = bin_dir + os.pathsep + child_env.get("PATH", "")
    manager = Manager(Printer(sys.stdout))
    for name, command in processes().items():
        manager.add_process(name, command, env=child_env)
    sims = next((k for k in keepalive if isinstance(k, Simulators)), None)
    sys.stdout.write(banner(settings, env, sims.card.balances if sims else None))
    sys.stdout.flush()
    manager.loop()
    return int(manager.returncode or 0)
