"""充值 on the pages: the form, and the API that records the order and signs the pay request."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.wechatpay import signing
from pages.topup import PAGE_HEADER
from pages.web import TopupDeps
from store.tables import FeatureSwitch, MoneyOrder, MoneyOutbox
from tests.unit.fakes import FakeWeChatPay, merchant_key
from tests.unit.pages_client import PagesSite, pages_site
from workers.money.amounts import Limits


@pytest.fixture
def site() -> Iterator[PagesSite]:
    with pages_site() as running:
        running.deps.topup = TopupDeps(FakeWeChatPay(), Limits(), timedelta(minutes=15), lambda *_: None)
        running.bind("oA", "20240001")
        yield running


def _orders(site: PagesSite) -> list[tuple[str, int, str, str | None]]:
    with Session(site.engine) as s:
        return [(o.kind, o.amount_fen, o.status, outbox) for o, outbox in s.execute(
            select(MoneyOrder, MoneyOutbox.status).outerjoin(MoneyOutbox, MoneyOutbox.order_id == MoneyOrder.id))]


def test_the_form_offers_amounts_and_its_api_answers_a_pay_request(site: PagesSite) -> None:
    phone = site.signed_in("oA")
    page = phone.get(f"{site.url}/m/topup")
    assert page.status_code == 200 and 'data-amount="50"' in page.text
    answer = phone.post(f"{site.url}/m/api/topup", params={"amount": "50"}, headers={PAGE_HEADER: "1"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["amount"] == "50.00" and body["order_no"].startswith("W")
    assert set(body["pay"]) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert signing.verify_pay_sign(body["pay"], merchant_key().public_key())
    assert _orders(site) == [("wxtopup", 5000, "created", "pending")]  # order and outbox entry together


@pytest.mark.parametrize(("amount", "said"), [("abc", "无法识别"), ("0", "大于 0"), ("600", "单笔金额")])
def test_a_bad_amount_is_refused_and_records_nothing(site: PagesSite, amount: str, said: str) -> None:
    answer = site.signed_in("oA").post(f"{site.url}/m/api/topup", params={"amount": amount},
                                       headers={PAGE_HEADER: "1"})
    assert answer.status_code == 400 and said in answer.json()["error"] and "未发生任何扣款" in answer.json()["error"]
    assert _orders(site) == []


def test_a_post_not_from_our_page_or_without_a_session_is_refused(site: PagesSite) -> None:
    assert site.signed_in("oA").post(f"{site.url}/m/api/topup", params={"amount": "5"}).status_code == 403
    assert site.phone("oA").post(f"{site.url}/m/api/topup", params={"amount": "5"},
                                 headers={PAGE_HEADER: "1"}, allow_redirects=False).status_code == 401
    assert _orders(site) == []


@pytest.mark.parametrize(("status", "said"), [("lost", "您的校园卡已挂失，挂失期间不能充值或缴费"),
                                              ("frozen", "不能充值或缴费，未发生任何扣款。请联系校园卡服务中心")])
def test_a_card_reported_lost_or_frozen_is_refused_as_in_the_chat(site: PagesSite, status: str, said: str) -> None:
    site.card.holders["20240001"] = dataclasses.replace(site.card.holders["20240001"], status=status)
    answer = site.signed_in("oA").post(f"{site.url}/m/api/topup", params={"amount": "50"},
                                       headers={PAGE_HEADER: "1"})
    assert answer.status_code == 400 and said in answer.json()["error"]
    assert _orders(site) == []  # no order, no outbox entry, no JSAPI order


def test_a_paused_top_up_is_refused_with_the_offices_message(site: PagesSite) -> None:
    with Session(site.engine) as s, s.begin():
        s.add(FeatureSwitch(feature="topup", enabled=False, message="银行系统维护中，请明天再试。"))
    answer = site.signed_in("oA").post(f"{site.url}/m/api/topup", params={"amount": "50"},
                                       headers={PAGE_HEADER: "1"})
    assert (answer.status_code, answer.json()["error"]) == (503, "银行系统维护中，请明天再试。")  # the pages' own check
    assert _orders(site) == []
