"""新闻, 公告 and service guides as article pages, so a push can link to the whole text.

Published articles are public (the account broadcasts them to every follower): no session needed,
and a draft is as absent as an id that never existed.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from pages.web import render
from store.tables import Article
from workers.topics.guide import KINDS

SHOWN = ("published", "pushed")


def article(request: Request, session: Session) -> Response:
    raw = str(request.path_params.get("article_id", ""))
    found = session.get(Article, int(raw)) if raw.isdigit() and len(raw) < 12 else None
    if found is None or found.status not in SHOWN:
        return render(request, "refused.html", 404, why="这篇文章不存在或已撤下。", back="/m/card")
    return render(request, "article.html", kind=KINDS.get(found.kind, "通知"), article=found,
                  paragraphs=[p for p in found.body.split("\n") if p.strip()])
