"""Service-guide articles `make run` starts with, so that `指南` answers something on a fresh demo."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from store.tables import Article

#: Whom 信息发布 names as the guides' author: the office that would write them.
AUTHOR = "校园卡服务中心"
DEMO_GUIDES: tuple[tuple[str, str, str], ...] = (
    ("补办校园卡", "补卡 丢卡 补办 新卡",
     "携带身份证或学生证到校园卡服务中心（行政楼101）办理，工本费20元，原卡余额自动转入新卡。"
     "办理前请先发送“挂失”。"),
    ("校园卡充值方式", "充值 圈存 转账",
     "可在本公众号充值，也可使用各食堂的自助充值机，或在银行APP圈存。单笔最高500元。"),
    ("服务中心工作时间", "时间 地点 电话 服务中心",
     "校园卡服务中心：行政楼101，周一至周五 8:30-17:00，电话 010-12345678。"),
)


def seed_demo_guides(engine: Engine) -> int:
    """Insert the demo guides when there are no guides at all; returns how many were added."""
    with Session(engine) as session, session.begin():
        if session.execute(select(func.count()).where(Article.kind == "guide")).scalar_one():
            return 0
        now = datetime.now(UTC)
        for title, keywords, body in DEMO_GUIDES:
            session.add(Article(kind="guide", title=title, keywords=keywords, body=body, status="published",
                                created_by=AUTHOR, created_at=now, published_at=now))
    return len(DEMO_GUIDES)
