"""The service guide (服务指南): articles the office publishes, found by keyword from WeChat."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select

from events import commands as c
from store.tables import Article
from store.uow import UowFactory
from workers.runtime.registry import handles
from workers.runtime.turn import Turn

VISIBLE = ("published", "pushed")
#: The kinds of article the office publishes, and the name a user or an operator reads for each.
KINDS = {"news": "新闻", "announcement": "公告", "guide": "服务指南"}
BODY_LIMIT = 600


def publish_article(uow_factory: UowFactory, kind: str, title: str, body: str, operator: str,
                    keywords: str | None = None) -> int:
    """Create and publish an article (back-office); guides become searchable at once. Returns its id."""
    if kind not in KINDS:
        raise ValueError(f"unknown article kind {kind!r}")
    if not title.strip() or not body.strip():
        raise ValueError("an article needs a title and a body")
    now = datetime.now(UTC)
    with uow_factory() as uow:
        article = Article(kind=kind, title=title.strip(), body=body.strip(), keywords=keywords, status="published",
                          created_by=operator, created_at=now, published_at=now)
        uow.session.add(article)
        uow.session.flush()
        uow.commit()
        return article.id


def render_article(article: Article) -> str:
    """An article as a message: its title and the start of its body."""
    body = article.body if len(article.body) <= BODY_LIMIT else article.body[:BODY_LIMIT] + "…"
    return f"《{article.title}》\n{body}"


@handles(c.SearchGuide)
def search_guide(cmd: c.SearchGuide, turn: Turn) -> None:
    query = select(Article).where(Article.kind == "guide", Article.status.in_(VISIBLE))
    if cmd.keyword:
        like = f"%{cmd.keyword}%"
        query = query.where(or_(Article.title.like(like), Article.keywords.like(like), Article.body.like(like)))
    found = turn.session.execute(query.order_by(Article.published_at.desc()).limit(6)).scalars().all()
    if not found:
        turn.say(f"没有找到与“{cmd.keyword}”相关的指南。" if cmd.keyword else "暂时还没有服务指南。")
        return
    if len(found) == 1 or (cmd.keyword and found[0].title == cmd.keyword):
        turn.say(render_article(found[0]))
        return
    titles = "\n".join(f"· {a.title}" for a in found[:5])
    turn.say(f"找到这些指南：\n{titles}\n发送“指南 标题”查看全文。")
