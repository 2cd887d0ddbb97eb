"""The planner: replies within the grant (joined when a turn says more than it allows, not attempted
without one), notices as customer-service messages while a grant lasts and as templates otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from events.notices import Field, Notice, NoticeKind
from store.grants import Allowance, _Live
from workers.delivery.outgoing import JOINED, Outgoing, as_notice, plan

NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
SEND_BY = NOW + timedelta(seconds=55)


def _allowance(**left: int | None) -> Allowance:
    return Allowance({openid: ([] if n == 0 else [_Live(1, SEND_BY, n)]) for openid, n in left.items()})


def _notice() -> Notice:
    return Notice(NoticeKind.TOPUP, "充值成功", {Field.AMOUNT: 5000, Field.STATUS: "成功"})


def test_replies_within_the_grant_go_one_by_one() -> None:
    allowance = _allowance(oA=3)
    planned = plan([Outgoing("wechat", "oA", "一"), Outgoing("wechat", "oA", "二")], allowance)
    assert [(m.channel, m.body, m.status, m.expires_at) for m in planned] == [
        ("wechat", "一", "pending", SEND_BY), ("wechat", "二", "pending", SEND_BY)]
    assert allowance.available("oA") == 1 and allowance.spent == {1: 2}


def test_replies_beyond_the_grant_are_joined_into_one_message() -> None:
    allowance = _allowance(oA=1)
    planned = plan([Outgoing("wechat", "oA", "一"), Outgoing("wechat", "oA", "二"), Outgoing("wechat", "oA", "三")],
                   allowance)
    assert [(m.channel, m.body, m.status) for m in planned] == [("wechat", JOINED.join("一二三"), "pending")]


def test_a_reply_without_a_grant_is_recorded_but_never_attempted() -> None:
    planned = plan([Outgoing("wechat", "oA", "第六条")], _allowance(oA=0))
    assert [(m.channel, m.status) for m in planned] == [("wechat", "no_grant")]


def test_a_notice_takes_the_grant_while_it_lasts_and_its_template_after() -> None:
    allowance = _allowance(oA=1)
    first, second = plan([as_notice("oA", _notice()), as_notice("oA", _notice())], allowance)
    assert (first.channel, first.expires_at, first.notice is not None) == ("wechat", SEND_BY, True)
    assert (second.channel, second.expires_at, second.status) == ("template", None, "pending")
    assert second.notice == _notice().to_json()


def test_an_unlimited_grant_never_joins_replies() -> None:
    allowance = _allowance(oA=None)
    planned = plan([Outgoing("wechat", "oA", str(i)) for i in range(8)], allowance)
    assert len(planned) == 8 and {m.status for m in planned} == {"pending"}


def test_sms_is_not_counted_against_wechat_grants() -> None:
    allowance = _allowance(oA=0)
    (sms,) = plan([Outgoing("sms", "13800000001", "验证码 123456")], allowance)
    assert (sms.channel, sms.status) == ("sms", "pending")


def test_a_notice_survives_its_round_trip_through_json() -> None:
    notice = Notice(NoticeKind.SPENDING, "消费", {Field.AMOUNT: 1250, Field.MERCHANT: "一食堂", Field.TIME: NOW},
                    "/m/bill")
    assert Notice.from_json(notice.to_json()) == notice


def test_replies_take_the_grant_before_a_notice_said_before_them() -> None:
    allowance = _allowance(oA=1)
    notice, reply = plan([as_notice("oA", _notice()), Outgoing("wechat", "oA", "已受理")], allowance)
    assert (notice.channel, reply.channel, reply.status) == ("template", "wechat", "pending")
