"""A whole onecard stack for tests: real database, real broker, simulators over HTTP, the real
ingress over HTTP and real worker processes, with helpers that play WeChat and a student.
"""

from __future__ import annotations

import json
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
import requests
from sqlalchemy import func, select
from starlette.responses import Response

from adapters.sim.faults import FaultInjector
from adapters.sim.server import Simulators, build_simulators, urls
from adapters.sms.file_sink import FileSms
from adapters.wechat.callbacks import CallbackSender, event_xml, text_xml
from onecard.bootstrap import Platform, build
from onecard.serve import ServerThread, free_port
from onecard.settings import Settings
from onecard.web import create_ops_app, create_web_app
from store.migrate import upgrade
from store.outbound import FINAL_STATUSES
from store.tables import InboxEvent, MoneyOrder, OutboundMessage, WechatGrant
from tests.backends import private_broker, private_database
from tests.processes import OUTPUT as OUTPUT  # where every test's files and logs go
from tests.processes import ROOT as ROOT
from tests.processes import WorkerPool, spawn
from workers.money.ports import MoneyPorts

TOKEN = "onecard-test-token"
APPID = "wxtest0000000001"
SECRET = "test-secret"
CODE = re.compile(r"验证码 (\d{6})")


def new_openid(prefix: str = "o") -> str:
    return f"{prefix}{uuid.uuid4().hex[:20]}"


