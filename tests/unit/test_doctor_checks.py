"""`onecard doctor`'s checks that need no network, each both ways: what passes, and the breakage it names.

The checks that ask a server (the database, the broker, WeChat over HTTP, the callback URL, the
outside systems, TLS) are tested against the running stack in tests/integration/test_doctor.py.
"""

from __future__ import annotations

import shutil
import time
from collections import namedtuple
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from adapters.wechat.client import CredentialsAnswer
from events.card_events import SIGNATURE_WINDOW_SECONDS
from events.menu import menu_json
from onecard.checks import Check, Status
from onecard.doctor import disk
from onecard.doctor.check import Report, fail, network_reason, ok, warn
from onecard.doctor.clocks import check_clock
from onecard.doctor.outside import Probe, System, check_health
from onecard.doctor.run import Job, run_jobs
from onecard.doctor.wechat import check_menu, check_templates, check_token
from store.db import make_session_factory
from store.tables import Base
from store.uow import UnitOfWork
from tests.wechat_templates import DEMO, FakeWeChat

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
PUBLIC = "https://card.example.edu.cn"


# -- lines and the report ---------------------------------------------------------------------
def test_a_line_shows_its_mark_the_finding_and_the_remedy_only_when_something_is_wrong() -> None:
    assert ok("数据库", "可以连接").line() == "✔ 数据库：可以连接"
    assert warn("磁盘空间", "剩余 3 GB", "清理磁盘").line() == "⚠ 磁盘空间：剩余 3 GB——清理磁盘"
    assert fail("回调地址", "404", "检查反向代理").line() == "✘ 回调地址：404——检查反向代理"


def test_the_summary_counts_blockers_and_warnings() -> None:
    lines = (ok("a", "x"), warn("b", "y", "z"))
    assert Report(lines, NOW).summary() == "2 项检查都没有阻碍上线，1 项警告（⚠）值得处理。"
    report = Report((*lines, fail("c", "x", "y")), NOW)
    assert (report.blockers, report.warnings) == (1, 1)
    assert report.summary().startswith("3 项检查：1 项未通过")


def test_a_check_that_raises_or_hangs_is_a_blocker_and_the_others_still_report() -> None:
    def broken() -> list[Check]:
        raise RuntimeError("the driver said no")

    def hangs() -> list[Check]:
        time.sleep(5)
        return []

    started = time.monotonic()
    checks = run_jobs([Job("甲", broken, "修甲"), Job("乙", hangs, "修乙"), Job("丙", lambda: [ok("丙", "好")], "")],
                      timeout=0.3)
    assert time.monotonic() - started < 2
    assert [c.line() for c in checks] == ["✘ 甲：检查时出错：the driver said no——修甲", "✘ 乙：0.3 秒内没有结果——修乙",
                                          "✔ 丙：好"]


def test_a_failed_connection_is_told_by_its_reason_not_by_urllib3s_chain() -> None:
    chain = ("HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: /health (Caused by "
             "NewConnectionError(\"HTTPConnection(host='127.0.0.1', port=1): Failed to establish a new connection: "
             "[Errno 111] Connection refused\"))")
    assert network_reason(ConnectionError(chain)) == "连接被拒绝（该地址和端口上没有服务）"
    assert network_reason(TimeoutError("Read timed out. (read timeout=3)")) == "超时，没有回答"


# -- outside systems' health and clocks -------------------------------------------------------
CARD = System("卡务系统", "card_system_url", "http://card.internal/", "card-system")


def probe(**fields: Any) -> Probe:
    return Probe(CARD, NOW, timedelta(milliseconds=12), **fields)


def test_a_system_answering_its_contracts_health_check_passes() -> None:
    check = check_health(probe(status=200, body={"status": "ok", "time": "2026-12-08T18:00:00+08:00"}))
    assert check.status is Status.OK and check.finding == "http://card.internal/health 正常（12 毫秒）"


@pytest.mark.parametrize(("fields", "said"), [
    ({"error": "连接被拒绝（该地址和端口上没有服务）"}, "连不上"),
    ({"status": 503, "body": {"error": "injected fault"}}, "回答 HTTP 503"),
    ({"status": 200, "body": {"status": "ok", "time": "2026-12-08T10:00:00"}}, "不合接口约定"),  # no offset
    ({"status": 200, "body": "ok"}, "不合接口约定"),
])
def test_a_system_down_or_off_contract_is_a_blocker_naming_its_setting_or_the_contract(fields: dict[str, Any],
                                                                                        said: str) -> None:
    check = check_health(probe(**fields))
    assert check.blocker and said in check.finding
    assert "ONECARD_CARD_SYSTEM_URL" in check.remedy or "GET /health" in check.remedy


