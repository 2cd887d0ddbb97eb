"""Web authorization of the pages: only the holder bound to the openid WeChat vouched for sees anything."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from pages.app import PAGES
from pages.session import SESSION_COOKIE, Signer, safe_next, state_cookie
from tests.unit.fakes import local
from tests.unit.pages_client import APPID, SECRET_KEY, PagesSite, pages_site


@pytest.fixture(scope="module")
def site() -> Iterator[PagesSite]:
    with pages_site(session_seconds=600) as site:
        site.bind("oA", "20240001")
        site.bind("oB", "20240002")
        site.card.spend("20240002", local(2026, 10, 8, 12), -4321, merchant="李四专用餐厅")
        yield site


def test_a_first_visit_goes_to_wechat_with_snsapi_base_and_comes_back_signed_in(site: PagesSite) -> None:
    me = site.phone("oA")
    first = me.get(f"{site.url}/m/card?x=1", allow_redirects=False)
    assert first.status_code == 302
    target = urlsplit(first.headers["location"])
    assert first.headers["location"].startswith(f"{site.wechat}connect/oauth2/authorize?")
    assert target.fragment == "wechat_redirect"
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["appid"] == APPID and query["scope"] == "snsapi_base" and query["response_type"] == "code"
    assert query["redirect_uri"] == f"{site.url}/m/auth" and query["state"]
    back = me.get(first.headers["location"], allow_redirects=False).headers["location"]
    signed_in = me.get(back, allow_redirects=False)
    assert signed_in.status_code == 302 and signed_in.headers["location"] == "/m/card?x=1"
    cookie = signed_in.headers["set-cookie"]
    assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = me.get(f"{site.url}/m/card")
    assert page.status_code == 200 and "100.00" in page.text and "张三" in page.text


def test_a_returning_session_is_not_sent_to_wechat_again(site: PagesSite) -> None:
    me = site.phone("oA")
    assert me.get(f"{site.url}/m/card").status_code == 200
    again = me.get(f"{site.url}/m/history", allow_redirects=False)
    assert again.status_code == 200 and "共" in again.text


def test_an_expired_session_goes_through_wechat_again(site: PagesSite) -> None:
    me = site.phone("oA")
    assert me.get(f"{site.url}/m/card").status_code == 200
    start = site.now[0]
    try:
        site.now[0] = start + timedelta(seconds=601)
        expired = me.get(f"{site.url}/m/card", allow_redirects=False)
        assert expired.status_code == 302 and expired.headers["location"].startswith(site.wechat)
        again = me.get(f"{site.url}/m/card")
        assert again.status_code == 200 and "张三" in again.text and len(again.history) == 3
    finally:
        site.now[0] = start


def test_a_forged_state_is_refused_and_signs_nobody_in(site: PagesSite) -> None:
    """Login CSRF: an attacker's own code and state, sent to a victim, must not sign the victim in."""
    attacker = site.phone("oB")
    authorize = attacker.get(f"{site.url}/m/card", allow_redirects=False).headers["location"]
    back = attacker.get(authorize, allow_redirects=False).headers["location"]
    victim = site.phone("oA")
    victim.get(f"{site.url}/m/card", allow_redirects=False)  # the victim has a state of their own
    refused = victim.get(back, allow_redirects=False)
    assert refused.status_code == 403 and "登录校验未通过" in refused.text
    assert SESSION_COOKIE not in victim.cookies
    code = parse_qs(urlsplit(back).query)["code"][0]
    made_up = victim.get(f"{site.url}/m/auth?code={code}&state=made-up", allow_redirects=False)
    assert made_up.status_code == 403 and SESSION_COOKIE not in victim.cookies


