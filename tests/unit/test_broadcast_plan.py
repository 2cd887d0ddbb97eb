"""A broadcast over a real SQLite file, without a broker: each page of recipients is recorded as
ANNOUNCEMENT notices by the one planner and handed to the reply worker; its progress is what became
of those messages; what a broker lost is found again from the rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import dramatiq
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from events.notices import Notice, NoticeKind
from events.wechat_grants import Scenario
from store import grants, outbound
from store.db import make_engine, make_session_factory
from store.tables import (
    Article,
    Base,
    Binding,
    Broadcast,
    BroadcastDelivery,
    Follower,
    NotificationOptOut,
    OutboundMessage,
)
from store.uow import UnitOfWork, UowFactory
from workers.delivery.broadcast import plan as bc
from workers.delivery.broadcast.progress import broadcast_progress, recipients
from workers.delivery.broadcast.resume import resume_stalled_broadcasts
from workers.topics.guide import publish_article

WEB = "https://card.example.edu.cn"


class Broker:
    """What the planner asks of the broker: to enqueue `plan_broadcast`."""

    def __init__(self) -> None:
        self.plans: list[int] = []

    def enqueue(self, message: dramatiq.Message[Any], *, delay: int | None = None) -> None:
        assert message.actor_name == "plan_broadcast"
        self.plans.append(int(message.args[0]))


class World:
    def __init__(self, path: Path) -> None:
        self.engine = make_engine(f"sqlite:///{path}")
        Base.metadata.create_all(self.engine)
        factory = make_session_factory(self.engine)
        self.uow: UowFactory = lambda: UnitOfWork(factory)
        self.broker = Broker()
        self.handed: list[list[tuple[int, str]]] = []

    def deliver_many(self, items: list[tuple[int, str]]) -> None:
        self.handed.append(list(items))

    def follower(self, openid: str, *, wrote: bool = False, opted_out: bool = False) -> None:
        now = datetime.now(UTC)
        with Session(self.engine) as s, s.begin():
            s.add(Follower(openid=openid, subscribed=True, first_seen_at=now, last_interaction_at=now))
            s.add(Binding(openid=openid, student_no=f"S{openid}", name="测试", phone="13800000000", bound_at=now))
            if opted_out:
                s.add(NotificationOptOut(openid=openid, at=now))
            if wrote:
                grants.grant(s, [(openid, Scenario.MESSAGE, now - timedelta(minutes=5), None, 0)])

    def start(self) -> int:
        article = publish_article(self.uow, "announcement", "校园卡系统升级", "<p>11月30日 0:00-6:00 暂停消费。</p>",
                                  "admin")
        return bc.start_broadcast(self.uow, cast(dramatiq.Broker, self.broker), article, "admin")

    def plan(self, broadcast_id: int) -> int:
        return bc.plan(self.uow, self.deliver_many, broadcast_id, WEB)

    def messages(self) -> dict[str, OutboundMessage]:
        """Each recipient's message, by openid, as its delivery row links it."""
        with Session(self.engine) as s:
            rows = s.execute(select(BroadcastDelivery.openid, OutboundMessage)
                             .join(OutboundMessage, OutboundMessage.id == BroadcastDelivery.outbound_id)).all()
            return {openid: message for openid, message in rows}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path / "broadcast.db")
    yield w
    w.engine.dispose()


def test_each_subscriber_gets_the_announcement_by_what_their_grant_allows(world: World) -> None:
    world.follower("oRecent", wrote=True)
    world.follower("oDormant")
    world.follower("oQuiet", opted_out=True)
    broadcast_id = world.start()
    assert world.broker.plans == [broadcast_id]

    assert world.plan(broadcast_id) == 2

    sent = world.messages()
    assert set(sent) == {"oRecent", "oDormant"}
    assert (sent["oRecent"].channel, sent["oDormant"].channel) == ("wechat", "template")
    assert sent["oRecent"].expires_at is not None and sent["oDormant"].expires_at is None
    notice = Notice.from_json(sent["oDormant"].notice or {})
    with Session(world.engine) as s:
        article_id = s.execute(select(Article.id)).scalar_one()
    assert notice.kind is NoticeKind.ANNOUNCEMENT and notice.link == f"/m/articles/{article_id}"
    assert notice.text == sent["oDormant"].body and notice.text.startswith("【公告：校园卡系统升级】\n11月30日")
    assert notice.text.endswith(f'<a href="{WEB}/m/articles/{article_id}">阅读全文</a>')
    assert world.handed == [sorted([(sent["oDormant"].id, "template"), (sent["oRecent"].id, "wechat")])]


