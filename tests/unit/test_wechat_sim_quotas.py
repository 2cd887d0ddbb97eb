"""The WeChat simulator's quota book keeps WeChat's table: who may be sent how much, for how long."""

from __future__ import annotations

import pytest

from adapters.wechat.sim_grants import GrantBook, callback_key, scenario_of


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def book(clock: Clock) -> GrantBook:
    return GrantBook(clock)


@pytest.mark.parametrize(("callback", "scenario"), [
    ({"MsgType": "text"}, "message"),
    ({"MsgType": "image"}, "message"),
    ({"MsgType": "location"}, "message"),
    ({"MsgType": "file"}, "message"),
    ({"MsgType": "miniprogrampage"}, "message"),
    ({}, None),
    ({"MsgType": "event", "Event": "CLICK", "EventKey": "BALANCE"}, "click"),
    ({"MsgType": "event", "Event": "scancode_push"}, "click"),
    ({"MsgType": "event", "Event": "scancode_waitmsg"}, "click"),
    ({"MsgType": "event", "Event": "subscribe"}, "follow"),
    ({"MsgType": "event", "Event": "subscribe", "EventKey": "qrscene_123"}, "scan"),
    ({"MsgType": "event", "Event": "SCAN", "EventKey": "123"}, "scan"),
    ({"MsgType": "event", "Event": "VIEW", "EventKey": "https://example.edu.cn"}, None),
    ({"MsgType": "event", "Event": "LOCATION"}, None),
    ({"MsgType": "event", "Event": "TEMPLATESENDJOBFINISH"}, None),
    ({"MsgType": "event", "Event": "MASSSENDJOBFINISH"}, None),
    ({"MsgType": "event", "Event": "unsubscribe"}, None),
])
def test_each_callback_falls_under_its_row_of_wechats_table(callback: dict[str, str], scenario: str | None) -> None:
    assert scenario_of(callback) == scenario


def test_with_no_grant_a_send_is_refused_45015(book: GrantBook) -> None:
    assert book.consume("oA") == 45015


def test_a_message_allows_five_sends_then_45047(book: GrantBook) -> None:
    book.grant("oA", "message")
    assert [book.consume("oA") for _ in range(6)] == [0, 0, 0, 0, 0, 45047]


def test_a_message_grant_lasts_48_hours(book: GrantBook, clock: Clock) -> None:
    book.grant("oA", "message")
    clock.now += 48 * 3600 - 1
    assert book.consume("oA") == 0
    clock.now += 1
    assert book.consume("oA") == 45015


def test_a_click_allows_three_within_one_minute(book: GrantBook, clock: Clock) -> None:
    book.grant("oA", "click")
    assert [book.consume("oA") for _ in range(4)] == [0, 0, 0, 45047]
    book.grant("oB", "click", at=clock.now - 60)
    assert book.consume("oB") == 45015


def test_a_send_takes_from_the_grant_that_expires_first(book: GrantBook, clock: Clock) -> None:
    book.grant("oA", "message", at=clock.now - 3600)
    book.grant("oA", "click")
    assert book.consume("oA") == 0
    click, message = sorted(book.of("oA"), key=lambda g: g["expires_at"])
    assert (click["scenario"], click["used"], message["used"]) == ("click", 1, 0)


def test_wechats_resends_of_one_callback_grant_once(book: GrantBook) -> None:
    text = {"FromUserName": "oA", "MsgType": "text", "MsgId": "6054768590064713728", "CreateTime": "1"}
    for _ in range(4):
        book.grant("oA", "message", key=callback_key(text))
    assert len(book.of("oA")) == 1
    other = {**text, "FromUserName": "oB"}  # MsgId alone has collided across users
    assert callback_key(other) != callback_key(text)


def test_two_clicks_in_one_second_are_two_grants(book: GrantBook) -> None:
    first = {"FromUserName": "oA", "MsgType": "event", "Event": "CLICK", "EventKey": "BALANCE", "CreateTime": "1"}
    book.grant("oA", "click", key=callback_key(first))
    book.grant("oA", "click", key=callback_key({**first, "EventKey": "BILLS"}))
    assert len(book.of("oA")) == 2


def test_a_payment_allows_any_number_for_48_hours(book: GrantBook, clock: Clock) -> None:
    book.grant("oA", "payment")
    assert all(book.consume("oA") == 0 for _ in range(50))
    assert book.of("oA")[0]["allowed"] is None
    clock.now += 48 * 3600
    assert book.consume("oA") == 45015


def test_unfollowing_ends_every_grant_and_following_again_starts_anew(book: GrantBook) -> None:
    book.grant("oA", "message")
    book.unsubscribed("oA")
    assert (book.consume("oA"), book.follows("oA")) == (45015, False)
    book.grant("oA", "follow")
    assert (book.consume("oA"), book.follows("oA")) == (0, True)


def test_ageing_moves_grants_into_the_past_and_relaxes_nothing(book: GrantBook) -> None:
    book.grant("oA", "message")
    assert book.age("oA", 47 * 3600) == 1
    assert book.consume("oA") == 0
    book.age("oA", 3600)
    assert book.consume("oA") == 45015