def test_two_pages_opened_at_once_both_come_back_signed_in(site: PagesSite) -> None:
    me = site.phone("oA")
    first = me.get(f"{site.url}/m/bill", allow_redirects=False).headers["location"]
    second = me.get(f"{site.url}/m/history", allow_redirects=False).headers["location"]
    for authorize, page in ((second, "/m/history"), (first, "/m/bill")):
        back = me.get(authorize, allow_redirects=False).headers["location"]
        signed_in = me.get(back, allow_redirects=False)
        assert signed_in.status_code == 302 and signed_in.headers["location"] == page
    assert not [c for c in me.cookies if c.name.startswith("onecard_m_state_")]  # each trip cleans up


def test_a_code_works_once(site: PagesSite) -> None:
    me = site.phone("oA")
    authorize = me.get(f"{site.url}/m/card", allow_redirects=False).headers["location"]
    back = me.get(authorize, allow_redirects=False).headers["location"]
    assert me.get(back, allow_redirects=False).status_code == 302
    state = parse_qs(urlsplit(back).query)["state"][0]
    # The same code again, even with a matching state cookie: WeChat answers 40163 and we refuse.
    again = site.phone("oA")
    again.cookies.set(state_cookie(state), Signer.from_secret(SECRET_KEY).sign(
        state, "/m/card", expires=int(site.now[0].timestamp()) + 300), path="/m/")
    reused = again.get(back, allow_redirects=False)
    assert reused.status_code == 403 and "已被使用" in reused.text
    assert SESSION_COOKIE not in again.cookies


def test_an_unbound_visitor_is_led_to_binding(site: PagesSite) -> None:
    page = site.phone("oNew").get(f"{site.url}/m/card")
    assert page.status_code == 200 and "绑定 学号" in page.text and "100.00" not in page.text


@pytest.mark.parametrize("path", [
    "/m/card?student_no=20240002", "/m/card?openid=oB", "/m/history?student_no=20240002&kind=餐饮",
    "/m/api/history?offset=0&openid=oB", "/m/bill?month=2026-10&student_no=20240002",
    "/m/year-bill?year=2026&openid=oB",
])
def test_no_url_or_parameter_reaches_another_holders_data(site: PagesSite, path: str) -> None:
    page = site.signed_in("oA").get(site.url + path)
    assert page.status_code == 200
    assert "李四" not in page.text and "43.21" not in page.text and "52.30" not in page.text


def test_a_session_cookie_cannot_be_forged_or_stretched(site: PagesSite) -> None:
    me = site.phone("oA")
    forged = Signer.from_secret("not-our-key").sign("oB", expires=4_000_000_000)
    me.cookies.set(SESSION_COOKIE, forged, path="/m/")
    assert me.get(f"{site.url}/m/card", allow_redirects=False).status_code == 302
    body, _, mac = Signer.from_secret(SECRET_KEY).sign("oB", expires=int(site.now[0].timestamp()) + 5).rpartition(".")
    stretched = body.rsplit(".", 1)[0] + ".4100000000." + mac
    me.cookies.set(SESSION_COOKIE, stretched, path="/m/")
    assert me.get(f"{site.url}/m/card", allow_redirects=False).status_code == 302


def test_the_script_endpoints_answer_401_without_a_session(site: PagesSite) -> None:
    assert site.phone("oA").get(f"{site.url}/m/api/history?offset=20").status_code == 401


def test_every_page_is_behind_authorization(site: PagesSite) -> None:
    for page in PAGES:
        answer = site.phone("oA").request(page.methods[0], f"{site.url}/m{page.path}", allow_redirects=False)
        assert answer.status_code == (401 if page.api else 302), page.path


def test_the_pages_root_is_the_card(site: PagesSite) -> None:
    answer = site.phone("oA").get(f"{site.url}/m/", allow_redirects=False)
    assert answer.status_code == 302 and answer.headers["location"] == "/m/card"


def test_only_our_own_pages_are_returned_to() -> None:
    assert safe_next("/m/bill?month=2026-10") == "/m/bill?month=2026-10"
    for bad in ("https://evil.example/", "//evil.example/m/", "/admin/", "/m\\..", None):
        assert safe_next(bad) == "/m/card"
