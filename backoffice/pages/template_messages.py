"""模板消息: the account's templates, which one carries each notice kind and how, what a student's
phone shows of it, and a test send to the clerk's own WeChat (a clerk's choice of template:
`template_choice`).

The page reads the database only (the templates as last synced); WeChat is asked when a clerk
presses 从微信同步 or sends a test.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import select
from starlette.responses import Response

from adapters.wechat.port import REFUSALS
from backoffice.roles import Perm
from backoffice.web import Ctx, Page
from events.errors import OnecardError, PermanentError, TransientError
from events.notices import NoticeKind
from store import templates as store_templates
from store.tables import AuditEntry, NoticeTemplate, utcnow
from workers.delivery.samples import sample, shown
from workers.delivery.template_report import key_rows, report, wanted
from workers.delivery.templates import Choice, TemplateBook, render, sync

log = logging.getLogger("onecard.backoffice")

#: An openid as WeChat issues them (28 characters), or as the simulator does: letters, digits, - and _.
OPENID = re.compile(r"[A-Za-z0-9_-]{6,64}")
TEST_SENT = "template test sent"


def book_of(ctx: Ctx) -> TemplateBook:
    """The templates as last synced and the clerks' choices, read in the request's transaction."""
    return TemplateBook.read(ctx.uow.session)


def kind_of(ctx: Ctx) -> NoticeKind:
    try:
        return NoticeKind(ctx.param("kind"))
    except ValueError:
        raise LookupError(f"通知类型 {ctx.param('kind')}") from None


def _link(ctx: Ctx, path: str) -> str | None:
    """The 详情 link a template message carries, as the reply worker builds it."""
    web_url = ctx.platform.settings.resolved_public_url
    return f"{web_url}{path}" if path and web_url else None


def _last_openid(ctx: Ctx) -> str:
    """The openid this clerk last sent a test to: twelve kinds are tested with it typed once."""
    after = ctx.uow.session.execute(
        select(AuditEntry.after).where(AuditEntry.operator == ctx.operator, AuditEntry.action == TEST_SENT)
        .order_by(AuditEntry.id.desc()).limit(1)).scalar()
    return str((after or {}).get("openid") or "")


def templates_page(ctx: Ctx) -> Response:
    session = ctx.uow.session
    book = book_of(ctx)
    reports = report(book)
    now = utcnow()
    samples = {kind: sample(kind, now) for kind in NoticeKind}
    previews = {r.kind: shown(samples[r.kind], r.choice) for r in reports if r.choice}
    links = {kind: _link(ctx, notice.link) for kind, notice in samples.items()}
    used_by = {t.template_id: [r.name for r in reports if r.choice and r.choice.template.template_id == t.template_id]
               for t in book.templates}
    chosen = {row.kind: row for row in session.execute(select(NoticeTemplate)).scalars()}
    return ctx.render("template_messages.html", reports=reports, previews=previews, links=links, wanted=wanted,
                      templates=[(t, key_rows(t)) for t in book.templates], used_by=used_by, chosen=chosen,
                      synced_at=store_templates.synced_at(session), held=store_templates.held(session),
                      last_openid=_last_openid(ctx) if ctx.can(Perm.TEMPLATES) else "")


def sync_templates(ctx: Ctx) -> Response:
    """List the account's templates from WeChat now (after a school added one in the console)."""
    before = [t.title for t in store_templates.templates(ctx.uow.session)]
    ctx.uow.rollback()  # the read ends here: `sync` writes in a transaction of its own
    try:
        book = sync(ctx.platform.uow, ctx.platform.wechat)
    except OnecardError as exc:
        log.warning("templates not listed: %s", exc)
        return ctx.redirect("/templates", err="templates_sync_failed")
    ctx.platform.templates.forget()
    titles = [t.title for t in book.templates]
    ctx.audit_apart("templates synced", None, before={"count": len(before), "titles": before},
                    after={"count": len(titles), "titles": titles})
    return ctx.redirect("/templates", ok="templates_synced", n=len(titles))


def test_send(ctx: Ctx) -> Response:
    """The kind's sample, sent through WeChat to the openid the clerk typed (their own), and WeChat's answer."""
    kind = kind_of(ctx)
    openid = ctx.form.get("openid", "").strip()
    if not OPENID.fullmatch(openid):
        return ctx.redirect("/templates", err="openid_invalid")
    found = book_of(ctx).choice(kind)
    if not isinstance(found, Choice):
        return ctx.redirect("/templates", err="template_missing", notice=kind.value)
    notice = sample(kind, utcnow())
    ctx.uow.rollback()  # nothing is written before the send: a retried request must not send twice
    answer: dict[str, str] = {"ok": "template_test_sent"}
    result = "微信已接收"
    try:
        ctx.platform.wechat.send_template(openid, found.template.template_id, render(notice, found),
                                          _link(ctx, notice.link))
    except TransientError as exc:
        log.warning("test template for %s not sent: %s", kind.value, exc)
        answer, result = {"err": "template_test_unreachable"}, "无法连接微信"
    except PermanentError as exc:
        code = getattr(exc, "errcode", None)
        result = f"{code} {REFUSALS[code]}" if code in REFUSALS else str(exc)[:200]
        answer = ({"err": "template_test_refused", "wechat": str(code)} if code in REFUSALS
                  else {"err": "template_test_failed", "n": str(code)} if isinstance(code, int) and code > 0
                  else {"err": "template_test_rejected"})
    ctx.audit_apart(TEST_SENT, kind.value, after={"template_id": found.template.template_id,
                                                 "title": found.template.title, "openid": openid, "result": result})
    return ctx.redirect("/templates", notice=kind.value, **answer)


PAGES = [
    Page("GET", "/templates", Perm.VIEW, templates_page),
    Page("POST", "/templates/sync", Perm.ACT, sync_templates),
    Page("POST", "/templates/{kind}/test", Perm.TEMPLATES, test_send),
]
