"""News and announcements reach every bound follower who has not opted out, by the path WeChat allows
each: a customer-service message within the follower's grant, the announcement template otherwise."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from adapters.wechat.callbacks import text_xml
from events.wechat_grants import Scenario
from store import grants
from store.tables import Binding, Broadcast, BroadcastDelivery, Follower, NotificationOptOut
from tests.harness import Stack, new_openid
from workers.delivery.broadcast import plan as bc
from workers.delivery.broadcast.progress import Progress, broadcast_progress
from workers.delivery.broadcast.resume import resume_stalled_broadcasts
from workers.topics.guide import publish_article


def _wait_done(live: Stack, broadcast_id: int, timeout: float = 120.0) -> Progress:
    deadline = time.monotonic() + timeout
    while True:
        progress = broadcast_progress(live.platform.uow, broadcast_id)
        if progress.status == "done" or time.monotonic() > deadline:
            return progress
        time.sleep(0.2)


def test_an_announcement_reaches_users_within_a_grant_by_message_others_by_template_and_skips_opt_outs(
        live: Stack) -> None:
    recent, dormant, quiet = new_openid("br"), new_openid("bd"), new_openid("bq")
    live.bind(recent, "20240001")
    live.bind(dormant, "20240002", "13800000002")
    live.bind(quiet, "20240003", "13800000003")
    assert "已退订" in live.ask(quiet, "退订")
    with live.platform.uow() as uow:  # as if 48 hours had passed since the dormant follower wrote
        grants.end(uow.session, [dormant], datetime.now(UTC))
        uow.commit()
    article = publish_article(live.platform.uow, "announcement", "校园卡系统升级", "11月30日 0:00-6:00 暂停消费。",
                              "admin")
    counts = {o: len(live.sent_to(o)) for o in (recent, dormant, quiet)}
    try:
        progress = _wait_done(live, bc.start_broadcast(live.platform.uow, live.platform.broker, article, "admin"))

        assert progress.status == "done" and progress.pending == 0 and progress.failed == 0
        assert progress.sent == progress.total >= 2 and progress.by_channel.get("template", 0) >= 1
        assert live.replies(recent, counts[recent] + 1)[-1].startswith("【公告：校园卡系统升级】\n11月30日")
        [template] = live.sent_to(dormant)[counts[dormant]:]
        assert template["msgtype"] == "template" and template["raw"]["url"].endswith(f"/m/articles/{article}")
        assert len(live.sent_to(quiet)) == counts[quiet]
    finally:  # later broadcasts of the session are not this one's: the dormant follower leaves them
        with live.platform.uow() as uow:
            uow.session.add(NotificationOptOut(openid=dormant, at=datetime.now(UTC)))
            uow.commit()

    assert "已订阅" in live.ask(quiet, "订阅")


def test_a_broadcast_whose_plan_message_was_lost_is_resumed_by_the_sweep(live: Stack) -> None:
    reader = new_openid("bl")
    live.bind(reader, "20240004", "13800000004")
    article = publish_article(live.platform.uow, "news", "图书馆延长开放", "考试周图书馆开放至23点。", "admin")
    with live.platform.uow() as uow:  # as if start_broadcast committed but the broker lost its message
        lost = Broadcast(article_id=article, status="queued", total=0, created_by="admin",
                         created_at=datetime.now(UTC) - timedelta(minutes=30))
        uow.session.add(lost)
        uow.session.flush()
        broadcast_id = lost.id
        uow.commit()
    before = len(live.sent_to(reader))

    assert resume_stalled_broadcasts(live.platform.uow, live.platform.broker, live.platform.deliver_many) >= 1

    assert _wait_done(live, broadcast_id).status == "done"
    assert "图书馆延长开放" in live.replies(reader, before + 1)[before]


def test_a_broadcast_to_thousands_is_planned_in_chunks_and_counted(live: Stack) -> None:
    """1,050 bound followers who wrote today (rows written directly): pages of 500, 500 and 50, every
    recipient's message recorded, linked and sent."""
    now = datetime.now(UTC)
    people = [f"bulk{n:05d}{new_openid('')[:6]}" for n in range(1050)]
    with live.platform.uow() as uow:
        uow.session.execute(insert(Follower), [{"openid": o, "subscribed": True, "first_seen_at": now,
                                                "last_interaction_at": now} for o in people])
        uow.session.execute(insert(Binding), [{"openid": o, "student_no": f"B{n:07d}{o[-4:]}", "name": "测试",
                                               "phone": "13800009999", "bound_at": now} for n, o in enumerate(people)])
        grants.grant(uow.session, [(o, Scenario.MESSAGE, now - timedelta(minutes=5), None, 0) for o in people])
        uow.commit()
    for o in people:  # WeChat saw each of them write, five minutes ago
        live.heard(text_xml(o, "你好", create_time=int((now - timedelta(minutes=5)).timestamp())))
    article = publish_article(live.platform.uow, "news", "运动会", "下周三举行校运动会。", "admin")
    broadcast_id = bc.start_broadcast(live.platform.uow, live.platform.broker, article, "admin")

    progress = _wait_done(live, broadcast_id, timeout=240)

    assert progress.status == "done" and progress.failed == 0
    with live.platform.uow() as uow:
        mine = uow.session.execute(select(func.count()).where(BroadcastDelivery.broadcast_id == broadcast_id,
                                                              BroadcastDelivery.openid.in_(people),
                                                              BroadcastDelivery.outbound_id.is_not(None))).scalar_one()
        assert mine == 1050
        assert uow.session.get_one(Broadcast, broadcast_id).total == progress.total == progress.sent
    assert progress.by_channel.get("wechat", 0) >= 1050

