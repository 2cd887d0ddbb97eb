"""Fees the school sets: what is due is shown first, and a wrong amount is refused before money moves."""

from __future__ import annotations

import dataclasses
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.fees.port import Due, FeeSystems
from adapters.fees.simulator import FeeSimulator
from events import commands as c
from store.tables import Binding, MoneyOrder
from tests.unit.fakes import FakeCardSystem, bind, ports, said, turn
from workers.topics import topup


class SimulatedFees:
    """The fee simulator's bills, as the HTTP client would read them (handlers ask nothing else)."""

    def __init__(self) -> None:
        self.sim = FeeSimulator()

    def due(self, kind: str, student_no: str) -> list[Due]:
        return [Due(d["target"], d["label"], d["amount_fen"]) for d in self.sim.due(kind, student_no)]


def _pay(session: Session, card: FakeCardSystem, kind: str, args: str = "", student_no: str = "20240001",
         fees: SimulatedFees | None = None) -> tuple[str, list[MoneyOrder]]:
    openid = f"o{student_no}"
    if session.get(Binding, openid) is None:
        bind(session, card, openid=openid, student_no=student_no)
    t = turn(session, dataclasses.replace(ports(card), fees=cast(FeeSystems, fees or SimulatedFees())), openid=openid)
    topup.start_payment(c.StartPayment(kind, args), t)
    session.flush()
    return said(t), list(session.execute(select(MoneyOrder).where(MoneyOrder.openid == openid)).scalars())


def test_library_fines_are_listed_with_their_total_and_offered(session: Session, card: FakeCardSystem) -> None:
    text, orders = _pay(session, card, "library")
    assert text.startswith("您有 2 笔图书欠费，共 3.50 元：\n· 《数据结构》逾期 5 天 2.50 元\n"
                           "· 《线性代数》逾期 2 天 1.00 元\n请确认：用校园卡余额缴纳图书欠费 3.50 元。回复“确认”完成")
    assert [(o.kind, o.target, o.amount_fen) for o in orders] == [("library", "20240001", 350)]


def test_more_than_the_fines_is_refused_before_any_order(session: Session, card: FakeCardSystem) -> None:
    text, orders = _pay(session, card, "library", "5")
    assert "缴纳金额 5.00 元不对：不能超过欠费总额。未发生任何扣款。" in text and orders == []


def test_part_of_the_fines_may_be_paid(session: Session, card: FakeCardSystem) -> None:
    _text, orders = _pay(session, card, "library", "2")
    assert [o.amount_fen for o in orders] == [200]


def test_an_exam_fee_shows_the_exam_and_its_fixed_fee(session: Session, card: FakeCardSystem) -> None:
    text, orders = _pay(session, card, "exam")
    assert text.startswith("大学英语四级（CET4），考试费 30.00 元（金额由考试中心核定）。\n请确认")
    assert [(o.target, o.amount_fen) for o in orders] == [("CET4", 3000)]


def test_two_exams_are_listed_to_choose_from_and_a_wrong_fee_is_refused(session: Session,
                                                                         card: FakeCardSystem) -> None:
    text, orders = _pay(session, card, "exam", student_no="20240002")
    assert text.startswith("您报名了 2 项考试：") and "外语考试费 CET6" in text and orders == []
    text, orders = _pay(session, card, "exam", "CET6 20", student_no="20240002")
    assert "缴纳金额 20.00 元不对，未发生任何扣款。" in text and orders == []
    text, orders = _pay(session, card, "exam", "cet6", student_no="20240002")
    assert [(o.target, o.amount_fen) for o in orders] == [("CET6", 3000)]


def test_a_photo_fee_shows_its_amount_and_a_wrong_one_is_refused(session: Session, card: FakeCardSystem) -> None:
    text, orders = _pay(session, card, "photo", "5")
    assert text.startswith("您的图像采集费为 20.00 元。\n缴纳金额 5.00 元不对") and orders == []
    text, orders = _pay(session, card, "photo")
    assert [(o.target, o.amount_fen) for o in orders] == [("20240001", 2000)]


def test_nothing_due_says_so(session: Session, card: FakeCardSystem) -> None:
    fees = SimulatedFees()
    fees.sim.apply({"kind": "library", "target": "20240001", "amount_fen": 350, "payer": "20240001"})
    text, orders = _pay(session, card, "library", fees=fees)
    assert text == "您目前没有需要缴纳的图书欠费。" and orders == []
    assert _pay(session, card, "exam", student_no="20240004")[0] == "您目前没有需要缴纳的外语考试费。"


def test_fees_with_a_free_amount_keep_it_in_the_command(session: Session, card: FakeCardSystem) -> None:
    _text, orders = _pay(session, card, "net", "30")
    assert [(o.kind, o.amount_fen) for o in orders] == [("net", 3000)]
