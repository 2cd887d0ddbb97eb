"""Every read a query handler makes is one it declared (`@reads_ahead`): asked ahead, the turn then
runs on the answers without waiting on the card system or the data store inside its transaction."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import pytest
from sqlalchemy.orm import Session

from adapters.campusdata.port import CampusData
from adapters.cardsystem.port import CardSystem
from events.messages import InboundMessage
from events.routing import route
from events.topics import READ_AHEAD_TOPICS
from tests.unit.fakes import NOW, FakeCampus, FakeCardSystem, bind, ports, turn
from workers.runtime import reads
from workers.topics import all_handlers as handlers

ME = "20240001"

#: What users send to the query topic: every command whose handler reads outside, with its variants.
ASKED = ["余额", "卡信息", "流水", "流水 今天", "流水 上月", "流水 2026-10", "更多", "账单", "账单 本月", "年度账单",
         "年度账单 2025", "课表", "课表 明天", "课表 本周", "成绩", "成绩 2024-2025-1", "会议", "借阅", "存包柜"]
#: What the conversation keeps after a first page of `流水 上月` (what "更多" continues from).
LAST_MONTH_PAGE = {"offset": 8, "label": "上月", "since": "2026-09-30T16:00:00+00:00",
                   "until": "2026-10-31T16:00:00+00:00"}


class _Unasked:
    """A port that fails any read it is asked: the handler needed something not declared."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, method: str) -> Any:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError(f"{self._name}.{method}{args}{kwargs} was read but not declared")

        return refuse


@pytest.mark.parametrize("text", ASKED)
def test_a_query_handler_reads_only_what_it_declared(session: Session, card: FakeCardSystem, text: str) -> None:
    registered = handlers()  # imports the topic modules, which declare their reads
    routed = route(InboundMessage("gh", "oA", 0, "text", content=text))
    assert routed is not None and routed.topic in READ_AHEAD_TOPICS
    declare = reads.declarations().get(type(routed.command))
    assert declare is not None, f"{type(routed.command).__name__} declares no reads"
    bind(session, card, student_no=ME)
    campus = FakeCampus()
    remembered = {"history": LAST_MONTH_PAGE}
    asked = reads.declared(declare, routed.command, ME, NOW, remembered.get)
    assert asked.card or asked.campus

    answers = {port: {k: getattr(real, k[0])(*k[1], **dict(k[2])) for k in keys}
               for port, real, keys in (("card", card, asked.card), ("campus", campus, asked.campus))}
    used = dataclasses.replace(ports(card, campus=campus),
                               card=reads.cached_card(cast(CardSystem, _Unasked("card")), answers["card"]),
                               campus=reads.cached_campus(cast(CampusData, _Unasked("campus")), answers["campus"]))
    t = turn(session, used)
    t.remember("history", LAST_MONTH_PAGE)
    registered[type(routed.command)](routed.command, t)
    assert t.outgoing, "the handler answered"


def test_a_read_nobody_declared_is_asked_once_and_kept(card: FakeCardSystem) -> None:
    calls: list[str] = []

    class Counting(FakeCardSystem):
        def balance_fen(self, student_no: str) -> int:
            calls.append(student_no)
            return super().balance_fen(student_no)

    cached = reads.cached_card(cast(CardSystem, Counting()))
    assert cached.balance_fen(ME) == cached.balance_fen(ME)
    assert calls == [ME]
