"""Operations: queue depths per topic, workers alive, dead letters and failed sends with a retry button,
the database's backlog (replies not sent, callbacks not processed), notices held for want of a template,
and 上线检查: the checks of `onecard doctor`, run when a clerk asks (they ask WeChat and every outside
system, too slow for every page load) and shown until the next run.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute
from starlette.responses import Response

from adapters.broker import dead_letters, stats
from backoffice.roles import Perm
from backoffice.statuses import FAILED_SENDS as FAILED
from backoffice.template_gaps import gaps
from backoffice.web import Ctx, Page
from events.topics import TOPIC_LABELS
from onecard.doctor.run import diagnose
from store.inbox import MAX_REDELIVERIES
from store.tables import InboxEvent, OutboundMessage
from workers.delivery.push import CHANNEL_LABELS

log = logging.getLogger("onecard.backoffice")
BROKERS = {"RedisBroker": "Redis", "RabbitmqBroker": "RabbitMQ", "StubBroker": "测试用内存队列"}


def broker_name(broker: object) -> str:
    """What the heading calls the broker: the product, never our subclass's name (`WakingRedisBroker`
    is a Redis broker)."""
    for cls in type(broker).__mro__:
        if cls.__name__ in BROKERS:
            return BROKERS[cls.__name__]
    return "其他"


def _backlog(ctx: Ctx) -> dict[str, object]:
    session = ctx.uow.session

    def count_oldest(model: type, column: InstrumentedAttribute[datetime],
                     *where: ColumnElement[bool]) -> tuple[int, datetime | None]:
        count, oldest = session.execute(select(func.count(), func.min(column)).select_from(model).where(*where)).one()
        return int(count), oldest

    return {
        "outbox": count_oldest(OutboundMessage, OutboundMessage.created_at,
                               OutboundMessage.status.in_(("pending", "sending"))),
        "inbox": count_oldest(InboxEvent, InboxEvent.received_at, InboxEvent.status == "received"),
        "inbox_stuck": count_oldest(InboxEvent, InboxEvent.received_at, InboxEvent.status == "received",
                                    InboxEvent.redeliveries >= MAX_REDELIVERIES),
    }


def operations(ctx: Ctx) -> Response:
    broker = ctx.platform.broker
    try:
        depths, alive, dead, broker_error = stats.depths(broker), stats.workers_alive(broker), \
            dead_letters.dead_letters(broker), None
    except Exception as exc:  # the page must show the database side even when the broker is down
        log.warning("broker not readable: %s", exc)
        depths, alive, dead, broker_error = [], None, [], f"{type(exc).__name__}: {exc}"
    failed = ctx.uow.session.execute(
        select(OutboundMessage).where(OutboundMessage.status.in_(tuple(FAILED)))
        .order_by(OutboundMessage.id.desc()).limit(100)
    ).scalars().all()
    return ctx.render("operations.html", depths=depths, alive=alive, dead=dead, broker_error=broker_error,
                      failed=failed, backlog=_backlog(ctx),
                      statuses=FAILED, channels=CHANNEL_LABELS, topics=TOPIC_LABELS,
                      broker_name=broker_name(broker),
                      gaps=gaps(ctx.uow.session), checks=ctx.platform.doctor.get())


#: Each network call of a check run from the page; a check still running after twice this is reported.
CHECK_TIMEOUT_SECONDS = 3.0


def run_checks(ctx: Ctx) -> Response:
    report = diagnose(ctx.platform, timeout=CHECK_TIMEOUT_SECONDS)
    ctx.platform.doctor.put(report)
    # The checks wrote in transactions of their own (the templates listed, the shared token): on SQLite
    # this request's transaction may no longer write, so the audit entry has its own too.
    ctx.audit_apart("deployment checked", after={"blockers": report.blockers, "warnings": report.warnings})
    return ctx.redirect("/operations#checks", ok="checked")


def retry_dead(ctx: Ctx) -> Response:
    topic = ctx.param("topic")
    message_id = ctx.form.get("message_id") or None
    try:
        count = dead_letters.retry_dead(ctx.platform.broker, topic, message_id)
    except ValueError as exc:
        raise LookupError(topic) from exc
    ctx.audit("dead letters retried", f"queue {topic}", after={"count": count, "message_id": message_id})
    ctx.uow.commit()
    return ctx.redirect("/operations", ok="requeued", n=count)


def retry_outbound(ctx: Ctx) -> Response:
    row = ctx.uow.session.get(OutboundMessage, ctx.int_param("id"))
    if row is None:
        raise LookupError(f"消息 {ctx.param('id')}")
    if row.status not in FAILED:
        return ctx.redirect("/operations", err="not_failed", id=row.id)
    before = {"status": row.status, "last_error": row.last_error}
    row.status, row.claimed_until, row.expires_at = "pending", None, None
    ctx.audit("send retried", f"outbound {row.id}", before=before, after={"status": "pending"})
    row_id, channel = row.id, row.channel
    ctx.uow.after_commit(lambda: ctx.platform.deliver(row_id, channel))
    ctx.uow.commit()
    return ctx.redirect("/operations", ok="resent", id=row_id)


PAGES = [
    Page("GET", "/operations", Perm.VIEW, operations),
    Page("POST", "/operations/checks", Perm.ACT, run_checks),
    Page("POST", "/operations/queues/{topic}/retry", Perm.ACT, retry_dead),
    Page("POST", "/operations/outbound/{id:int}/retry", Perm.ACT, retry_outbound),
]
