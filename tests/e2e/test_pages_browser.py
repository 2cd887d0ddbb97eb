"""The pages inside WeChat in Chromium at 390 px: the authorization flow as a phone follows it, every
page with data and without, the charts drawn. Screenshots land in test-output/screenshots/pages-*.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy.orm import Session

from adapters.campusdata.port import Grade, Lesson
from adapters.wechat.oauth_simulator import OPENID_COOKIE
from pages.session import SESSION_COOKIE
from store.tables import Article
from tests.e2e.browser import chromium, screenshot
from tests.unit.fakes import local
from tests.unit.pages_client import PagesSite, pages_site

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def site() -> Iterator[PagesSite]:
    with pages_site(session_seconds=600) as site:
        site.now[0] = NOW
        site.bind("oA", "20240001")
        site.bind("oD", "20240004")
        site.bind("oB", "20240002")
        site.card.spend("20240002", local(2026, 10, 9, 12), -4321, merchant="李四专用餐厅")
        for day in range(1, 32):
            site.card.spend("20240001", local(2026, 10, day, 7, 20), -450 - day * 10)
            site.card.spend("20240001", local(2026, 10, day, 12, 5), -1300 - day * 7, "二食堂")
            if day % 2:
                site.card.spend("20240001", local(2026, 10, day, 18, 10), -1650, "三食堂")
            if day % 4 == 0:
                site.card.spend("20240001", local(2026, 10, day, 20, 0), -2890, "校园超市", "购物")
            if day % 5 == 0:
                site.card.spend("20240001", local(2026, 10, day, 21, 0), -500, "学生浴室", "洗浴")
        site.card.spend("20240001", local(2026, 10, 12, 9, 0), 20000, "银行圈存", "充值")
        for month in range(1, 10):
            for day in range(1, 25, 2):
                site.card.spend("20240001", local(2026, month, day, 12, 0), -1200 - month * 100, "一食堂")
        site.campus.lesson_rows["20240001"] = [
            Lesson(1, "08:00", "09:40", "高等数学", "教一101"), Lesson(2, "10:00", "11:40", "大学物理", "理科楼305"),
            Lesson(3, "08:00", "09:40", "大学英语", "外语楼203"), Lesson(4, "14:00", "15:40", "程序设计", "计算中心"),
            Lesson(5, "10:00", "11:40", "思想政治", "文科楼110")]
        site.campus.grade_rows["20240001"] = [
            Grade("2025-2026-1", "高等数学", "4", "92"), Grade("2025-2026-1", "大学英语", "2", "良好"),
            Grade("2025-2026-1", "军事理论", "1", "合格"), Grade("2024-2025-2", "线性代数", "3", "75")]
        yield site


@pytest.fixture(scope="module")
def phone(site: PagesSite) -> Iterator[webdriver.Chrome]:
    with chromium() as driver:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
        yield driver


def as_follower(driver: webdriver.Chrome, site: PagesSite, openid: str) -> None:
    """The simulated WeChat client signed in as `openid`, without a page session yet."""
    driver.get(f"{site.url}/m/static/pages.css")  # under /m/: its cookies are visible, so deleted
    driver.delete_all_cookies()
    driver.add_cookie({"name": OPENID_COOKIE, "value": openid, "path": "/"})


def shown(driver: webdriver.Chrome, css: str) -> str:
    return str(WebDriverWait(driver, 10).until(lambda d: d.find_element(By.CSS_SELECTOR, css)).text)


def test_the_first_visit_goes_through_wechat_and_lands_on_the_card(site: PagesSite, phone: webdriver.Chrome) -> None:
    as_follower(phone, site, "oA")
    phone.get(f"{site.url}/m/card")
    assert shown(phone, "#balance") == "100.00"
    assert phone.current_url.startswith(f"{site.url}/m/card")  # back where it started, through /wx and /m/auth
    cookie = phone.get_cookie(SESSION_COOKIE)
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert phone.execute_script("return document.documentElement.scrollWidth") <= 390
    screenshot(phone, "pages-1-card")
    phone.find_element(By.CSS_SELECTOR, "[data-say='充值 50']").click()
    assert "充值 50" in shown(phone, "#say-hint")


def test_a_returning_session_and_an_expired_one(site: PagesSite, phone: webdriver.Chrome) -> None:
    as_follower(phone, site, "oA")
    phone.get(f"{site.url}/m/card")
    session = phone.get_cookie(SESSION_COOKIE)
    phone.get(f"{site.url}/m/bill?month=2026-10")
    assert phone.get_cookie(SESSION_COOKIE) == session  # no second round trip
    site.now[0] = NOW + timedelta(seconds=601)
    try:
        phone.delete_cookie(OPENID_COOKIE)  # WeChat's simulated client now asks who you are: proof of a round trip
        phone.get(f"{site.url}/m/card")
        assert "/wx/connect/oauth2/authorize" in phone.current_url
        screenshot(phone, "pages-2-expired-session-asks-wechat")
    finally:
        site.now[0] = NOW


def stop_at_wechat(driver: webdriver.Chrome, site: PagesSite) -> str:
    """Open a page with no session while WeChat's client knows nobody: the trip stops at the authorize
    page (the simulator asks who you are). Returns the state our server put in the authorize URL."""
    driver.delete_cookie(SESSION_COOKIE)
    driver.delete_cookie(OPENID_COOKIE)
    driver.get(f"{site.url}/m/card")
    assert "/wx/connect/oauth2/authorize" in driver.current_url
    return str(parse_qs(urlsplit(driver.current_url).query)["state"][0])


def test_a_forged_state_and_a_reused_code_are_refused(site: PagesSite, phone: webdriver.Chrome) -> None:
    as_follower(phone, site, "oA")
    state = stop_at_wechat(phone, site)
    phone.get(f"{site.url}/m/auth?code={site.sim.issue('oA')}&state=forged")
    assert "登录校验未通过" in shown(phone, "#why") and phone.get_cookie(SESSION_COOKIE) is None
    screenshot(phone, "pages-3-forged-state")

    state = stop_at_wechat(phone, site)
    code = site.sim.issue("oA")
    phone.get(f"{site.url}/m/auth?code={code}&state={state}")
    assert shown(phone, "#balance") == "100.00"
    state = stop_at_wechat(phone, site)  # a fresh, valid state: only the code is stale
    phone.get(f"{site.url}/m/auth?code={code}&state={state}")
    assert "已被使用" in shown(phone, "#why") and phone.get_cookie(SESSION_COOKIE) is None
    screenshot(phone, "pages-3b-reused-code")


def test_another_holders_data_is_unreachable_by_any_url_or_parameter(site: PagesSite,
                                                                     phone: webdriver.Chrome) -> None:
    as_follower(phone, site, "oA")
    for path in ("/m/card?student_no=20240002", "/m/card?openid=oB", "/m/history?student_no=20240002&kind=餐饮",
                 "/m/history?merchant=李四专用餐厅&from=2026-10-01&to=2026-10-31", "/m/api/history?offset=0&openid=oB",
                 "/m/bill?month=2026-10&student_no=20240002", "/m/year-bill?year=2026&openid=oB",
                 "/m/auth?openid=oB", "/m/card/../card?openid=oB"):
        phone.get(site.url + path)
        page = phone.find_element(By.TAG_NAME, "body").text
        assert "李四" not in page and "43.21" not in page and "52.30" not in page, path
    phone.get(f"{site.url}/m/history?merchant=李四专用餐厅&from=2026-10-01&to=2026-10-31")
    assert shown(phone, "#count") == "共 0 笔"
    screenshot(phone, "pages-3c-another-holders-merchant-finds-nothing")


def test_every_page_renders_with_data(site: PagesSite, phone: webdriver.Chrome) -> None:
    as_follower(phone, site, "oA")
    phone.get(f"{site.url}/m/history")
    WebDriverWait(phone, 10).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#lines .line")) >= 20)
    total = int(shown(phone, "#count").split()[1])
    screenshot(phone, "pages-4-history")
    for _ in range(30):  # the endless list: scroll to the end, and wait for each page it loads
        shown_lines = len(phone.find_elements(By.CSS_SELECTOR, "#lines .line"))
        if shown_lines >= total:
            break
        phone.execute_script("window.scrollTo(0, document.body.scrollHeight)")

        def grown(d: webdriver.Chrome, before: int = shown_lines) -> bool:
            return len(d.find_elements(By.CSS_SELECTOR, "#lines .line")) > before

        WebDriverWait(phone, 10).until(grown)
    WebDriverWait(phone, 10).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#lines .line")) == total)
    assert shown(phone, "#loadmore") == "已全部显示"

    phone.get(f"{site.url}/m/history?kind=购物&from=2026-10-01&to=2026-10-31")
    assert shown(phone, "#count") == "共 7 笔"
    screenshot(phone, "pages-5-history-filtered")

    phone.get(f"{site.url}/m/bill?month=2026-10")
    WebDriverWait(phone, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#chart-timeline canvas"))
    assert phone.find_elements(By.CSS_SELECTOR, "#chart-categories canvas")
    assert "早起指数" in shown(phone, "#summary")
    screenshot(phone, "pages-6-month-bill")
    phone.execute_script("document.getElementById('chart-categories').scrollIntoView()")
    screenshot(phone, "pages-7-month-bill-charts")

    phone.get(f"{site.url}/m/year-bill?year=2026")
    WebDriverWait(phone, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#chart-timeline canvas"))
    screenshot(phone, "pages-8-year-bill")

    phone.get(f"{site.url}/m/timetable")
    assert len(phone.find_elements(By.CSS_SELECTOR, "#week .lesson")) == 5
    screenshot(phone, "pages-9-timetable")
    phone.get(f"{site.url}/m/grades")
    assert shown(phone, "#gpa") == "3.67"
    screenshot(phone, "pages-10-grades")


def test_every_page_renders_without_data(site: PagesSite, phone: webdriver.Chrome) -> None:
    as_follower(phone, site, "oD")
    phone.get(f"{site.url}/m/card")
    assert shown(phone, "#balance") == "0.00"
    for path, text in (("/m/history", "没有交易记录"), ("/m/bill?month=2026-10", "没有消费记录"),
                       ("/m/year-bill", "没有消费记录"), ("/m/timetable", "没有课"), ("/m/grades", "还没有成绩")):
        phone.get(site.url + path)
        assert text in shown(phone, "#empty"), path
    screenshot(phone, "pages-11-empty-month-bill")


def test_an_unbound_visitor_and_an_article(site: PagesSite, phone: webdriver.Chrome) -> None:
    as_follower(phone, site, "oStranger")
    phone.get(f"{site.url}/m/bill")
    assert "您还未绑定校园卡" in shown(phone, ".weui-msg__title")
    screenshot(phone, "pages-12-unbound")
    with Session(site.engine) as s:
        article = Article(kind="announcement", title="寒假期间食堂营业安排",
                          body="各位同学：\n寒假期间一食堂照常营业，二食堂1月20日起暂停营业。\n校园卡充值服务不受影响。",
                          status="pushed", published_at=NOW)
        s.add(article)
        s.commit()
        article_id = article.id
    phone.get(f"{site.url}/m/articles/{article_id}")
    assert shown(phone, "#title") == "寒假期间食堂营业安排"
    screenshot(phone, "pages-13-article")
