"""Choosing a template for a notice kind by hand, where the match by title and label is wrong or
absent (the 模板消息 page's 选择模板), and going back to the automatic match.

A choice that still cannot carry the kind is refused with the reason. It reaches every sender
within the cache's time to live (`workers.delivery.templates.Templates`), this process's at once.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from backoffice.pages.template_messages import book_of, kind_of
from backoffice.roles import Perm
from backoffice.web import Ctx, Page
from events.notices import KINDS, AccountTemplate, NoticeKind
from store import templates as store_templates
from store.tables import utcnow
from workers.delivery.samples import sample, shown
from workers.delivery.template_report import field_name, key_rows, wanted
from workers.delivery.templates import Choice, TemplateBook, choose, template_keys


def _snapshot(book: TemplateBook, kind: NoticeKind) -> dict[str, Any]:
    """A kind's template as the audit log keeps it."""
    found, mine = book.choice(kind), book.chosen.get(kind.value)
    template = found.template if isinstance(found, Choice) else None
    return {"automatic": mine is None,
            "template_id": mine["template_id"] if mine else (template.template_id if template else None),
            "title": template.title if template else None, "keys": dict(mine.get("keys") or {}) if mine else {}}


def _template(book: TemplateBook, template_id: str) -> AccountTemplate | None:
    return next((t for t in book.templates if t.template_id == template_id), None)


def choice_page(ctx: Ctx, status_code: int = 200, error: str | None = None,
                typed: tuple[str, dict[str, str]] | None = None) -> Response:
    """One kind: pick a template (a GET form, so no script is needed), then which field each key holds."""
    kind = kind_of(ctx)
    book = book_of(ctx)
    current, mine = book.choice(kind), book.chosen.get(kind.value)
    wanted_id = typed[0] if typed else ctx.request.query_params.get("template") or (
        mine["template_id"] if mine else current.template.template_id if isinstance(current, Choice) else "")
    template = _template(book, wanted_id) or (book.templates[0] if book.templates else None)
    keys: dict[str, str] = {}
    if typed:
        keys = typed[1]
    elif mine and template and mine["template_id"] == template.template_id:
        keys = dict(mine.get("keys") or {})
    candidate = choose(kind, book.templates, {"template_id": template.template_id, "keys": keys}) if template else None
    preview = shown(sample(kind, utcnow()), candidate) if isinstance(candidate, Choice) else None
    return ctx.render("template_choice.html", status_code=status_code, error=error, kind=kind, name=KINDS[kind].name,
                      templates=book.templates, picked=template, rows=key_rows(template) if template else [],
                      keys=keys, candidate=candidate, preview=preview, mine=mine, wanted=wanted(kind),
                      options=[(f.value, field_name(f)) for f in KINDS[kind].fields])


def choose_template(ctx: Ctx) -> Response:
    """Record a clerk's template (and fields) for a kind; refused, with the reason, when it cannot carry it."""
    kind = kind_of(ctx)
    book = book_of(ctx)
    template = _template(book, ctx.form.get("template_id", ""))
    if template is None:
        return choice_page(ctx, 400, "请选择公众号模板库中的模板")
    allowed = {f.value for f in KINDS[kind].fields}
    keys = {k.key: value for k in template_keys(template) if (value := ctx.form.get(f"key_{k.key}", ""))}
    if not set(keys.values()) <= allowed:
        return choice_page(ctx, 400, f"所选内容不是「{KINDS[kind].name}」的内容", (template.template_id, {}))
    found = choose(kind, book.templates, {"template_id": template.template_id, "keys": keys})
    if not isinstance(found, Choice):
        return choice_page(ctx, 400, f"这样设置后仍无法发送：{found.reason}", (template.template_id, keys))
    before = _snapshot(book, kind)
    store_templates.choose(ctx.uow.session, kind.value, template.template_id, keys, ctx.operator, utcnow())
    after = _snapshot(TemplateBook(book.templates, {**book.chosen, kind.value: {"template_id": template.template_id,
                                                                                "keys": keys}}), kind)
    ctx.audit("template chosen", kind.value, before=before, after=after)
    ctx.uow.after_commit(ctx.platform.templates.forget)
    ctx.uow.commit()
    return ctx.redirect("/templates", ok="template_chosen", notice=kind.value)


def restore_automatic(ctx: Ctx) -> Response:
    """Forget the clerk's choice: the kind goes by the template matched by title again."""
    kind = kind_of(ctx)
    book = book_of(ctx)
    if kind.value in book.chosen:
        before = _snapshot(book, kind)
        store_templates.choose(ctx.uow.session, kind.value, None, None, ctx.operator, utcnow())
        rest = {k: v for k, v in book.chosen.items() if k != kind.value}
        ctx.audit("template automatic", kind.value, before=before, after=_snapshot(TemplateBook(book.templates, rest),
                                                                                   kind))
        ctx.uow.after_commit(ctx.platform.templates.forget)
        ctx.uow.commit()
    return ctx.redirect("/templates", ok="template_automatic", notice=kind.value)


PAGES = [
    Page("GET", "/templates/{kind}", Perm.TEMPLATES, choice_page),
    Page("POST", "/templates/{kind}", Perm.TEMPLATES, choose_template),
    Page("POST", "/templates/{kind}/automatic", Perm.TEMPLATES, restore_automatic),
]
