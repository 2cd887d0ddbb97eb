"""`POST /wechatpay/notify`: verify WeChat Pay's signature, decrypt, store once in the inbox, answer.

401 for what the platform did not sign (forged, stale, unknown serial), 400 for what does not open
or is not about one of our orders as we made it (a read-only check); nothing is stored for either.
Otherwise the notification is stored in the inbox and enqueued to the `topup` topic exactly as a
WeChat callback is (the shared `InboxWriter`), and answered 204; a repeat is a duplicate there:
204, nothing new. The topup pool records it and wakes its order's relay (`workers.money.notices`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from adapters.wechatpay import signing
from events import payment_notices
from events.topics import Topic
from ingress.inbox_writer import InboxWriter
from store import payment_notices as orders

log = logging.getLogger("onecard.ingress.wechatpay")


@dataclass(frozen=True)
class NotifyConfig:
    mchid: str
    apiv3_key: str
    platform: signing.PlatformKeys
    max_body_bytes: int = 64 * 1024


class PayNotify:
    """The endpoint; shares the WeChat ingress's inbox writer (one group commit for every source)."""

    def __init__(self, config: NotifyConfig, engine: Engine, writer: InboxWriter) -> None:
        self.config, self.engine, self.writer = config, engine, writer

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        try:
            if len(body) > self.config.max_body_bytes:
                raise signing.SignatureRefused(400, "body too large")
            text = body.decode("utf-8")
            self.config.platform.verify(dict(request.headers), text)
            envelope = json.loads(text)
            if not isinstance(envelope, dict) or not isinstance(envelope.get("resource"), dict):
                raise signing.SignatureRefused(400, "notification without a resource")
            data = signing.decrypt(envelope["resource"], self.config.apiv3_key)
            notice = payment_notices.read(str(envelope.get("event_type", "")), data, self.config.mchid)
            await run_in_threadpool(orders.check, self.engine, notice)
            await self.writer.store(notice, Topic.TOPUP.value)
        except signing.SignatureRefused as exc:
            return _refuse(exc.status, exc.reason)
        except (UnicodeDecodeError, ValueError) as exc:  # NotificationRefused, or JSON that is not
            return _refuse(400, str(exc)[:200])
        except SQLAlchemyError:
            log.exception("WeChat Pay notification not stored; WeChat Pay will send it again")
            return JSONResponse({"code": "FAIL", "message": "暂时无法处理"}, status_code=503)
        return Response(status_code=204)


def _refuse(status: int, reason: str) -> Response:
    log.info("refused WeChat Pay notification: %s", reason)
    return JSONResponse({"code": "FAIL", "message": reason}, status_code=status)
