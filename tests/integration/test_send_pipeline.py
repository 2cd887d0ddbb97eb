"""The one send pipeline against the strict WeChat simulator: the planner, the quota ledger and the
reply worker agree with WeChat's quotas per scenario and its category-template rules."""

from __future__ import annotations

from datetime import UTC, datetime

import requests
from sqlalchemy import select

from adapters.wechat.callbacks import text_xml
from events.notices import KINDS, MONEY_FIELDS, TIME_FIELDS, Field, Notice, NoticeKind
from events.wechat_grants import Scenario
from store import grants, outbound
from store.db import begin_as_writer
from store.grants import Allowance
from store.tables import OutboundMessage
from tests.harness import Stack, new_openid
from workers.delivery.outgoing import Outgoing, notices, plan
from workers.delivery.reply import deliver


def _wrote_once(stack: Stack, openid: str) -> None:
    """The user sent one message: WeChat's grant of five messages in 48 hours, in both books."""
    now = datetime.now(UTC)
    stack.heard(text_xml(openid, "你好", create_time=int(now.timestamp())))
    with stack.platform.uow() as uow:
        grants.grant(uow.session, [(openid, Scenario.MESSAGE, now.replace(microsecond=0), None, 0)])
        uow.commit()


def _record(stack: Stack, messages: list[outbound.Message]) -> list[int]:
    with stack.platform.uow() as uow:
        ids = outbound.add_many(uow.session, messages)
        uow.commit()
    return ids


def _rows(stack: Stack, openid: str) -> list[tuple[str, str]]:
    with stack.platform.uow() as uow:
        return [(r.channel, r.status) for r in uow.session.execute(
            select(OutboundMessage).where(OutboundMessage.recipient == openid).order_by(OutboundMessage.id)).scalars()]


def _refusals(stack: Stack, openid: str) -> list[dict[str, object]]:
    return list(requests.get(f"{stack.wechat_sim}/_sim/refusals", params={"touser": openid}, timeout=10).json())


def test_a_sixth_reply_within_48_hours_to_a_user_who_wrote_once_is_not_attempted(stack: Stack) -> None:
    openid = new_openid()
    _wrote_once(stack, openid)
    with stack.platform.uow() as uow:
        begin_as_writer(uow.session)  # reads the grants, then writes: on SQLite, wait for the lock
        allowance = Allowance.load(uow.session, [openid], datetime.now(UTC))
        # One reply a turn, six turns: the sixth finds the grant spent.
        planned = [m for i in range(6) for m in plan([Outgoing("wechat", openid, f"第{i + 1}条")], allowance)]
        allowance.save(uow.session)
        ids = outbound.add_many(uow.session, planned)
        uow.commit()
    deliver(ids, stack.platform.senders())
    assert sorted(m["content"] for m in stack.sent_to(openid)) == [f"第{i}条" for i in range(1, 6)]
    assert _rows(stack, openid)[-1] == ("wechat", "no_grant")
    assert _refusals(stack, openid) == []  # never attempted, so never refused


def test_notices_beyond_the_grant_arrive_as_their_template(stack: Stack) -> None:
    openid = new_openid()
    _wrote_once(stack, openid)
    now = datetime.now(UTC)
    notice = Notice(NoticeKind.REPAIR, "【报修进度】您的报修单 BX20261207001 已修复。",
                    {Field.ORDER_NO: "BX20261207001", Field.ITEM: "闸机", Field.REASON: "已更换读头",
                     Field.STATUS: "已修复", Field.TIME: now})
    with stack.platform.uow() as uow:
        begin_as_writer(uow.session)  # reads the grants, then writes: on SQLite, wait for the lock
        ids = outbound.add_many(uow.session, notices(uow.session, [(openid, notice)] * 7, now))
        uow.commit()
    deliver(ids, stack.platform.senders())
    sent = stack.sent_to(openid)
    assert sorted(m["msgtype"] for m in sent) == ["template"] * 2 + ["text"] * 5
    assert {dict(m["template"]["fields"])["处理进度"] for m in sent if m["template"]} == {"已修复"}
    assert _refusals(stack, openid) == []


def test_a_notice_wechat_refuses_as_a_customer_service_message_arrives_once_as_its_template(stack: Stack) -> None:
    openid = new_openid()
    _wrote_once(stack, openid)
    now = datetime.now(UTC)
    notice = Notice(NoticeKind.LOST_FOUND, "【失卡招领】有人捡到了您的校园卡，现存放于：东门保安室。",
                    {Field.ITEM: "校园卡", Field.PLACE: "东门保安室", Field.TIME: now})
    with stack.platform.uow() as uow:
        begin_as_writer(uow.session)  # reads the grants, then writes: on SQLite, wait for the lock
        ids = outbound.add_many(uow.session, notices(uow.session, [(openid, notice)], now))
        uow.commit()
    assert _rows(stack, openid) == [("wechat", "pending")]
    stack.wechat_faults(refuse={openid: 45047})  # another sender spent the grant meanwhile
    try:
        assert deliver(ids, stack.platform.senders()) == {ids[0]: "sent"}
    finally:
        stack.wechat_faults(refuse={})
    sent = stack.sent_to(openid)
    assert [m["msgtype"] for m in sent] == ["template"]
    assert sent[0]["raw"]["client_msg_id"] == f"onecard-{ids[0]}"
    assert _rows(stack, openid) == [("template", "sent")]


def _hostile(kind: NoticeKind, now: datetime) -> Notice:
    """A notice of `kind` with every field it carries at its worst: long Chinese text, huge amounts,
    order numbers with Chinese in them."""
    values: dict[Field, int | str | datetime] = {}
    for name in KINDS[kind].fields:
        if name in MONEY_FIELDS:
            values[name] = 99_999_999_999
        elif name in TIME_FIELDS:
            values[name] = now
        elif name is Field.ORDER_NO:
            values[name] = "订单WX2026120700000000000000000000001234567890（充值）"
        elif name is Field.COUNT:
            values[name] = "128 笔"
        elif name is Field.STATUS:
            values[name] = "已退回银行卡（原路退回）"
        elif name in (Field.CARD_NO, Field.ACCOUNT):
            values[name] = "61****0001（学号20240001）"
        else:
            values[name] = "北京市海淀区学院路第一食堂二楼清真风味窗口第三档口（东侧）🍜"
    return Notice(kind, f"【{KINDS[kind].name}】", values, "/m/card")


def test_every_notice_kind_passes_the_category_rules_of_the_demo_accounts_templates(stack: Stack) -> None:
    openid = new_openid()
    now = datetime.now(UTC)
    stack.platform.templates.forget()
    every = [(openid, _hostile(kind, now)) for kind in NoticeKind]
    with stack.platform.uow() as uow:
        begin_as_writer(uow.session)  # reads the grants, then writes: on SQLite, wait for the lock
        messages = notices(uow.session, every, now)
        assert {m.channel for m in messages} == {"template"}  # no grant: every one as its template
        ids = outbound.add_many(uow.session, messages)
        uow.commit()
    outcomes = deliver(ids, stack.platform.senders())
    assert set(outcomes.values()) == {"sent"}, (outcomes, _refusals(stack, openid))
    titles = sorted(m["template"]["title"] for m in stack.sent_to(openid))
    assert titles == sorted(KINDS[kind].titles[0] for kind in NoticeKind)
