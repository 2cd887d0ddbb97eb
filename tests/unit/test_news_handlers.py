"""News and announcements pulled: the latest, by keyword, and an operator's keyword bringing its article."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from events.routing import route_text
from store.tables import Article
from tests.unit.fakes import NOW, FakeCardSystem, ports, said, turn
from workers.topics import all_handlers, news


def _article(session: Session, kind: str, title: str, keywords: str | None = None, *, age_hours: int = 0,
             status: str = "pushed") -> None:
    at = NOW - timedelta(hours=age_hours)
    session.add(Article(kind=kind, title=title, body=f"{title}的正文。", keywords=keywords, status=status,
                        created_at=at, published_at=at))
    session.flush()


def _send(session: Session, card: FakeCardSystem, text: str) -> str:
    t = turn(session, ports(card))
    command = route_text(text).command
    all_handlers()[type(command)](command, t)
    return said(t)


def test_news_and_announcements_list_the_latest_of_their_kind(session: Session, card: FakeCardSystem) -> None:
    _article(session, "news", "校运会开幕", age_hours=3)
    _article(session, "news", "图书馆延长开放", age_hours=1)
    _article(session, "news", "草稿不显示", status="draft")
    _article(session, "announcement", "停水通知", age_hours=2)
    news = _send(session, card, "新闻")
    assert news.splitlines()[0] == "最新新闻："
    assert news.index("图书馆延长开放") < news.index("校运会开幕") and "停水" not in news and "草稿" not in news
    assert "停水通知" in _send(session, card, "公告") and "校运会" not in _send(session, card, "公告")


def test_a_keyword_finds_one_article_in_full(session: Session, card: FakeCardSystem) -> None:
    _article(session, "news", "校运会开幕", "运动会")
    _article(session, "news", "图书馆延长开放")
    assert _send(session, card, "新闻 运动会") == "《校运会开幕》\n校运会开幕的正文。"
    assert _send(session, card, "新闻 食堂") == "没有找到与“食堂”相关的新闻。"


def test_the_keyword_an_operator_set_brings_the_article_back_when_sent_alone(session: Session,
                                                                           card: FakeCardSystem) -> None:
    _article(session, "announcement", "寒假校园卡服务安排", "寒假, 放假安排")
    assert _send(session, card, "寒假") == "《寒假校园卡服务安排》\n寒假校园卡服务安排的正文。"
    assert _send(session, card, "放假安排").startswith("《寒假校园卡服务安排》")
    assert _send(session, card, "寒").startswith("没看懂“寒”")


def test_nothing_published_yet_says_so(session: Session, card: FakeCardSystem) -> None:
    assert _send(session, card, "公告") == "暂时还没有公告。"


def test_a_keyword_matching_several_lists_them_newest_first(session: Session, card: FakeCardSystem) -> None:
    _article(session, "news", "食堂新窗口开张", age_hours=2)
    _article(session, "news", "食堂延长营业", age_hours=1)
    answer = _send(session, card, "新闻 食堂").splitlines()
    assert answer[0] == "与“食堂”相关的新闻："
    assert answer[1].startswith("· 食堂延长营业（") and answer[2].startswith("· 食堂新窗口开张（")
    assert answer[-1] == "发送“新闻 标题”查看全文。"


def test_an_exact_title_opens_the_article_even_when_others_match(session: Session, card: FakeCardSystem) -> None:
    _article(session, "news", "食堂", age_hours=1)
    _article(session, "news", "食堂延长营业", age_hours=2)
    assert _send(session, card, "新闻 食堂") == "《食堂》\n食堂的正文。"


def test_at_most_the_five_latest_are_listed(session: Session, card: FakeCardSystem) -> None:
    for n in range(news.LATEST + 2):
        _article(session, "news", f"第{n}条", age_hours=n)
    lines = _send(session, card, "新闻").splitlines()
    assert len(lines) == 1 + news.LATEST + 1 and "第0条" in lines[1] and "第5条" not in "".join(lines)


def test_keywords_are_split_on_any_separator_and_compared_in_lower_case() -> None:
    article = Article(kind="news", title="t", body="b", keywords="寒假, 放假安排；Holiday/校历、 假期")
    assert news.keywords_of(article) == {"寒假", "放假安排", "holiday", "校历", "假期"}
    assert news.keywords_of(Article(kind="news", title="t", body="b", keywords=None)) == set()


def test_find_by_keyword_wants_a_whole_keyword_of_a_visible_article(session: Session) -> None:
    _article(session, "news", "旧的寒假安排", "寒假", age_hours=5)
    _article(session, "announcement", "新的寒假安排", "寒假, Holiday", age_hours=1)
    _article(session, "news", "草稿", "寒假", status="draft")
    found = news.find_by_keyword(session, " 寒假 ")
    assert found is not None and found.title == "新的寒假安排"
    holiday = news.find_by_keyword(session, "HOLIDAY")  # keywords are compared in lower case, on any database
    assert holiday is not None and holiday.title == "新的寒假安排"
    assert news.find_by_keyword(session, "寒") is None
    assert news.find_by_keyword(session, "  ") is None
