"""How the WeChat simulator learns what users did, which WeChat knows because it delivers it.

`POST /_sim/heard` takes the callback WeChat is about to deliver (plain XML; `at` = when the user
acted, epoch seconds) and records its grant; the WeChat Pay simulator reports payments (in-process,
or `POST /_sim/paid`). `POST /_sim/age` moves a user's grants into the past, so a test can play
"the student last wrote three days ago" without waiting; it relaxes nothing. `GET /_sim/grants`
shows them.
"""

from __future__ import annotations

import json
import math
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.wechat.sim_grants import GrantBook, callback_key, scenario_of

#: A callback is a few hundred bytes; anything much larger is not one.
MAX_CALLBACK_BYTES = 64 * 1024


def parse_callback(raw: bytes) -> dict[str, str] | None:
    """The callback's fields (entities and DTDs refused, as the ingress refuses them); None if it is not one."""
    if len(raw) > MAX_CALLBACK_BYTES or b"<!DOCTYPE" in raw.upper():
        return None
    try:
        doc = xmltodict.parse(raw, disable_entities=True)
    except (ExpatError, ValueError, TypeError, UnicodeError):
        return None
    root = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        return None
    return {str(k): str(v) for k, v in root.items() if isinstance(v, str)}


class UserActivity:
    def __init__(self, grants: GrantBook) -> None:
        self.grants = grants

    async def heard(self, request: Request) -> Response:
        callback = parse_callback(await request.body())
        openid = (callback or {}).get("FromUserName")
        if callback is None or not openid:
            return JSONResponse({"error": "not a WeChat callback"}, status_code=400)
        try:
            at = float(request.query_params["at"]) if "at" in request.query_params else None
        except ValueError:
            at = math.nan
        if at is not None and not math.isfinite(at):
            return JSONResponse({"error": "at: epoch seconds"}, status_code=400)
        if callback.get("MsgType") == "event" and callback.get("Event", "").lower() == "unsubscribe":
            self.grants.unsubscribed(openid)
        scenario = scenario_of(callback)
        if scenario is not None:
            self.grants.grant(openid, scenario, at, callback_key(callback))
        return JSONResponse({"scenario": scenario})

    async def wrote(self, request: Request) -> Response:
        """Many users each sent a message just now, one grant per listed openid (a load generator's
        callers, announced ahead in bulk instead of one `heard` per callback)."""
        body = await _json(request)
        openids = body.get("openids")
        if not isinstance(openids, list) or not all(isinstance(o, str) and o for o in openids):
            return JSONResponse({"error": '{"openids": [...]} required'}, status_code=400)
        for openid in openids:
            self.grants.grant(openid, "message")
        return JSONResponse({"granted": len(openids)})

    def paid(self, openid: str) -> None:
        """The user paid with WeChat Pay just now (the WeChat Pay simulator calls this)."""
        self.grants.grant(openid, "payment")

    async def sim_paid(self, request: Request) -> Response:
        body = await _json(request)
        if not body.get("openid"):
            return JSONResponse({"error": "openid required"}, status_code=400)
        self.paid(str(body["openid"]))
        return JSONResponse({"scenario": "payment"})

    async def age(self, request: Request) -> Response:
        body = await _json(request)
        try:
            openid, seconds = str(body["openid"]), float(body["seconds"])
        except (KeyError, TypeError, ValueError):
            return JSONResponse({"error": '{"openid": …, "seconds": N} required'}, status_code=400)
        return JSONResponse({"moved": self.grants.age(openid, seconds)})

    async def shown(self, request: Request) -> Response:
        return JSONResponse(self.grants.of(request.query_params.get("touser", "")))

    def routes(self) -> list[Route]:
        return [Route("/_sim/heard", self.heard, methods=["POST"]),
                Route("/_sim/paid", self.sim_paid, methods=["POST"]),
                Route("/_sim/wrote", self.wrote, methods=["POST"]),
                Route("/_sim/age", self.age, methods=["POST"]),
                Route("/_sim/grants", self.shown)]


async def _json(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body())
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