def test_a_clock_within_the_signature_window_passes_half_way_warns_and_beyond_blocks() -> None:
    window = SIGNATURE_WINDOW_SECONDS

    def at(seconds: float) -> Check:
        return check_clock("卡务系统", NOW + timedelta(seconds=seconds), NOW, window, "外部系统签名的时间窗")

    assert at(0.4).status is Status.OK and "相差不到 1 秒" in at(0.4).finding
    assert at(-30).status is Status.OK and "慢 30 秒" in at(-30).finding
    assert at(window * 0.6).status is Status.WARN
    ten_minutes = at(600)
    assert ten_minutes.blocker and "快 600 秒" in ten_minutes.finding and "签名会被拒绝" in ten_minutes.finding
    assert "NTP" in ten_minutes.remedy


# -- disk -------------------------------------------------------------------------------------
Usage = namedtuple("Usage", "total used free")


@pytest.mark.parametrize(("free_gib", "status"), [(50, Status.OK), (3, Status.WARN), (0.5, Status.FAIL)])
def test_free_disk_for_the_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, free_gib: float,
                                       status: Status) -> None:
    total = 100 * disk.GIB
    monkeypatch.setattr(shutil, "disk_usage", lambda path: Usage(total, total - free_gib * disk.GIB,
                                                                  int(free_gib * disk.GIB)))
    [check] = disk.check_disk(tmp_path)
    assert check.status is status and str(tmp_path) in check.finding
    assert status is Status.OK or "ONECARD_DATA_DIR" in check.remedy


# -- WeChat: credentials, menu, templates -----------------------------------------------------
class Account:
    """The WeChat client as the checks see it: a credentials answer, a shared token and a menu."""

    def __init__(self, errcode: int = 0, menu: dict[str, Any] | None = None) -> None:
        self.errcode, self._menu = errcode, menu

    def check_credentials(self) -> CredentialsAnswer:
        return CredentialsAnswer(self.errcode, "invalid appsecret" if self.errcode else "ok", NOW)

    def shared_token(self) -> str:
        return "token"

    def menu(self) -> dict[str, Any] | None:
        return self._menu


def test_credentials_wechat_takes_pass_and_a_refused_secret_names_its_setting() -> None:
    lines, answer = check_token(Account())
    assert [c.status for c in lines] == [Status.OK] and answer is not None and answer.date == NOW
    [refused], _ = check_token(Account(errcode=40125))
    assert refused.blocker and "40125" in refused.finding and "ONECARD_WECHAT_SECRET" in refused.remedy


def test_our_menu_published_passes_whatever_wechat_adds_to_it() -> None:
    published = menu_json(PUBLIC)
    for button in published["button"]:  # `menu/get` shows every item with an empty sub_button list
        for item in button["sub_button"]:
            item["sub_button"] = []
    assert check_menu(Account(menu=published), PUBLIC)[0].status is Status.OK


def test_no_menu_or_another_menu_is_a_blocker_fixed_by_menu_sync() -> None:
    [none] = check_menu(Account(menu=None), PUBLIC)
    assert none.blocker and none.remedy == "运行 onecard menu sync 发布本平台的菜单"
    old = menu_json("https://old.example.edu.cn")  # the view item links to the old address
    [other] = check_menu(Account(menu=old), PUBLIC)
    assert other.blocker and "校园卡" in other.finding and "onecard menu sync" in other.remedy


def uow_factory() -> Any:
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    return lambda: UnitOfWork(factory)


def test_templates_for_every_notice_kind_pass() -> None:
    forgotten: list[bool] = []
    [check] = check_templates(uow_factory(), FakeWeChat(), lambda: forgotten.append(True))
    assert check.status is Status.OK and "12 类通知都有可用的模板" in check.finding
    assert forgotten == [True]  # this process reads the list just kept


def test_a_missing_template_is_a_blocker_naming_its_kind_and_the_command_that_says_more() -> None:
    wechat = FakeWeChat(templates=[t for t in DEMO if t.title != "余额不足提醒"])
    [check] = check_templates(uow_factory(), wechat)
    assert check.blocker and "1 类通知没有可用的模板：余额不足提醒" in check.finding
    assert "onecard templates check" in check.remedy


def test_onecard_doctor_is_a_command_with_a_time_limit_per_call() -> None:
    from onecard.cli import parser

    args = parser().parse_args(["doctor", "--timeout", "2.5"])
    assert args.func.__name__ == "_doctor" and args.timeout == 2.5
    assert parser().parse_args(["doctor"]).timeout == 10.0
