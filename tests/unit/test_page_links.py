"""Chat answers end with a link to their page: the bills, the statement, a pushed article."""

from __future__ import annotations

import dataclasses

from sqlalchemy.orm import Session

from events import commands as c
from events.notices import AccountTemplate, NoticeKind
from store.tables import Article
from tests.unit.fakes import NOW, FakeCardSystem, bind, local, ports, said, turn
from workers.delivery.broadcast.announcement import message_of, notice_of
from workers.delivery.templates import Choice, choose, render
from workers.topics import card as card_topic

WEB = "https://card.example.edu.cn"


def test_the_bills_link_to_their_charts(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    card.spend("20240001", local(2026, 10, 8, 12), -1500)
    used = dataclasses.replace(ports(card), web_url=WEB)
    month = turn(session, used)
    card_topic.month_bill(c.ShowBill(month="2026-10"), month)
    assert said(month).endswith(f'\n<a href="{WEB}/m/bill?month=2026-10">📊 看图表账单</a>')
    year = turn(session, used)
    card_topic.year_bill(c.ShowYearBill(year="2026"), year)
    assert said(year).endswith(f'<a href="{WEB}/m/year-bill?year=2026">📊 看图表年度账单</a>')


def test_the_statement_links_to_the_same_period_on_its_page(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    card.spend("20240001", local(2026, 10, 8, 12), -1500)
    used = dataclasses.replace(ports(card), web_url=WEB)
    t = turn(session, used)
    card_topic.history(c.ShowHistory(period="2026-10"), t)
    link = f'<a href="{WEB}/m/history?from=2026-10-01&to=2026-10-31">🧾 在页面中筛选、查看全部流水</a>'
    assert said(t).endswith(link)
    everything = turn(session, used)
    card_topic.history(c.ShowHistory(), everything)
    assert f'<a href="{WEB}/m/history">' in said(everything)


def test_without_a_web_url_no_link_is_added(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    t = turn(session, ports(card))
    card_topic.month_bill(c.ShowBill(month="2026-10"), t)
    assert "<a " not in said(t)


def test_a_pushed_article_links_to_its_page_by_message_and_by_template() -> None:
    article = Article(id=7, kind="news", title="新食堂开业", body="三食堂二楼今日开业。", status="published",
                      published_at=NOW)
    _title, text = message_of(article, WEB)
    assert text == f'【新闻：新食堂开业】\n三食堂二楼今日开业。\n<a href="{WEB}/m/articles/7">阅读全文</a>'
    notice = notice_of(article, WEB)
    assert notice.text == text and notice.link == "/m/articles/7"  # the template's 详情 link: WEB + link
    template = AccountTemplate("tpl-news", "通知公告", "通知标题:{{thing1.DATA}}\n发布时间:{{time2.DATA}}\n"
                                                       "通知内容:{{thing3.DATA}}")
    choice = choose(NoticeKind.ANNOUNCEMENT, [template])
    assert isinstance(choice, Choice)
    data = render(notice, choice)
    assert data == {"thing1": {"value": "新食堂开业"}, "time2": {"value": "2026-11-25 16:00"},
                    "thing3": {"value": "三食堂二楼今日开业。"}}
