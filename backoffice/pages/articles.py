"""Publishing: news, announcements and service guides go draft -> published -> pushed, and a push's
delivery progress is followed here.
"""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import JSONResponse, Response

from backoffice import statuses
from backoffice.roles import Perm
from backoffice.web import Ctx, Page
from store.tables import Article, Broadcast, utcnow
from workers.delivery.broadcast.announcement import message_of
from workers.delivery.broadcast.plan import start_broadcast
from workers.delivery.broadcast.progress import Recipient, broadcast_progress, recipients
from workers.delivery.push import CHANNEL_LABELS
from workers.text.format import local_time
from workers.topics.guide import KINDS

DELIVERY_ROWS = 200


def _snap(article: Article) -> dict[str, object]:
    return {"kind": article.kind, "title": article.title, "status": article.status, "body": article.body[:500]}


def _article(ctx: Ctx) -> Article:
    article = ctx.uow.session.get(Article, ctx.int_param("id"))
    if article is None:
        raise LookupError(f"文章 {ctx.param('id')}")
    return article


def list_articles(ctx: Ctx) -> Response:
    query = select(Article).order_by(Article.id.desc()).limit(200)
    if kind := ctx.request.query_params.get("kind"):
        query = query.where(Article.kind == kind)
    articles = ctx.uow.session.execute(query).scalars().all()
    return ctx.render("articles.html", articles=articles, kinds=KINDS, statuses=statuses.ARTICLE, kind=kind)


def new_article(ctx: Ctx) -> Response:
    return ctx.render("article_form.html", article=None, kinds=KINDS, typed={})


def _read_form(ctx: Ctx) -> tuple[str, str, str, str | None]:
    kind, title, body = ctx.form.get("kind", ""), ctx.form.get("title", "").strip(), ctx.form.get("body", "").strip()
    if kind not in KINDS or not title or not body or len(title) > 200:
        raise ValueError("请填写类型、标题（最多 200 字）和正文")
    return kind, title, body, (ctx.form.get("keywords") or "").strip() or None


def create_article(ctx: Ctx) -> Response:
    try:
        kind, title, body, keywords = _read_form(ctx)
    except ValueError as exc:
        return ctx.render("article_form.html", status_code=400, article=None, kinds=KINDS, error=str(exc),
                          typed=ctx.form)
    article = Article(kind=kind, title=title, body=body, keywords=keywords, status="draft",
                      created_by=ctx.operator, created_at=utcnow())
    ctx.uow.session.add(article)
    ctx.uow.session.flush()
    ctx.audit("article created", f"article {article.id}", after=_snap(article))
    ctx.uow.commit()
    return ctx.redirect(f"/articles/{article.id}", ok="draft_saved")


def show_article(ctx: Ctx) -> Response:
    return _show(ctx, _article(ctx))


def _show(ctx: Ctx, article: Article, status_code: int = 200, error: str | None = None,
          typed: dict[str, str] | None = None) -> Response:
    broadcasts = ctx.uow.session.execute(
        select(Broadcast).where(Broadcast.article_id == article.id).order_by(Broadcast.id.desc())
    ).scalars().all()
    return ctx.render("article.html", status_code=status_code, article=article, broadcasts=broadcasts, kinds=KINDS,
                      statuses=statuses.ARTICLE, error=error, typed=typed or {}, wechat_text=message_of(article)[1])


def update_article(ctx: Ctx) -> Response:
    article = _article(ctx)
    if article.status != "draft":
        return ctx.redirect(f"/articles/{article.id}", err="not_draft_edit")
    before = _snap(article)
    try:
        article.kind, article.title, article.body, article.keywords = _read_form(ctx)
    except ValueError as exc:  # the page again, with what the clerk typed, not the stored draft
        ctx.uow.rollback()
        return _show(ctx, _article(ctx), status_code=400, error=str(exc), typed=ctx.form)
    ctx.audit("article edited", f"article {article.id}", before=before, after=_snap(article))
    ctx.uow.commit()
    return ctx.redirect(f"/articles/{article.id}", ok="saved")


