"""The reply worker: sends each recorded message through WeChat (or SMS) once, and records the outcome.

A broker message carries the messages of a group of turns: claimed by one statement, sent side by
side, and recorded as sent by one statement per wave of sends. A notice whose customer-service
message can no longer go (its grant ended before it could be sent, or WeChat answered 45015 or
45047) goes as its template instead, once (`workers.delivery.outgoing`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from adapters.sms.port import SmsSender
from adapters.wechat.port import Undeliverable, WeChatApi
from events.errors import PermanentError, TransientError
from events.notices import KINDS, Notice
from store import outbound
from store.outbound import Claimed
from store.tables import utcnow
from workers.delivery.templates import Missing, TemplateBook, render
from workers.runtime.metrics import record_delivery
from workers.text.format import mask_phone

log = logging.getLogger("onecard.reply")

SEND_LEASE = timedelta(seconds=30)
MAX_ATTEMPTS = 6


#: Sends of one batch that wait on WeChat at once (its API answers in tens of milliseconds) and are
#: recorded by one statement. Measured at 500 replies/s on PostgreSQL: waves of 8 fell behind
#: (p99 2.5-5 s), waves of 32 kept up; a kill -9 can repeat at most one wave.
SEND_WAVE = 32
#: Sends of the whole process in flight at once, shared by the pool's threads.
_SENDERS = ThreadPoolExecutor(max_workers=32, thread_name_prefix="reply-send")


@dataclass(frozen=True)
class Senders:
    """What the reply worker sends through."""

    engine: Engine
    wechat: WeChatApi
    sms: SmsSender
    #: The account's templates and the clerks' choices (`workers.delivery.templates.Templates.book`).
    templates: Callable[[], TemplateBook]
    #: Where a notice's page is reached from a phone (a template's 详情 link); "": no link.
    web_url: str = ""


#: WeChat's answers to a customer-service message after which a notice goes as its template.
NO_GRANT = frozenset({45015, 45047})
#: How long a notice without a usable template waits before it is tried again.
TEMPLATE_WAIT = timedelta(minutes=10)


def deliver(outbound_ids: Sequence[int], senders: Senders) -> dict[int, str]:
    """Send outbound messages once each; their new statuses.

    One statement claims the batch; the sends go out side by side, a wave of `SEND_WAVE` at
    a time, and one statement records each wave's. Recording per wave, not per batch, keeps what a
    kill -9 could send twice (sent, not yet recorded, sent again once the lease runs out) to one
    wave. Raises TransientError, once the others are recorded, when some should be tried again:
    the retry finds only those still pending.
    """
    engine = senders.engine
    outcomes = dict.fromkeys(outbound_ids, "not_claimed")  # already sent, final, or held by another sender
    claimed = outbound.claim(engine, outbound_ids, SEND_LEASE)
    now = utcnow()
    expired = [c for c in claimed if c.channel == "wechat" and c.notice is None and c.expires_at is not None
               and c.expires_at < now]
    outbound.finish(engine, [c.id for c in expired], "expired", "客服消息时限已过，未发送")
    outcomes.update({c.id: "expired" for c in expired})
    due = [c for c in claimed if c not in expired]
    failed: list[tuple[Claimed, BaseException]] = []
    for start in range(0, len(due), SEND_WAVE):
        wave = due[start:start + SEND_WAVE]
        if len(wave) == 1:  # one send needs no hand-over to another thread
            errors = [_attempt(wave[0], senders, now)]
        else:
            errors = list(_SENDERS.map(lambda c: _attempt(c, senders, now), wave))
        results = list(zip(wave, errors, strict=True))
        sent = [c for c, error in results if error is None]
        record_sent(engine, [c.id for c in sent])
        if sent:
            log.info("sent %s", ", ".join(f"{c.channel} {c.id} to {_shown(c)}" for c in sent))
        outcomes.update({c.id: "sent" for c in sent})
        failed += [(c, error) for c, error in results if error is not None]
    retry: BaseException | None = None
    for c, error in failed:
        outcomes[c.id] = _record_failure(engine, c, error)
        if outcomes[c.id] in ("pending", "sending"):
            retry = error
    for outcome in outcomes.values():
        record_delivery(outcome)
    if retry is not None:
        raise retry
    return outcomes


class NoTemplate(PermanentError):
    """The notice's kind has no usable template on the account (yet): held, not dropped."""


