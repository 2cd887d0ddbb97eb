"""Template messages as WeChat takes them: `message/template/send` checked against the account's
templates, `template/get_all_private_template`, and `/_sim/templates` to play another account.

A template needs no grant (that is what it is for), but it must be one of the account's, not
banned, and every value must fit its key's type; the user must still follow the account and
accept the account's notices. A repeated `client_msg_id` within 10 minutes is answered as the first
send was and not delivered again.
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.wechat.sim_state import SimCore, err
from adapters.wechat.sim_templates import DEMO_TEMPLATES, from_listing

#: How long WeChat remembers a client_msg_id, and how long one may be.
REPEAT_WINDOW_SECONDS = 600
MAX_CLIENT_MSG_ID_BYTES = 64


class TemplateApi:
    def __init__(self, core: SimCore) -> None:
        self.core = core

    async def send(self, request: Request) -> Response:
        if (bad := self.core.check_token(request)) is not None:
            return bad
        body = await read_json(request)
        if body is None or not body.get("touser") or not body.get("template_id"):
            return err(44002, "empty post data")
        touser, data, msg_id = str(body["touser"]), body.get("data") or {}, body.get("client_msg_id")
        if not isinstance(data, dict):
            return self.core.refused(touser, "template", 47001, "data format error hint: data must be an object")
        if msg_id is not None and (not isinstance(msg_id, str) or len(msg_id.encode()) > MAX_CLIENT_MSG_ID_BYTES):
            return self.core.refused(touser, "template", 47001, "data format error hint: client_msg_id over 64 bytes")
        state, now = self.core.state, time.time()
        with self.core.lock:
            first = state.client_msg_ids.get((touser, msg_id)) if msg_id else None
            if first is not None and now - first[1] < REPEAT_WINDOW_SECONDS:
                return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": first[0]})
            template = state.templates.get(str(body["template_id"]))
            if template is None:
                return self.core.refused(touser, "template", 40037, "invalid template_id")
            if template.template_id in state.banned:
                return self.core.refused(touser, "template", 43116, "this template has been banned for abuse")
            if not self.core.grants.follows(touser):
                return self.core.refused(touser, "template", 43004, "require subscribe")
            if touser in state.template_refuse:
                return self.core.refused(touser, "template", state.template_refuse[touser],
                                         "user refuse to accept the msg")
            if (why := template.refusal(data)) is not None:
                return self.core.refused(touser, "template", 47003, why)
            fields = template.shown(data)
            phone = "\n".join([template.title, *(f"{label}：{value}" for label, value in fields)])
            shown = {"template_id": template.template_id, "title": template.title, "fields": fields,
                     "url": body.get("url")}
            msgid = 200000 + self.core.record(touser, "template", phone, body, shown)
            if msg_id:
                self._remember(touser, msg_id, msgid, now)
        return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": msgid})

    def _remember(self, touser: str, msg_id: str, msgid: int, now: float) -> None:
        """Keep the id for 10 minutes; the dict is in sending order, so the expired ones are at its front."""
        ids = self.core.state.client_msg_ids
        ids.pop((touser, msg_id), None)
        ids[(touser, msg_id)] = (msgid, now)
        while now - next(iter(ids.values()))[1] >= REPEAT_WINDOW_SECONDS:
            del ids[next(iter(ids))]

    async def listing(self, request: Request) -> Response:
        if (bad := self.core.check_token(request)) is not None:
            return bad
        return JSONResponse({"template_list": self._listed()})

    async def replace(self, request: Request) -> Response:
        """`POST` a list (or `{"template_list": […]}`) in the listing's shape to make it the account's;
        `DELETE` brings the demo templates back; `GET` shows them."""
        if request.method == "POST":
            body = await read_json(request, allow_list=True)
            items = body.get("template_list") if isinstance(body, dict) else body
            try:
                if not isinstance(items, list):
                    raise TypeError("expected a list of templates")
                templates = [from_listing(item) for item in items]
            except (KeyError, TypeError, AttributeError) as exc:
                return JSONResponse({"error": f"not a template listing: {exc!r}"}, status_code=400)
            with self.core.lock:
                self.core.state.templates = {t.template_id: t for t in templates}
        elif request.method == "DELETE":
            with self.core.lock:
                self.core.state.templates = {t.template_id: t for t in DEMO_TEMPLATES}
        return JSONResponse({"template_list": self._listed()})

    def _listed(self) -> list[dict[str, Any]]:
        with self.core.lock:
            return [t.listed() for t in self.core.state.templates.values()]

    def routes(self) -> list[Route]:
        return [Route("/cgi-bin/message/template/send", self.send, methods=["POST"]),
                Route("/cgi-bin/template/get_all_private_template", self.listing),
                Route("/_sim/templates", self.replace, methods=["GET", "POST", "DELETE"])]


async def read_json(request: Request, *, allow_list: bool = False) -> Any:
    """The JSON object of the body (or a list, when allowed); None when it is neither."""
    try:
        data = json.loads(await request.body())
    except ValueError:
        return None
    return data if isinstance(data, dict) or (allow_list and isinstance(data, list)) else None