def publish_article(ctx: Ctx) -> Response:
    article = _article(ctx)
    if article.status != "draft":
        return ctx.redirect(f"/articles/{article.id}", err="not_draft_publish")
    before = _snap(article)
    article.status, article.published_at = "published", utcnow()
    ctx.audit("article published", f"article {article.id}", before=before, after=_snap(article))
    ctx.uow.commit()
    return ctx.redirect(f"/articles/{article.id}", ok="published")


def push_article(ctx: Ctx) -> Response:
    article = _article(ctx)
    if article.status not in ("published", "pushed"):
        return ctx.redirect(f"/articles/{article.id}", err="not_published")
    before, article_id = _snap(article), article.id
    ctx.uow.rollback()  # start_broadcast writes in its own transaction: hold no read transaction meanwhile
    broadcast_id = start_broadcast(ctx.platform.uow, ctx.platform.broker, article_id, ctx.operator)
    ctx.audit_apart("article pushed", f"article {article_id}", before=before, after={"broadcast": broadcast_id})
    return ctx.redirect(f"/broadcasts/{broadcast_id}", ok="push_started")


def _broadcast(ctx: Ctx) -> Broadcast:
    broadcast = ctx.uow.session.get(Broadcast, ctx.int_param("id"))
    if broadcast is None:
        raise LookupError(f"推送 {ctx.param('id')}")
    return broadcast


def _deliveries(ctx: Ctx, broadcast_id: int) -> list[Recipient]:
    return recipients(ctx.uow.session, broadcast_id, DELIVERY_ROWS)


def show_broadcast(ctx: Ctx) -> Response:
    broadcast = _broadcast(ctx)
    progress = broadcast_progress(ctx.platform.uow, broadcast.id)
    article = ctx.uow.session.get(Article, broadcast.article_id)
    deliveries = _deliveries(ctx, broadcast.id)
    return ctx.render("broadcast.html", broadcast=broadcast, progress=progress, deliveries=deliveries, article=article,
                      statuses=statuses.BROADCAST, delivery_statuses=statuses.DELIVERY,
                      channels=CHANNEL_LABELS)


def broadcast_state(ctx: Ctx) -> Response:
    """What the progress page polls until the push is done: the true count, as the recipients' messages say."""
    broadcast = _broadcast(ctx)
    progress = broadcast_progress(ctx.platform.uow, broadcast.id)
    rows = [{"openid": d.openid, "channel": CHANNEL_LABELS.get(d.channel or "", d.channel or ""),
             "status": d.status, "status_label": statuses.DELIVERY.get(d.status, d.status), "error": d.error or "",
             "updated": local_time(d.updated_at) if d.updated_at else ""} for d in _deliveries(ctx, broadcast.id)]
    return JSONResponse({"status": progress.status, "status_label": statuses.BROADCAST.get(progress.status, ""),
                         "planned": progress.status != "queued", "total": progress.total, "sent": progress.sent,
                         "failed": progress.failed, "pending": progress.pending, "percent": progress.percent,
                         "deliveries": rows})


PAGES = [
    Page("GET", "/articles", Perm.VIEW, list_articles),
    Page("GET", "/articles/new", Perm.ACT, new_article),
    Page("POST", "/articles", Perm.ACT, create_article),
    Page("GET", "/articles/{id:int}", Perm.VIEW, show_article),
    Page("POST", "/articles/{id:int}", Perm.ACT, update_article),
    Page("POST", "/articles/{id:int}/publish", Perm.ACT, publish_article),
    Page("POST", "/articles/{id:int}/push", Perm.ACT, push_article),
    Page("GET", "/broadcasts/{id:int}", Perm.VIEW, show_broadcast),
    Page("GET", "/broadcasts/{id:int}/progress", Perm.VIEW, broadcast_state),
]
