"""Which of the user's moves give WeChat's customer-service grants (../shared/WECHAT.md's table)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from events.wechat_grants import GRANTS, Scenario, scenario_of


@pytest.mark.parametrize(("msg_type", "event", "key", "scenario"), [
    ("text", None, None, Scenario.MESSAGE), ("image", None, None, Scenario.MESSAGE),
    ("voice", None, None, Scenario.MESSAGE), ("location", None, None, Scenario.MESSAGE),
    ("event", "CLICK", "BALANCE", Scenario.CLICK), ("event", "scancode_push", "x", Scenario.CLICK),
    ("event", "subscribe", None, Scenario.FOLLOW), ("event", "subscribe", "qrscene_123", Scenario.SCAN),
    ("event", "SCAN", "123", Scenario.SCAN),
    ("event", "VIEW", "https://example.edu", None), ("event", "TEMPLATESENDJOBFINISH", None, None),
    ("event", "LOCATION", None, None), ("event", "unsubscribe", None, None),
    ("event", "MASSSENDJOBFINISH", None, None),
])
def test_each_move_gives_its_grant(msg_type: str, event: str | None, key: str | None,
                                   scenario: Scenario | None) -> None:
    assert scenario_of(msg_type, event, key) is scenario


def test_the_quotas_are_wechats() -> None:
    assert (GRANTS[Scenario.MESSAGE].allowed, GRANTS[Scenario.MESSAGE].lasts) == (5, timedelta(hours=48))
    assert (GRANTS[Scenario.CLICK].allowed, GRANTS[Scenario.CLICK].lasts) == (3, timedelta(minutes=1))
    assert GRANTS[Scenario.PAYMENT].allowed is None
    assert GRANTS[Scenario.CLICK].margin == timedelta(seconds=5)
    assert GRANTS[Scenario.MESSAGE].margin == timedelta(hours=1)
