"""The real HTTP clients against their simulators: answers, refusals and outages map to our errors."""

from __future__ import annotations

import pytest

from adapters.cardsystem.client import HttpCardSystem
from adapters.sms.client import HttpSms
from events.errors import PermanentError, TransientError
from tests.harness import Stack


def test_the_card_client_finds_holders_and_balances(stack: Stack) -> None:
    card = HttpCardSystem(f"{stack.simulator_url}/card/")
    holder = card.find_holder("20240002")
    assert holder is not None and (holder.name, holder.phone) == ("李四", "13800000002")
    assert card.balance_fen("20240002") == 5230
    assert card.find_holder("00000000") is None


def test_a_card_system_outage_is_transient(stack: Stack) -> None:
    card = HttpCardSystem(f"{stack.simulator_url}/card/")
    stack.card_faults(outage=True)
    try:
        with pytest.raises(TransientError):
            card.balance_fen("20240001")
    finally:
        stack.card_faults(outage=False)


def test_a_slow_card_system_times_out_as_transient(stack: Stack) -> None:
    card = HttpCardSystem(f"{stack.simulator_url}/card/", timeout=0.2)
    stack.card_faults(latency_ms=1000)
    try:
        with pytest.raises(TransientError, match="timed out"):
            card.find_holder("20240001")
    finally:
        stack.card_faults(latency_ms=0)


def test_the_sms_client_delivers_through_the_platform_to_the_sink(stack: Stack) -> None:
    sms = HttpSms(f"{stack.simulator_url}/sms/")
    before = len(stack.sms_to("13900000009"))
    sms.send("13900000009", "测试短信")
    assert stack.sms_to("13900000009")[before:] == ["测试短信"]


def test_the_sms_platform_refusing_a_number_is_permanent(stack: Stack) -> None:
    with pytest.raises(PermanentError):
        HttpSms(f"{stack.simulator_url}/sms/").send("not-a-phone", "x")
