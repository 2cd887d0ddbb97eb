"""The pages inside WeChat with data and without, their filters, and the numbers the chat answers give."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy.orm import Session

from events import commands as c
from store.tables import FeatureSwitch
from tests.unit.fakes import bind, local, ports, said, turn
from tests.unit.pages_client import PagesSite, pages_site
from workers.topics import card as card_topic

#: The pages' "now" in these tests: Wednesday 25 November 2026, 16:00 in Shanghai.
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def site() -> Iterator[PagesSite]:
    with pages_site() as site:
        site.now[0] = NOW
        site.bind("oA", "20240001")  # a statement below
        site.bind("oD", "20240004")  # a new holder: nothing yet, balance 0
        for day in range(1, 31):  # October: breakfast, lunch; a shop visit every third day
            site.card.spend("20240001", local(2026, 10, day, 7, 30), -450)
            site.card.spend("20240001", local(2026, 10, day, 12, 0), -1500, "二食堂")
            if day % 3 == 0:
                site.card.spend("20240001", local(2026, 10, day, 19, 0), -2380, "校园超市", "购物")
        site.card.spend("20240001", local(2026, 10, 15, 9, 0), 20000, "银行圈存", "充值")
        for day in range(1, 20):  # September, to compare with
            site.card.spend("20240001", local(2026, 9, day, 12, 0), -1500, "二食堂")
        yield site


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_card_page_shows_balance_status_and_quick_actions(site: PagesSite) -> None:
    page = site.signed_in("oA").get(f"{site.url}/m/card").text
    assert "100.00" in page and "61****0001" in page and "正常" in page
    for action in ("充值", "挂失", "/m/history", "/m/bill"):
        assert action in page


def test_a_new_holder_sees_a_zero_balance_and_empty_lists(site: PagesSite) -> None:
    me = site.signed_in("oD")
    assert "0.00" in me.get(f"{site.url}/m/card").text
    history = me.get(f"{site.url}/m/history").text
    assert "共 0 笔" in text(history) and "没有交易记录" in history
    bill = me.get(f"{site.url}/m/bill?month=2026-10").text
    assert "2026年10月没有消费记录" in text(bill) and "echarts" not in bill


def test_the_statement_is_filtered_by_kind_merchant_and_dates(site: PagesSite) -> None:
    me = site.signed_in("oA")
    shops = text(me.get(f"{site.url}/m/history", params={"kind": "购物"}).text)
    assert "共 10 笔（最近一年）" in shops and "二食堂" not in shops and "-23.80" in shops
    canteen = text(me.get(f"{site.url}/m/history", params={"merchant": "二食", "from": "2026-10-01",
                                                              "to": "2026-10-02"}).text)
    assert "共 2 笔" in canteen and "10-02 12:00" in canteen and "10-01 12:00" in canteen
    bad = me.get(f"{site.url}/m/history", params={"from": "10月1日"})
    assert "日期格式应为" in bad.text and bad.status_code == 200
    assert "没有这种交易类型" in me.get(f"{site.url}/m/history", params={"kind": "赌博"}).text


def test_the_statement_goes_on_as_the_holder_scrolls(site: PagesSite) -> None:
    me = site.signed_in("oA")
    page = me.get(f"{site.url}/m/history", params={"from": "2026-10-01", "to": "2026-10-31"}).text
    assert "共 71 笔" in text(page) and 'data-shown="20"' in page
    more = re.search(r'data-more="([^"]+)"', page)
    assert more is not None
    url = site.url + more.group(1).replace("&amp;", "&")
    seen = 20
    while True:
        body = me.get(url, params={"offset": seen}).json()
        seen += len(body["rows"])
        if body["done"]:
            break
    assert seen == 71 and body["total"] == 71
    assert me.get(url, params={"offset": "x"}).status_code == 400


def test_the_month_bill_page_agrees_with_the_chat_answer(site: PagesSite, session: Session) -> None:
    bind(session, site.card)
    t = turn(session, ports(site.card), at=NOW)
    card_topic.month_bill(c.ShowBill(month="2026-10"), t)
    chat = said(t)
    html = site.signed_in("oA").get(f"{site.url}/m/bill?month=2026-10").text
    page = text(html)
    spent, count, topped = _found(r"消费 ([\d.]+) 元，共 (\d+) 笔；充值 ([\d.]+) 元", chat).groups()
    assert f"消费 {spent} 元" in page and f"共 {count} 笔" in page and f"充值 {topped} 元" in page
    trend = _found(r"比上月(.+)", chat).group(1)
    assert f"比上月{trend}" in page
    early = _found(r"8点前吃早餐 (\d+) 次", chat).group(1)
    assert f"8点前吃早餐 {early} 次" in page
    assert "二食堂" in page and 'id="chart-categories"' in html and "/assets/echarts.min.js" in html
    assert '["10-31", 0]' in html  # every day of the month is on the chart, quiet ones too


def _found(pattern: str, text: str) -> re.Match[str]:
    found = re.search(pattern, text)
    assert found, (pattern, text)
    return found


def test_the_year_bill_page_agrees_with_the_chat_answer(site: PagesSite, session: Session) -> None:
    bind(session, site.card)
    t = turn(session, ports(site.card), at=NOW)
    card_topic.year_bill(c.ShowYearBill(year="2026"), t)
    spent, count = _found(r"消费 ([\d.]+) 元，共 (\d+) 笔", said(t)).groups()
    page = text(site.signed_in("oA").get(f"{site.url}/m/year-bill?year=2026").text)
    assert f"消费 {spent} 元" in page and f"共 {count} 笔" in page and "消费最多的月份：10月" in page


def test_bad_periods_are_explained(site: PagesSite) -> None:
    me = site.signed_in("oA")
    bad = me.get(f"{site.url}/m/bill?month=2026-13")
    assert bad.status_code == 400 and "月份格式应为" in bad.text
    assert "年份格式应为" in me.get(f"{site.url}/m/year-bill?year=26").text


def test_a_switched_off_function_says_so_on_its_page(site: PagesSite) -> None:
    with Session(site.engine) as s:
        s.add(FeatureSwitch(feature="bill", enabled=False, message="账单功能维护中，明天恢复。"))
        s.commit()
    try:
        me = site.signed_in("oA")
        assert "账单功能维护中" in me.get(f"{site.url}/m/bill").text
        assert "账单功能维护中" in me.get(f"{site.url}/m/year-bill").text
        assert "100.00" in me.get(f"{site.url}/m/card").text
    finally:
        with Session(site.engine) as s:
            s.delete(s.get(FeatureSwitch, "bill"))
            s.commit()


def test_the_month_navigation_stops_at_this_month(site: PagesSite) -> None:
    me = site.signed_in("oA")
    now_page = me.get(f"{site.url}/m/bill?month=2026-11").text
    assert 'id="after"' not in now_page and "month=2026-10" in now_page
    assert 'id="after"' in me.get(f"{site.url}/m/bill?month=2026-10").text
    assert NOW - timedelta(days=1) < NOW  # the pages' clock is the one fixed above


def test_the_timetable_is_a_week_grid_and_says_when_there_is_none(site: PagesSite) -> None:
    from adapters.campusdata.port import Lesson

    site.campus.lesson_rows["20240001"] = [Lesson(1, "08:00", "09:40", "高等数学", "教一101"),
                                           Lesson(3, "08:00", "09:40", "大学英语", "外语楼203"),
                                           Lesson(3, "14:00", "15:40", "程序设计", "计算中心")]
    grid = site.signed_in("oA").get(f"{site.url}/m/timetable").text
    assert grid.count('class="lesson"') == 3 and "周三" in grid and "外语楼203" in grid
    assert grid.index("08:00") < grid.index("14:00")
    assert "本学期没有课" in site.signed_in("oD").get(f"{site.url}/m/timetable").text


def test_grades_show_by_term_with_credits_and_gpa(site: PagesSite) -> None:
    from adapters.campusdata.port import Grade

    site.campus.grade_rows["20240001"] = [Grade("2025-2026-1", "高等数学", "4", "92"),
                                          Grade("2025-2026-1", "大学英语", "2", "良好"),
                                          Grade("2025-2026-1", "军事理论", "1", "合格"),
                                          Grade("2024-2025-2", "线性代数", "3", "75")]
    me = site.signed_in("oA")
    latest = text(me.get(f"{site.url}/m/grades").text)
    assert "2025-2026-1 学期 GPA 3.67" in latest and "学分 7" in latest  # (4×4 + 3×2) / 6
    assert "全部学期 GPA 3.11" in latest  # (4×4 + 3×2 + 2×3) / 9
    older = text(me.get(f"{site.url}/m/grades", params={"term": "2024-2025-2"}).text)
    assert "2024-2025-2 学期 GPA 2.00" in older and "线性代数" in older and "高等数学" not in older
    assert "还没有成绩" in site.signed_in("oD").get(f"{site.url}/m/grades").text


def test_a_published_article_is_a_public_page_and_a_draft_is_not(site: PagesSite) -> None:
    from store.tables import Article

    with Session(site.engine) as s:
        shown = Article(kind="announcement", title="寒假食堂安排", body="一食堂照常营业。\n二食堂1月20日起暂停。",
                        status="pushed", published_at=NOW)
        draft = Article(kind="news", title="草稿", body="还没写完", status="draft")
        s.add_all([shown, draft])
        s.commit()
        ids = shown.id, draft.id
    page = site.phone("oAnyone").get(f"{site.url}/m/articles/{ids[0]}", allow_redirects=False)
    assert page.status_code == 200 and "寒假食堂安排" in page.text and "二食堂1月20日起暂停" in page.text
    assert "公告" in page.text
    for missing in (ids[1], 999999, "x"):
        assert site.phone("oAnyone").get(f"{site.url}/m/articles/{missing}").status_code == 404


def test_a_card_system_outage_is_explained_not_a_server_error(site: PagesSite,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from events.errors import TransientError

    def down(*_args: object, **_kwargs: object) -> None:
        raise TransientError("card system unreachable")

    me = site.signed_in("oA")
    monkeypatch.setattr(site.card, "balance_fen", down)
    monkeypatch.setattr(site.card, "transactions", down)
    page = me.get(f"{site.url}/m/card")
    assert page.status_code == 503 and "校园卡系统暂时无法访问" in page.text
    assert me.get(f"{site.url}/m/api/history?offset=20").json() == {"error": "校园卡系统暂时无法访问，请稍后再试。"}


def test_our_scripts_are_cached_for_a_year_under_a_name_that_changes_with_them(site: PagesSite) -> None:
    page = site.signed_in("oA").get(f"{site.url}/m/card").text
    found = re.search(r'src="(/m/static/pages\.js\?v=[0-9a-f]{10})"', page)
    assert found is not None
    script = requests.get(site.url + found.group(1))
    assert script.status_code == 200 and script.headers["cache-control"] == "public, max-age=31536000"