@dataclass
class Stack:
    tmp: Path
    settings: Settings
    env: dict[str, str]
    platform: Platform
    simulators: Simulators
    simulator_url: str
    ingress_url: str = ""
    #: The web process's operations listener (`/readyz`, `/metrics`), apart from the public one.
    ops_url: str = ""
    pools: list[WorkerPool] = field(default_factory=list)
    _aes_key: str | None = None

    # -- processes --------------------------------------------------------------------------
    def start_workers(self, *queues: str, processes: int = 1, threads: int = 4, name: str = "workers",
                      extra_env: dict[str, str] | None = None) -> WorkerPool:
        """A `dramatiq` worker pool started as production starts it, stopped with the stack."""
        args = [sys.executable, "-m", "dramatiq", "onecard.worker_entry", "--processes", str(processes),
                "--threads", str(threads)]
        if queues:
            args += ["--queues", *queues]
        started = spawn(args, name=name, env={**self.env, **(extra_env or {})})
        pool = WorkerPool(started.proc, started.log).ready()
        self.pools.append(pool)
        return pool

    # -- playing WeChat -----------------------------------------------------------------------
    def sender(self, *, aes_key: str | None = None) -> CallbackSender:
        """WeChat's side of callbacks; each also tells the WeChat API simulator, so the user's grant exists."""
        return CallbackSender(f"{self.ingress_url}/wechat", TOKEN, APPID, aes_key, wechat_sim=self.wechat_sim)

    def heard(self, xml: str) -> None:
        """Tell the WeChat API simulator what a user did (the grant WeChat gives), the ingress not told:
        for a test that plays the rest of WeChat's delivery itself or writes the interaction to the database."""
        self.sender().heard(xml)

    def age(self, openid: str, hours: float) -> None:
        """Play the user having last moved `hours` ago: their grants move that far into the past, in our
        ledger and in the WeChat simulator alike (nothing WeChat checks is relaxed)."""
        shift = timedelta(hours=hours)
        with self.platform.uow() as uow:
            for grant in uow.session.execute(select(WechatGrant).where(WechatGrant.openid == openid)).scalars():
                grant.granted_at, grant.expires_at = grant.granted_at - shift, grant.expires_at - shift
            uow.commit()
        requests.post(f"{self.wechat_sim}/_sim/age", json={"openid": openid, "seconds": int(shift.total_seconds())},
                      timeout=10).raise_for_status()

    @property
    def wechat_sim(self) -> str:
        """The WeChat API simulator's base URL (its `/_sim/…` and `/cgi-bin/…`)."""
        return f"{self.simulator_url}/wechat-api"

    def say(self, openid: str, text: str, **kwargs: Any) -> requests.Response:
        response = self.sender().post(text_xml(openid, text, **kwargs))
        assert response.status_code == 200 and response.text == "success", response.text
        return response

    def click(self, openid: str, key: str) -> requests.Response:
        response = self.sender().post(event_xml(openid, "CLICK", key))
        assert response.status_code == 200, response.text
        return response

    def event(self, openid: str, event: str, key: str | None = None) -> requests.Response:
        response = self.sender().post(event_xml(openid, event, key))
        assert response.status_code == 200, response.text
        return response

    # -- what the user saw ----------------------------------------------------------------
    def sent_to(self, openid: str) -> list[dict[str, Any]]:
        answer = requests.get(f"{self.simulator_url}/wechat-api/_sim/messages", params={"touser": openid}, timeout=10)
        return list(answer.json())

    def replies(self, openid: str, count: int, timeout: float = 20.0) -> list[str]:
        """Wait until `openid` received `count` customer-service messages; their texts."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.sent_to(openid)
            if len(found) >= count or time.monotonic() > deadline:
                texts = [m["content"] for m in found]
                assert len(texts) >= count, f"expected {count} replies to {openid}, got {texts}"
                return texts
            time.sleep(0.05)

    def next_reply(self, openid: str, timeout: float = 20.0) -> str:
        return self.replies(openid, len(self.sent_to(openid)) + 1, timeout)[-1]

    def ask(self, openid: str, text: str, timeout: float = 20.0) -> str:
        """Send a text and return the one reply it gets."""
        before = len(self.sent_to(openid))
        self.say(openid, text)
        return self.replies(openid, before + 1, timeout)[before]

    def settled(self, openid: str) -> bool:
        """Nothing more can reach `openid`: every callback it sent is processed (or ignored) and every
        message to it has its final status. A duplicate answer could only come from one of those, so
        a test waits for this instead of sleeping "long enough for a duplicate to arrive"."""
        with self.platform.uow() as uow:
            unprocessed = uow.session.execute(select(func.count()).select_from(InboxEvent).where(
                InboxEvent.openid == openid, InboxEvent.status == "received")).scalar_one()
            unsent = uow.session.execute(select(func.count()).select_from(OutboundMessage).where(
                OutboundMessage.recipient == openid, OutboundMessage.status.not_in(FINAL_STATUSES))).scalar_one()
        return unprocessed == 0 and unsent == 0

    def sms_to(self, phone: str) -> list[str]:
        return [m["text"] for m in FileSms(self.settings.sms_sink_path).read() if m["phone"] == phone]

    def code_sent(self, phone: str, since: int, timeout: float = 20.0) -> str:
        """The code in the first SMS to `phone` after the first `since` ones (waiting for it)."""
        deadline = time.monotonic() + timeout
        while len(texts := self.sms_to(phone)) <= since:
            assert time.monotonic() < deadline, f"no new SMS to {phone}"
            time.sleep(0.05)
        match = CODE.search(texts[since])
        assert match, texts[since]
        return match.group(1)

    def request_code(self, openid: str, student_no: str, phone: str) -> str:
        """Send `绑定 student_no`; the SMS code it produced."""
        since = len(self.sms_to(phone))
        reply = self.ask(openid, f"绑定 {student_no}")
        assert "验证码已发送" in reply, reply
        return self.code_sent(phone, since)

    def bind(self, openid: str, student_no: str = "20240001", phone: str = "13800000001") -> None:
        code = self.request_code(openid, student_no, phone)
        assert "绑定成功" in self.ask(openid, code)

    def confirm(self, openid: str, text: str = "确认") -> tuple[str, str]:
        """Confirm the pending top-up or payment (`text`, or "CLICK" for the menu's button); (its answer,
        the receipt). The answer "已受理" comes first or not at all (dropped when the receipt was ready
        before it left): then it is ""."""
        before = len(self.sent_to(openid))
        if text == "CLICK":
            self.click(openid, "CONFIRM")
        else:
            self.say(openid, text)
        first = self.replies(openid, before + 1, timeout=30)[before]
        if "已受理" not in first:
            return "", first
        return first, self.replies(openid, before + 2, timeout=30)[before + 1]

    def last_order(self, openid: str) -> MoneyOrder:
        """The newest money order of `openid` (detached, read-only)."""
        with self.platform.uow() as uow:
            order = uow.session.execute(select(MoneyOrder).where(MoneyOrder.openid == openid)
                                        .order_by(MoneyOrder.id.desc())).scalars().first()
            assert order is not None
            uow.session.expunge(order)
            return order

    def wechat_faults(self, **faults: Any) -> None:
        requests.post(f"{self.simulator_url}/wechat-api/_sim/faults", json=faults, timeout=10).raise_for_status()

    def card_faults(self, **faults: Any) -> None:
        requests.post(f"{self.simulator_url}/card/_faults", json=faults, timeout=10).raise_for_status()

    @property
    def money(self) -> MoneyPorts:
        """The money ports the test stack always has (every money simulator is configured)."""
        assert self.platform.money is not None
        return self.platform.money

    def money_faults(self, system: str, **faults: Any) -> None:
        """Faults of the `bank`, `card` (ledger), `fees` or `wechatpay` simulator; none given: all cleared."""
        url = f"{self.simulator_url}/{system}/_faults"
        (requests.post(url, json=faults, timeout=10) if faults else requests.delete(url, timeout=10)).raise_for_status()

    @contextmanager
    def wechatpay_time(self, moment: datetime) -> Iterator[None]:
        """WeChat Pay's simulator living at `moment` (its trade bills exist by its own clock), back to
        the real time afterwards: how a test gets today's bill without waiting for tomorrow 10:00."""
        url = f"{self.simulator_url}/wechatpay/_sim/clock"
        requests.post(url, json={"now": moment.isoformat()}, timeout=10).raise_for_status()
        try:
            yield
        finally:
            requests.delete(url, timeout=10).raise_for_status()


