"""News and announcements pulled, not only pushed: `新闻`, `公告`, `新闻 关键词`, and article keywords.

An operator may give an article keywords in the back-office ("用户发送即可查看"): a student who sends
one of them gets that article back (`find_by_keyword`, used by the unknown-text answer).
"""

from __future__ import annotations

import re

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from events import commands as c
from store.tables import Article
from workers.runtime.registry import handles
from workers.runtime.turn import Turn
from workers.text.format import short_time
from workers.topics.guide import KINDS, VISIBLE, render_article

LATEST = 5
_KEYWORD_SEPARATORS = re.compile(r"[\s,，;；、/]+")


def keywords_of(article: Article) -> set[str]:
    return {k.lower() for k in _KEYWORD_SEPARATORS.split(article.keywords or "") if k}


def find_by_keyword(session: Session, text: str) -> Article | None:
    """The newest visible article one of whose keywords is exactly `text` (any kind), or None."""
    word = text.strip().lower()
    if not word:
        return None
    candidates = session.execute(
        select(Article).where(Article.status.in_(VISIBLE), Article.keywords.is_not(None),
                              Article.keywords.ilike(f"%{text.strip()}%"))
        .order_by(Article.published_at.desc()).limit(20)).scalars()
    return next((a for a in candidates if word in keywords_of(a)), None)


@handles(c.ShowArticles)
def show_articles(cmd: c.ShowArticles, turn: Turn) -> None:
    name = KINDS.get(cmd.kind, cmd.kind)
    query = select(Article).where(Article.kind == cmd.kind, Article.status.in_(VISIBLE))
    if cmd.keyword:
        like = f"%{cmd.keyword}%"
        query = query.where(or_(Article.title.like(like), Article.keywords.like(like), Article.body.like(like)))
    found = list(turn.session.execute(query.order_by(Article.published_at.desc()).limit(LATEST)).scalars())
    if not found:
        turn.say(f"没有找到与“{cmd.keyword}”相关的{name}。" if cmd.keyword else f"暂时还没有{name}。")
        return
    if cmd.keyword and (len(found) == 1 or found[0].title == cmd.keyword):
        turn.say(render_article(found[0]))
        return
    lines = [f"· {a.title}（{short_time(a.published_at)}）" if a.published_at else f"· {a.title}" for a in found]
    head = f"与“{cmd.keyword}”相关的{name}：" if cmd.keyword else f"最新{name}："
    turn.say("\n".join([head, *lines, f"发送“{name} 标题”查看全文。"]))
