"""Information query (信息查询): find a binding by student number, name, masked phone or openid, and
unbind with a recorded reason (the user is told).
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, or_, select
from starlette.responses import Response

from backoffice.listing import paginate
from backoffice.roles import Perm
from backoffice.web import Ctx, Page
from events.notices import Field, Notice, NoticeKind
from store.search import contains, ends_with, starts_with
from store.tables import Binding, BindingLog, utcnow

# "138****0001": the first three and last four digits of a phone, as the office reads it to a caller.
_MASKED = re.compile(r"^(\d{3})\*+(\d{4})$")
#: What a binding log entry records (bind and card_changes write them).
SORTS = {"student_no": Binding.student_no, "name": Binding.name, "bound_at": Binding.bound_at}
ACTIONS = {"bound": "绑定", "unbound": "解绑", "lost": "挂失", "found": "解挂", "phone": "更换手机"}


def condition(q: str) -> ColumnElement[bool]:
    """What a search finds: a partial student number, a phone's last digits, `138****0001`, a name, an openid."""
    if masked := _MASKED.match(q):
        return starts_with(Binding.phone, masked.group(1)) & ends_with(Binding.phone, masked.group(2))
    found = [Binding.openid == q, contains(Binding.name, q), contains(Binding.student_no, q)]
    if q.isdigit() and len(q) >= 4:
        found.append(ends_with(Binding.phone, q))
    return or_(*found)


def search(ctx: Ctx) -> Response:
    params = dict(ctx.request.query_params)
    q = params.get("q", "").strip()[:64]
    query = select(Binding).where(condition(q)) if q else select(Binding)
    listing = paginate(ctx.uow.session, query, params, SORTS, "bound_at")
    return ctx.render("bindings.html", q=q, bindings=listing.items, listing=listing)


def show(ctx: Ctx) -> Response:
    openid = ctx.param("openid")
    binding = ctx.uow.session.get(Binding, openid)
    log = ctx.uow.session.execute(
        select(BindingLog).where(BindingLog.openid == openid).order_by(BindingLog.id.desc()).limit(50)
    ).scalars().all()
    if binding is None and not log:
        raise LookupError(openid)
    return ctx.render("binding.html", openid=openid, binding=binding, log=log, actions=ACTIONS)


def unbind(ctx: Ctx) -> Response:
    openid = ctx.param("openid")
    reason = ctx.form.get("reason", "").strip()[:500]
    if not reason:
        return ctx.redirect(f"/bindings/{openid}", err="reason_needed")
    binding = ctx.uow.session.get(Binding, openid)
    if binding is None:
        raise LookupError(openid)
    before = {"openid": openid, "student_no": binding.student_no, "name": binding.name}
    now = utcnow()
    ctx.uow.session.add(BindingLog(openid=openid, student_no=binding.student_no, action="unbound", reason=reason,
                                   actor=f"admin:{ctx.operator}", at=now))
    ctx.uow.session.delete(binding)
    text = f"您的校园卡绑定已由校园卡服务中心解除。原因：{reason}\n如需重新绑定，请发送“绑定 学号”。"
    ctx.platform.pusher.push(ctx.uow, openid, Notice(
        NoticeKind.UNBOUND, f"【绑定已解除】\n{text}",
        {Field.ACCOUNT: binding.student_no, Field.TIME: now, Field.REASON: reason}), now)
    ctx.audit("unbind", f"binding {openid}", before=before, after=None, detail=reason)
    ctx.uow.commit()
    return ctx.redirect(f"/bindings/{openid}", ok="unbound")


PAGES = [
    Page("GET", "/bindings", Perm.VIEW, search),
    Page("GET", "/bindings/{openid}", Perm.VIEW, show),
    Page("POST", "/bindings/{openid}/unbind", Perm.ACT, unbind),
]
