"""The service guide: published guides found by keyword, one shown in full, several listed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from events import commands as c
from onecard.demo_guides import DEMO_GUIDES, seed_demo_guides
from store.tables import Article
from tests.unit.fakes import NOW, FakeCardSystem, ports, said, turn
from workers.topics import guide


def _article(session: Session, title: str, body: str, keywords: str = "", *, kind: str = "guide",
             status: str = "published", age_hours: int = 0) -> None:
    at = NOW - timedelta(hours=age_hours)
    session.add(Article(kind=kind, title=title, body=body, keywords=keywords, status=status, created_at=at,
                        published_at=at))
    session.flush()


def _search(session: Session, card: FakeCardSystem, keyword: str) -> str:
    t = turn(session, ports(card))
    guide.search_guide(c.SearchGuide(keyword), t)
    return said(t)


def test_one_match_by_keyword_is_shown_in_full(session: Session, card: FakeCardSystem) -> None:
    _article(session, "补办校园卡", "携带身份证到服务中心办理。", "补卡 丢卡")
    _article(session, "服务中心工作时间", "周一至周五 8:30-17:00。", "时间 地点")
    assert _search(session, card, "补卡") == "《补办校园卡》\n携带身份证到服务中心办理。"


def test_several_matches_are_listed_newest_first(session: Session, card: FakeCardSystem) -> None:
    _article(session, "校园卡充值方式", "可在本公众号充值。", "充值", age_hours=2)
    _article(session, "充值机位置", "各食堂一楼。", "充值 自助机", age_hours=1)
    assert _search(session, card, "充值") == (
        "找到这些指南：\n· 充值机位置\n· 校园卡充值方式\n发送“指南 标题”查看全文。")


def test_an_exact_title_opens_that_guide_among_several(session: Session, card: FakeCardSystem) -> None:
    _article(session, "充值机故障怎么办", "拨打服务电话，或去别的充值机位置。", "充值", age_hours=2)
    _article(session, "充值机位置", "各食堂一楼。", "充值", age_hours=1)
    assert _search(session, card, "充值机位置") == "《充值机位置》\n各食堂一楼。"


def test_an_exact_title_opens_an_older_guide_too(session: Session, card: FakeCardSystem) -> None:
    _article(session, "充值机位置", "各食堂一楼。", "充值", age_hours=2)
    _article(session, "充值机故障怎么办", "拨打服务电话，或去别的充值机位置。", "充值", age_hours=1)
    assert _search(session, card, "充值机位置") == "《充值机位置》\n各食堂一楼。"


def test_drafts_and_news_are_not_guides(session: Session, card: FakeCardSystem) -> None:
    _article(session, "补卡草稿", "未发布。", "补卡", status="draft")
    _article(session, "补卡新闻", "新闻。", "补卡", kind="news")
    assert _search(session, card, "补卡") == "没有找到与“补卡”相关的指南。"
    assert _search(session, card, "") == "暂时还没有服务指南。"


def test_a_long_guide_is_cut_for_the_phone_screen(session: Session, card: FakeCardSystem) -> None:
    _article(session, "长文", "字" * 700)
    text = _search(session, card, "长文")
    assert text == "《长文》\n" + "字" * guide.BODY_LIMIT + "…"


def test_the_demo_guides_are_seeded_once(session: Session) -> None:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    assert seed_demo_guides(engine) == len(DEMO_GUIDES)
    assert seed_demo_guides(engine) == 0


def test_percent_and_underscore_in_a_keyword_are_literal(session: Session, card: FakeCardSystem) -> None:
    # Given one guide with "100%" in it and another that a wildcard "%" or "_" would also match
    _article(session, "充值满100%返现说明", "活动规则。", "返现")
    _article(session, "充值1000元以上", "大额充值。", "大额")
    # Then "100%" finds only the first, and "_" (any one character as a wildcard) finds nothing
    assert _search(session, card, "100%").startswith("《充值满100%返现说明》")
    assert "没有找到" in _search(session, card, "_")