def calls_arriving(faults: FaultInjector, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The arrival times of the calls a simulator receives from now on, noted before its injected
    latency: how a test knows a worker is inside a slow call, instead of sleeping until it must be."""
    arrivals: list[float] = []
    before = faults.before

    async def noting() -> Response | None:
        arrivals.append(time.monotonic())
        return await before()

    monkeypatch.setattr(faults, "before", noting)
    return arrivals


def stack_env(settings_values: dict[str, str]) -> dict[str, str]:
    return {f"ONECARD_{k.upper()}": v for k, v in settings_values.items()}


@contextmanager
def running_stack(tmp: Path, *, aes_key: str | None = None, **overrides: str) -> Iterator[Stack]:
    """Database, broker, simulators and ingress; workers are started by the test or fixture."""
    with ExitStack() as stack:
        database_url = stack.enter_context(private_database(tmp))
        broker_url, namespace, _keep = stack.enter_context(private_broker(tmp))
        upgrade(database_url)
        data_dir = tmp / "data"
        sims = build_simulators(APPID, SECRET, data_dir / "sms.jsonl")
        sim_server = ServerThread(sims.app()).start()
        stack.callback(sim_server.stop)
        web_port = free_port()
        values = {
            "data_dir": str(data_dir),
            "database_url": database_url,
            "broker_url": broker_url,
            "broker_namespace": namespace,
            "wechat_token": TOKEN,
            "wechat_appid": APPID,
            "wechat_secret": SECRET,
            "secret_key": "test-secret-key",
            "redeliver_after_seconds": "3",
            "sweep_interval_seconds": "0.5",
            "public_url": f"http://127.0.0.1:{web_port}",
        }
        if aes_key:
            values["wechat_aes_key"] = aes_key
        values |= {k.removeprefix("ONECARD_").lower(): v for k, v in sims.wechatpay.settings_env(data_dir).items()}
        values["wechatpay_notify_url"] = f"http://127.0.0.1:{web_port}/wechatpay/notify"
        values.update(overrides)
        # Every outside system is its simulator, unless an override points it elsewhere (a school's bridge).
        values = {k.removeprefix("ONECARD_").lower(): v for k, v in urls(sim_server.url).items()} | values
        env = stack_env(values)
        settings = Settings(_env_file=None, **cast(dict[str, Any], values))  # strings, as the environment gives them
        platform = build(settings)
        stack.callback(platform.engine.dispose)
        stack.callback(platform.broker.close)
        ingress = ServerThread(create_web_app(platform), port=web_port).start()
        stack.callback(ingress.stop)
        ops = ServerThread(create_ops_app(platform)).start()
        stack.callback(ops.stop)
        result = Stack(tmp=tmp, settings=settings, env=env, platform=platform, simulators=sims,
                       simulator_url=sim_server.url, ingress_url=ingress.url, ops_url=ops.url,
                       _aes_key=aes_key)
        try:
            yield result
        finally:
            for pool in result.pools:
                pool.stop()


def dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1)