def _attempt(claimed: Claimed, senders: Senders, now: datetime) -> BaseException | None:
    """Send one message; the error, if it was not sent."""
    try:
        if claimed.channel == "wechat":
            if claimed.notice is not None and claimed.expires_at is not None and claimed.expires_at < now:
                return _as_template(claimed, senders)
            try:
                senders.wechat.send_text(claimed.recipient, claimed.body)
            except Undeliverable as exc:
                if claimed.notice is None or exc.errcode not in NO_GRANT:
                    raise
                return _as_template(claimed, senders)
        elif claimed.channel == "sms":
            senders.sms.send(claimed.recipient, claimed.body)
        elif claimed.channel == "template":
            _send_template(claimed, senders)
        else:
            raise PermanentError(f"unknown channel {claimed.channel!r}")
    except Exception as exc:
        return exc
    return None


def _as_template(claimed: Claimed, senders: Senders) -> BaseException | None:
    """The notice's customer-service message cannot go: its template instead, recorded first."""
    outbound.reroute(senders.engine, claimed.id, "template")
    try:
        _send_template(claimed, senders)
    except Exception as exc:
        return exc
    return None


def _send_template(claimed: Claimed, senders: Senders) -> None:
    if claimed.notice is None:
        raise PermanentError("a template message without its notice")
    notice = Notice.from_json(claimed.notice)
    choice = senders.templates().choice(notice.kind)
    if isinstance(choice, Missing):
        raise NoTemplate(f"{KINDS[notice.kind].name}：{choice.reason}")
    url = f"{senders.web_url}{notice.link}" if notice.link and senders.web_url else None
    senders.wechat.send_template(claimed.recipient, choice.template.template_id, render(notice, choice), url,
                                 client_msg_id=f"onecard-{claimed.id}")


def _record_failure(engine: Engine, claimed: Claimed, error: BaseException) -> str:
    """Record why a message was not sent; its new status (`pending` to be tried again)."""
    if isinstance(error, NoTemplate):
        log.warning("notice %s held: %s", claimed.id, error)
        outbound.hold(engine, [claimed.id], utcnow() + TEMPLATE_WAIT, str(error))
        return outbound.NO_TEMPLATE
    if isinstance(error, Undeliverable):
        log.info("reply %s undeliverable: %s", claimed.id, error)
        outbound.finish(engine, [claimed.id], "undeliverable", str(error))
        return "undeliverable"
    if isinstance(error, PermanentError):
        log.warning("reply %s refused: %s", claimed.id, error)
        outbound.finish(engine, [claimed.id], "failed", str(error))
        return "failed"
    if isinstance(error, TransientError):
        if claimed.attempts >= MAX_ATTEMPTS:
            outbound.finish(engine, [claimed.id], "failed", f"gave up after {claimed.attempts} attempts: {error}")
            return "failed"
        outbound.finish(engine, [claimed.id], "pending", str(error))
        return "pending"
    # Unexpected: WeChat may have taken it. The row stays `sending` until its lease runs out and
    # the sweeper offers it again, as a worker killed mid-send would leave it.
    log.error("reply %s: unexpected %s: %s", claimed.id, type(error).__name__, error)
    return "sending"


def _shown(claimed: Claimed) -> str:
    return mask_phone(claimed.recipient) if claimed.channel == "sms" else claimed.recipient


#: How long a sent message keeps trying to record that it was sent (the database may be away).
RECORD_PATIENCE_S = 20.0


def record_sent(engine: Engine, outbound_ids: list[int]) -> None:
    """Record sends that happened, riding out a short database outage.

    Giving up here would leave the row `sending` until its lease ran out and the sweeper sent it
    again: a duplicate the user sees (the reliability suite caught one during a database outage).
    """
    deadline = time.monotonic() + RECORD_PATIENCE_S
    pause = 0.1
    while True:
        try:
            outbound.finish(engine, outbound_ids, "sent")
            return
        except DBAPIError:
            if time.monotonic() + pause > deadline:
                raise
            log.warning("replies %s were sent but not yet recorded; retrying in %.1fs", outbound_ids, pause)
            time.sleep(pause)
            pause = min(pause * 2, 2.0)
