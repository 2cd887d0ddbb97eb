"""`POST /wechatpay/notify`: verify WeChat Pay's signature, decrypt, store once, answer at once.

401 for what the platform did not sign (forged, stale, unknown serial), 400 for what does not open
or is not about one of our orders as we made it; nothing is stored for either. A new notification
wakes its order's relay; the card is credited there, through the money outbox.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from adapters.wechatpay import signing
from store import wechatpay_inbox

log = logging.getLogger("onecard.ingress.wechatpay")


@dataclass(frozen=True)
class NotifyConfig:
    mchid: str
    apiv3_key: str
    platform: signing.PlatformKeys
    max_body_bytes: int = 64 * 1024


class PayNotify:
    def __init__(self, config: NotifyConfig, engine: Engine, wake: Callable[[int, float], None]) -> None:
        self.config, self.engine, self.wake = config, engine, wake

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
            notified = wechatpay_inbox.read(str(envelope.get("event_type", "")), data, self.config.mchid)
            order_id, fresh = await run_in_threadpool(wechatpay_inbox.store, self.engine, notified)
        except signing.SignatureRefused as exc:
            return _refuse(exc.status, exc.reason)
        except (UnicodeDecodeError, ValueError) as exc:  # NotificationRefused, or JSON that is not
            return _refuse(400, str(exc)[:200])
        except SQLAlchemyError:
            log.exception("WeChat Pay notification not stored; WeChat Pay will send it again")
            return JSONResponse({"code": "FAIL", "message": "暂时无法处理"}, status_code=503)
        if fresh:
            try:
                self.wake(order_id, 0.0)
            except Exception:  # the order's outbox entry is due: the relay's sweep finds it anyway
                log.exception("relay wake-up for order %s lost", order_id)
        return Response(status_code=204)


def _refuse(status: int, reason: str) -> Response:
    log.info("refused WeChat Pay notification: %s", reason)
    return JSONResponse({"code": "FAIL", "message": reason}, status_code=status)
