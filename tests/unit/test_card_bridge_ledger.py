"""The contract-only card bridge's keyed steps hold what the contract promises where `onecard
conformance` cannot look: repeats of one key racing each other, and debits racing for one balance."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.card_bridge import ledger
from tests.fixtures.card_bridge.store import Database


@pytest.fixture
def db(tmp_path: Path) -> Database:
    cards = Database(tmp_path / "cards.sqlite")
    cards.seed([{"student_no": "S1", "name": "张三", "phone": "13800000001", "card_no": "C1", "balance_fen": 100}])
    return cards


def step(op: str, order_no: str, amount_fen: int, memo: str = "宿舍电费") -> dict[str, Any]:
    return {"op": op, "order_no": order_no, "student_no": "S1", "amount_fen": amount_fen, "memo": memo}


def balance(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute("SELECT balance_fen FROM accounts WHERE student_no = 'S1'").fetchone()[0])


def test_racing_repeats_of_one_key_apply_it_once_and_all_answer_its_first_outcome(db: Database) -> None:
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: ledger.apply_step(db, "T1:credit", step("credit", "T1", 50, "银行圈存")),
                                 range(32)))
    assert all(o == outcomes[0] for o in outcomes) and outcomes[0]["status"] == "applied"
    assert balance(db) == 150
    with db.read() as conn:
        assert tuple(conn.execute("SELECT COUNT(*), MAX(merchant) FROM lines").fetchone()) == (1, "银行圈存")


def test_racing_debits_never_take_more_than_the_balance(db: Database) -> None:
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda n: ledger.apply_step(db, f"P{n}:debit", step("debit", f"P{n}", 30)), range(10)))
    assert sorted(o["status"] for o in outcomes).count("applied") == 3
    assert {o.get("reason") for o in outcomes if o["status"] == "refused"} == {"insufficient_balance"}
    assert balance(db) == 10


def test_a_refused_key_stays_refused_and_a_refund_lands_on_a_lost_card(db: Database) -> None:
    with db.write() as conn:
        conn.execute("UPDATE holders SET status = 'lost'")
    assert ledger.apply_step(db, "T2:credit", step("credit", "T2", 10, "微信充值"))["reason"] == "card_lost"
    assert ledger.apply_step(db, "P9:refund", step("credit", "P9", 10, "宿舍电费退款"))["status"] == "applied"
    with db.write() as conn:
        conn.execute("UPDATE holders SET status = 'normal'")
    assert ledger.apply_step(db, "T2:credit", step("credit", "T2", 10, "微信充值"))["reason"] == "card_lost"
    assert balance(db) == 110


def test_a_voided_key_never_applies_and_a_step_without_a_memo_is_refused(db: Database) -> None:
    assert ledger.void_step(db, "T3:credit", "T3")["status"] == "voided"
    assert ledger.apply_step(db, "T3:credit", step("credit", "T3", 10, "银行圈存"))["status"] == "voided"
    assert ledger.query_step(db, "T4:debit")["status"] == "not_found"
    assert ledger.apply_step(db, "T4:debit", step("debit", "T4", 10, ""))["reason"] == "bad_request"
    assert balance(db) == 100
