"""The reply worker: sends each recorded reply through WeChat (or SMS) once, and records the outcome."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from adapters.sms.port import SmsSender
from adapters.wechat.port import Undeliverable, WeChatApi
from events.errors import PermanentError, TransientError
from store import outbound
from store.models import utcnow
from workers.text import mask_phone

log = logging.getLogger("onecard.reply")

SEND_LEASE = timedelta(seconds=30)
MAX_ATTEMPTS = 6


def deliver(outbound_id: int, *, engine: Engine, wechat: WeChatApi, sms: SmsSender) -> str:
    """Send one outbound message; returns its new status. Raises TransientError to be retried."""
    claimed = outbound.claim(engine, outbound_id, SEND_LEASE)
    if claimed is None:
        return "not_claimed"  # already sent, final, or being sent by another worker
    if claimed.expires_at is not None and claimed.expires_at < utcnow():
        outbound.finish(engine, outbound_id, "expired", "reply window closed before it could be sent")
        return "expired"
    try:
        if claimed.channel == "wechat":
            wechat.send_text(claimed.recipient, claimed.body)
        elif claimed.channel == "sms":
            sms.send(claimed.recipient, claimed.body)
        elif claimed.channel == "template":
            template = json.loads(claimed.body)
            wechat.send_template(claimed.recipient, template["template_id"], template["data"], template.get("url"))
        else:
            raise PermanentError(f"unknown channel {claimed.channel!r}")
    except Undeliverable as exc:
        log.info("reply %s undeliverable: %s", outbound_id, exc)
        outbound.finish(engine, outbound_id, "undeliverable", str(exc))
        return "undeliverable"
    except PermanentError as exc:
        log.warning("reply %s refused: %s", outbound_id, exc)
        outbound.finish(engine, outbound_id, "failed", str(exc))
        return "failed"
    except TransientError as exc:
        if claimed.attempts >= MAX_ATTEMPTS:
            outbound.finish(engine, outbound_id, "failed", f"gave up after {claimed.attempts} attempts: {exc}")
            return "failed"
        outbound.finish(engine, outbound_id, "pending", str(exc))
        raise
    record_sent(engine, outbound_id)
    recipient = mask_phone(claimed.recipient) if claimed.channel == "sms" else claimed.recipient
    log.info("sent %s %s to %s", claimed.channel, outbound_id, recipient)
    return "sent"


#: How long a sent message keeps trying to record that it was sent (the database may be away).
RECORD_PATIENCE_S = 20.0


def record_sent(engine: Engine, outbound_id: int) -> None:
    """Record a send that happened, riding out a short database outage.

    Giving up here would leave the row `sending` until its lease ran out and the sweeper sent it
    again: a duplicate the user sees (the reliability suite caught one during a database outage).
    """
    deadline = time.monotonic() + RECORD_PATIENCE_S
    pause = 0.1
    while True:
        try:
            outbound.finish(engine, outbound_id, "sent")
            return
        except DBAPIError:
            if time.monotonic() + pause > deadline:
                raise
            log.warning("reply %s was sent but not yet recorded; retrying in %.1fs", outbound_id, pause)
            time.sleep(pause)
            pause = min(pause * 2, 2.0)
