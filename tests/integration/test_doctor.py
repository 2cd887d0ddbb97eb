"""`onecard doctor` against the running stack: the whole report on a healthy deployment, then each
check broken the way it names it (a database behind, a closed broker port, a wrong WeChat secret, a
callback URL answering 404, another menu, a missing template, an outage, a skewed clock).

The stack is the session's (tests/conftest.py); whatever a test changes on its simulators it puts back.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
import requests
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from adapters.broker.redis_waking import WakingRedisBroker
from adapters.broker.setup import make_broker
from adapters.wechat.client import WechatpyApi
from adapters.wechat.simulator import WeChatApiSimulator
from events.menu import menu_json
from onecard.checks import Check, Status
from onecard.doctor import broker, callback, command, database, outside, wechat
from onecard.doctor.run import diagnose
from onecard.serve import ServerThread, free_port
from store.db import make_engine
from store.migrate import upgrade
from tests.backends import configured_broker_url, private_database
from tests.harness import APPID, SECRET, Stack

#: What a healthy stack passes (the rest may warn: no worker started, plain http on the embedded default).
MUST_PASS = ("设置", "数据库", "微信凭据", "回调地址", "公众号菜单", "模板消息",
             "外部系统·卡务系统", "外部系统·缴费系统", "外部系统·公共数据平台", "外部系统·银行",
             "时钟·卡务系统", "时钟·银行", "时钟·微信", "时钟·微信支付", "磁盘空间")


@pytest.fixture
def published(stack: Stack) -> Iterator[Stack]:
    """The stack with our menu published, as `onecard menu sync` leaves it."""
    stack.platform.wechat.create_menu(menu_json(stack.settings.resolved_public_url))
    yield stack


def by_name(checks: tuple[Check, ...] | list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def test_a_healthy_stack_has_no_blocker_and_every_check_reports(published: Stack) -> None:
    report = diagnose(published.platform, timeout=5)
    lines = by_name(report.checks)
    assert report.blockers == 0, "\n".join(c.line() for c in report.checks)
    for name in MUST_PASS:
        assert lines[name].status is Status.OK, lines.get(name)
    assert lines["HTTPS 证书"].status is Status.WARN  # http://127.0.0.1 is fine for the demo, not for go-live
    assert [c.name for c in report.checks][:3] == ["设置", "数据库", "消息队列"]


def test_the_command_prints_a_line_a_check_and_a_summary_and_exits_0_without_blockers(published: Stack) -> None:
    out = StringIO()
    assert command.main(published.settings, timeout=5, out=out) == 0
    text = out.getvalue()
    assert "✔ 数据库：可以连接，已在最新版本" in text and "✔ 回调地址：" in text
    assert "项检查都没有阻碍上线" in text.splitlines()[-1]


def test_the_command_exits_1_on_a_blocker(published: Stack) -> None:
    out = StringIO()
    wrong = published.settings.model_copy(update={"wechat_secret": SecretStr("not-the-secret")})
    assert command.main(wrong, timeout=5, out=out) == 1
    assert "✘ 微信凭据：微信拒绝了公众号的凭据（40125" in out.getvalue()
    assert "项未通过（✘ 必须先解决）" in out.getvalue().splitlines()[-1]


# -- 2. the database --------------------------------------------------------------------------
def test_a_database_one_migration_behind_is_a_blocker_until_db_upgrade(tmp_path: Path) -> None:
    with private_database(tmp_path, "doctor-behind") as url:
        upgrade(url, "0012")
        engine = make_engine(url)
        try:
            [behind] = database.check_database(engine)
            assert behind.blocker and "在版本 0012，落后最新版本 0013 1 步" in behind.finding
            assert "onecard db upgrade" in behind.remedy
            upgrade(url)
            [current] = database.check_database(engine)
            assert current.status is Status.OK and "已在最新版本 0013" in current.finding
        finally:
            engine.dispose()


def test_a_database_that_cannot_be_reached_is_a_blocker_naming_its_setting(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'onecard.db'}")
    try:
        [check] = database.check_database(engine)
    finally:
        engine.dispose()
    assert check.blocker and check.finding.startswith("连接不上") and "ONECARD_DATABASE_URL" in check.remedy


# -- 3. the broker ----------------------------------------------------------------------------
def test_the_stacks_broker_is_reachable_with_its_queues(stack: Stack) -> None:
    [check] = broker.check_broker(stack.platform.broker)
    assert not check.blocker and "7 个队列都在" in check.finding


def test_a_broker_url_pointing_at_a_closed_port_is_a_blocker() -> None:
    scheme = "amqp" if (configured_broker_url() or "").startswith("amqp") else "redis"
    closed = make_broker(f"{scheme}://127.0.0.1:{free_port()}")
    try:
        [check] = broker.check_broker(closed)
    finally:
        closed.close()
    assert check.blocker and "连接不上" in check.finding and "ONECARD_BROKER_URL" in check.remedy


@pytest.mark.skipif((configured_broker_url() or "").startswith("amqp"), reason="a Redis broker's own declarations")
def test_a_broker_without_a_topics_queue_is_a_blocker(stack: Stack) -> None:
    bare = WakingRedisBroker(url=stack.settings.broker_url, namespace=stack.settings.broker_namespace)
    bare.declare_queue("bind")
    try:
        [check] = broker.check_broker(bare)
    finally:
        bare.close()
    assert check.blocker and "缺少队列" in check.finding and "query" in check.finding


# -- 4, 6, 7. WeChat --------------------------------------------------------------------------
def test_a_wrong_wechat_secret_is_refused_by_wechat_and_named(stack: Stack) -> None:
    s = stack.settings
    wrong = WechatpyApi(stack.platform.engine, APPID, "not-the-secret", s.wechat_api_base)
    lines, _ = wechat.check_token(wrong)
    assert [c.line() for c in lines] == [
        "✘ 微信凭据：微信拒绝了公众号的凭据（40125 invalid appid or appsecret）——AppSecret 不对：检查 "
        "ONECARD_WECHAT_SECRET（公众平台 → 基本配置，重置后旧的立即失效）"]
    [good], answer = wechat.check_token(stack.platform.wechat)  # type: ignore[arg-type]
    assert good.status is Status.OK and answer is not None and answer.date is not None


def test_a_menu_differing_from_ours_is_a_blocker_until_menu_sync(published: Stack) -> None:
    account = published.platform.wechat
    public = published.settings.resolved_public_url
    account.create_menu(menu_json("https://old.example.edu.cn"))
    try:
        [other] = wechat.check_menu(account, public)  # type: ignore[arg-type]
        assert other.blocker and "公众号的菜单与本平台的不同" in other.finding
    finally:
        account.create_menu(menu_json(public))
    [same] = wechat.check_menu(account, public)  # type: ignore[arg-type]
    assert same.status is Status.OK


def test_an_account_without_a_menu_is_a_blocker(tmp_path: Path) -> None:
    fresh = ServerThread(WeChatApiSimulator(APPID, SECRET).app()).start()  # an account nobody set up yet
    with private_database(tmp_path, "doctor-no-menu") as url:  # its token kept apart from the stack's
        upgrade(url)
        engine = make_engine(url)
        try:
            account = WechatpyApi(engine, APPID, SECRET, f"{fresh.url}/cgi-bin/")
            [check] = wechat.check_menu(account, "https://card.example.edu.cn")
        finally:
            engine.dispose()
            fresh.stop()
    assert check.blocker and "还没有自定义菜单" in check.finding


def test_a_missing_template_is_a_blocker_naming_the_notice(stack: Stack) -> None:
    listing = requests.get(f"{stack.wechat_sim}/_sim/templates", timeout=10).json()["template_list"]
    fewer = [t for t in listing if t["title"] != "消费提醒"]
    requests.post(f"{stack.wechat_sim}/_sim/templates", json={"template_list": fewer}, timeout=10).raise_for_status()
    try:
        [missing] = wechat.check_templates(stack.platform.uow, stack.platform.wechat, stack.platform.templates.forget)
        assert missing.blocker and "没有可用的模板：消费提醒" in missing.finding
    finally:
        requests.delete(f"{stack.wechat_sim}/_sim/templates", timeout=10).raise_for_status()
    [present] = wechat.check_templates(stack.platform.uow, stack.platform.wechat, stack.platform.templates.forget)
    assert present.status is Status.OK


# -- 5. the callback URL ------------------------------------------------------------------------
def test_the_callback_url_answers_wechats_check(stack: Stack) -> None:
    s = stack.settings
    [check] = callback.check_callback(s.resolved_public_url, s.wechat_token.get_secret_value())
    assert check.status is Status.OK


def test_a_callback_url_answering_404_or_refusing_our_token_is_a_blocker(stack: Stack) -> None:
    [not_found] = callback.check_callback(stack.simulator_url, stack.settings.wechat_token.get_secret_value())
    assert not_found.blocker and "HTTP 404" in not_found.finding and "/wechat" in not_found.remedy
    [refused] = callback.check_callback(stack.settings.resolved_public_url, "another-token")
    assert refused.blocker and "403" in refused.finding and "ONECARD_WECHAT_TOKEN" in refused.remedy
    [nobody] = callback.check_callback(f"http://127.0.0.1:{free_port()}", "t", timeout=2)
    assert nobody.blocker and "连接被拒绝" in nobody.finding


# -- 8, 9. outside systems and their clocks -----------------------------------------------------
def test_an_outside_system_in_an_outage_is_a_blocker(stack: Stack) -> None:
    bank = outside.System("银行", "bank_url", str(stack.settings.bank_url), "bank")
    stack.money_faults("bank", outage=True)
    try:
        [down] = outside.check_system(bank, timeout=5)
    finally:
        stack.money_faults("bank")
    assert down.blocker and "回答 HTTP 503" in down.finding
    health, clock = outside.check_system(bank, timeout=5)
    assert (health.status, clock.status) == (Status.OK, Status.OK)


def test_the_sms_platform_is_asked_only_when_sms_go_over_http(stack: Stack) -> None:
    assert "短信平台" not in [s.name for s in outside.systems(stack.settings)]
    over_http = stack.settings.model_copy(update={"sms_backend": "http"})
    [sms] = [s for s in outside.systems(over_http) if s.name == "短信平台"]
    assert [c.status for c in outside.check_system(sms, timeout=5)] == [Status.OK, Status.OK]


@pytest.fixture
def skewed_system() -> Iterator[str]:
    """A system whose `/health` says it is 10 minutes ahead."""
    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "time": (datetime.now(UTC) + timedelta(minutes=10)).isoformat()})

    async def other(_request: Request) -> Response:
        return PlainTextResponse("not found", status_code=404)

    server = ServerThread(Starlette(routes=[Route("/health", health), Route("/{path:path}", other)])).start()
    try:
        yield server.url
    finally:
        server.stop()


def test_a_clock_ten_minutes_off_is_a_blocker_the_signatures_would_refuse(skewed_system: str) -> None:
    system = outside.System("卡务系统", "card_system_url", skewed_system, "card-system")
    health, clock = outside.check_system(system, timeout=5)
    assert health.status is Status.OK
    assert clock.blocker and "快 600 秒" in clock.finding and "签名允许 300 秒" in clock.finding
