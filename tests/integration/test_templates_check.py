"""`onecard templates check` and `sync`: what IT staff read, and the exit status a deployment script tests.

The command as the shell runs it (parsed by `onecard.cli`, the settings from the environment, a
migrated database), with WeChat a fake holding templates written as WeChat writes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from onecard import templates_check
from onecard.cli import parser
from store import templates as store_templates
from store.db import make_engine, make_session_factory
from store.migrate import upgrade
from store.tables import OutboundMessage
from store.uow import UnitOfWork
from tests.backends import private_database
from tests.wechat_templates import DEMO, ODD, FakeWeChat


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with private_database(tmp_path, "templates") as url:
        upgrade(url)
        monkeypatch.setenv("ONECARD_DATABASE_URL", url)
        monkeypatch.setenv("ONECARD_DATA_DIR", str(tmp_path))
        yield url


@pytest.fixture
def wechat(monkeypatch: pytest.MonkeyPatch) -> FakeWeChat:
    fake = FakeWeChat()
    monkeypatch.setattr(templates_check, "build_wechat", lambda settings: fake)
    return fake


def onecard(*argv: str) -> int:
    args = parser().parse_args(list(argv))
    return int(args.func(args))


def test_check_prints_every_kinds_template_and_mapping_and_exits_0(database: str, wechat: FakeWeChat,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert onecard("templates", "check") == 0
    out = capsys.readouterr().out
    assert out.startswith("已从微信同步 12 个模板。")
    assert "[可用] 消费提醒（spending）：模板「消费提醒」（ID TPL_spending_01），自动匹配" in out
    assert "    消费金额 amount1（金额） ← 金额\n    消费商户 thing2（文字（20 字以内）） ← 商户\n" in out
    assert "    统计日期 date1（日期） ← 时间" in out
    assert out.count("[可用]") == 12 and "[不可用]" not in out
    assert out.rstrip().endswith("12 类通知都有可用的模板。")
    engine = make_engine(database)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            assert len(store_templates.templates(uow.session)) == 12  # kept, as the page's sync keeps them
    finally:
        engine.dispose()


def test_check_names_what_is_missing_and_what_to_add_and_exits_1(database: str, wechat: FakeWeChat,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # No 余额不足提醒 at all, and a 报修进度通知 with a field none of ours fits.
    wechat.templates = [*(t for t in DEMO if t.title not in ("余额不足提醒", "报修进度通知")),
                        replace(ODD, title="报修进度通知")]
    engine = make_engine(database)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            uow.session.add_all(OutboundMessage(channel="template", recipient=f"o-held-{n}", body="余额不足",
                                                status="no_template", notice={"kind": "low_balance", "fields": {}})
                                for n in range(3))
            uow.commit()
    finally:
        engine.dispose()
    assert onecard("templates", "check") == 1
    out = capsys.readouterr().out
    assert "[不可用] 余额不足提醒（low_balance）：公众号没有标题为「余额不足提醒」的模板\n" in out
    assert ("    需要：标题「余额不足提醒」（或：余额提醒、余额不足通知）；必须有字段：余额；可以有：时间、说明、卡号\n"
            "    暂存的此类通知：3 条（有了模板后自动补发）\n") in out
    assert "[不可用] 报修进度通知（repair）：模板「报修进度通知」的字段「维修人员」（name2）没有对应的内容" in out
    assert out.count("[可用]") == 10
    assert "12 类通知中 2 类没有可用的模板：余额不足提醒、报修进度通知。" in out


def test_a_clerks_choice_is_reported_as_such(database: str, wechat: FakeWeChat,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(database)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            store_templates.choose(uow.session, "loan_due", "TPL_announcement_10", {"thing1": "item"}, "boss",
                                   datetime.now(UTC))
            uow.commit()
    finally:
        engine.dispose()
    assert onecard("templates", "check") == 0
    out = capsys.readouterr().out
    assert "[可用] 借阅到期提醒（loan_due）：模板「通知公告」（ID TPL_announcement_10），人工选定" in out
    assert "    通知标题 thing1（文字（20 字以内）） ← 项目" in out


def test_sync_lists_and_keeps_and_a_wechat_out_of_reach_exits_2(database: str, wechat: FakeWeChat,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert onecard("templates", "sync") == 0
    assert capsys.readouterr().out.startswith("已从微信同步 12 个模板：消费提醒、余额不足提醒、")
    wechat.refuse = "down"
    assert onecard("templates", "sync") == 2
    assert onecard("templates", "check") == 2
    err = capsys.readouterr().err
    assert err.count("无法从微信获取公众号的模板：WeChat template/get_all_private_template: ConnectionError") == 2