def test_a_plan_delivered_twice_records_each_message_once(world: World) -> None:
    world.follower("oA")
    world.follower("oB")
    broadcast_id = world.start()
    world.plan(broadcast_id)
    world.plan(broadcast_id)  # the broker's redelivery
    with Session(world.engine) as s:
        assert len(s.execute(select(OutboundMessage.id)).all()) == 2
    assert len(world.handed) == 1


def test_recipients_are_planned_a_page_at_a_time(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bc, "CHUNK", 2)
    for n in range(5):
        world.follower(f"o{n}")
    assert world.plan(world.start()) == 5
    assert [len(page) for page in world.handed] == [2, 2, 1] and len(world.messages()) == 5


def test_progress_and_the_end_are_read_from_the_messages(world: World) -> None:
    world.follower("oRecent", wrote=True)
    world.follower("oDormant")
    broadcast_id = world.start()
    counting = broadcast_progress(world.uow, broadcast_id)
    assert (counting.status, counting.total) == ("queued", 0)
    assert counting.percent is None  # not 100 % of nobody: the bar waits for the count
    world.plan(broadcast_id)
    progress = broadcast_progress(world.uow, broadcast_id)
    assert (progress.status, progress.total, progress.pending, progress.sent) == ("sending", 2, 2, 0)
    assert progress.percent == 0

    sent = world.messages()
    outbound.finish(world.engine, [sent["oRecent"].id], "sent")
    outbound.finish(world.engine, [sent["oDormant"].id], "undeliverable", "43004: not a follower")
    progress = broadcast_progress(world.uow, broadcast_id)

    assert (progress.status, progress.pending, progress.sent, progress.failed) == ("done", 0, 1, 1)
    assert progress.by_channel == {"wechat": 1} and progress.percent == 100
    with Session(world.engine) as s:
        assert s.execute(select(Article.status)).scalar_one() == "pushed"
        listed = {r.openid: r for r in recipients(s, broadcast_id, 10)}
    assert (listed["oRecent"].status, listed["oDormant"].status) == ("sent", "failed")
    assert listed["oDormant"].error == "43004: not a follower" and listed["oDormant"].channel == "template"


def test_messages_a_broker_lost_are_handed_over_again_from_their_rows(world: World) -> None:
    world.follower("oA")
    broadcast_id = world.start()
    world.plan(broadcast_id)
    with Session(world.engine) as s, s.begin():
        s.execute(update(OutboundMessage).values(created_at=datetime.now(UTC) - timedelta(hours=1)))
    assert resume_stalled_broadcasts(world.uow, cast(dramatiq.Broker, world.broker), world.deliver_many) == 1
    assert world.handed[-1] == [(world.messages()["oA"].id, "template")]


def test_a_lost_plan_is_planned_again_and_a_recipient_left_unplanned_is_planned_alone(world: World) -> None:
    world.follower("oA")
    broadcast_id = world.start()
    with Session(world.engine) as s, s.begin():
        s.execute(update(Broadcast).values(created_at=datetime.now(UTC) - timedelta(hours=1)))
    resume_stalled_broadcasts(world.uow, cast(dramatiq.Broker, world.broker), world.deliver_many)
    assert world.broker.plans == [broadcast_id, broadcast_id]
    world.plan(broadcast_id)

    world.follower("oLater")  # followed after the list was made: not a recipient of this broadcast
    old = datetime.now(UTC) - timedelta(hours=1)
    with Session(world.engine) as s, s.begin():  # a row a broadcast of before migration 0013 left unsent
        s.add(BroadcastDelivery(broadcast_id=broadcast_id, openid="oLeft", channel="wechat", status="pending",
                                updated_at=old))
    resume_stalled_broadcasts(world.uow, cast(dramatiq.Broker, world.broker), world.deliver_many)
    assert world.broker.plans[-1] == broadcast_id
    world.plan(broadcast_id)
    assert set(world.messages()) == {"oA", "oLeft"}
