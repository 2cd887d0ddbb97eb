"""The service guide (服务指南): articles the office publishes, found by keyword from WeChat."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select

from events import commands as c
from store.search import contains
from store.tables import Article
from store.uow import UowFactory
from workers.runtime.registry import handles
from workers.runtime.turn import Turn
from workers.text.plain import plain_text, shorten

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
    """An article as a message: its title and the start of its body, as plain text."""
    return f"《{article.title}》\n{shorten(plain_text(article.body), BODY_LIMIT)}"


@handles(c.SearchGuide)
def search_guide(cmd: c.SearchGuide, turn: Turn) -> None:
    """A guide's title opens that guide, however many newer guides also mention it; any other
    keyword opens its one match or lists the newest few."""
    guides = select(Article).where(Article.kind == "guide", Article.status.in_(VISIBLE))
    newest_first = Article.published_at.desc()
    if cmd.keyword:
        titled = turn.session.execute(guides.where(Article.title == cmd.keyword).order_by(newest_first).limit(1))
        if (exact := titled.scalars().first()) is not None:
            turn.say(render_article(exact))
            return
        word = cmd.keyword
        guides = guides.where(or_(contains(Article.title, word), contains(Article.keywords, word),
                                  contains(Article.body, word)))
    found = turn.session.execute(guides.order_by(newest_first).limit(6)).scalars().all()
    if not found:
        turn.say(f"没有找到与“{cmd.keyword}”相关的指南。" if cmd.keyword else "暂时还没有服务指南。")
        return
    if len(found) == 1:
        turn.say(render_article(found[0]))
        return
    titles = "\n".join(f"· {a.title}" for a in found[:5])
    turn.say(f"找到这些指南：\n{titles}\n发送“指南 标题”查看全文。")
