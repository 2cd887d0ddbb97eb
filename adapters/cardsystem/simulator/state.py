"""The card system simulator's state: holders and the one ledger behind one lock.

Every endpoint and the keyed money operations read and change holders through here, so a card
reported lost refuses the very next debit or top-up and a balance never shows half a credit. Balances,
statements and bills are all read from `self.ledger` (see `ledger.py`): a top-up made through the
platform is a line of `流水` and counts in `账单` at once. The journal runs `apply` under its own
lock; this lock is only ever taken inside it, never around it.

With a `data_dir` (under `make run`: `$ONECARD_DATA_DIR/cardsystem/`) holders, the ledger and the
keyed journal are kept on disk, so restarting `make run` keeps every card's money and history.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.cardsystem.demo import DemoHolder, demo_transactions
from adapters.cardsystem.port import Transaction
from adapters.cardsystem.simulator.ledger import Ledger

#: The category of the statement line a keyed ledger operation writes, by the key's step; its
#: merchant text is the operation's `memo` (银行圈存, 微信充值, the fee's name…), which the contract
#: makes required: the card system cannot tell a bank 圈存 from a WeChat Pay top-up by itself.
KEYED_CATEGORIES = {"credit": "充值", "refund": "退款", "debit": "缴费"}


class Refused(Exception):
    """The card system refuses a line; `reason` is its code (no_such_card, card_lost, insufficient_balance…)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CardState:
    def __init__(self, holders: tuple[DemoHolder, ...], now: datetime | None = None,
                 data_dir: Path | None = None) -> None:
        self.lock = threading.Lock()
        self._holders_path = data_dir / "holders.json" if data_dir else None
        self.ledger = Ledger(data_dir / "ledger.jsonl" if data_dir else None)
        self.holders: dict[str, DemoHolder] = {}
        if self._holders_path is not None and self._holders_path.exists():
            saved = json.loads(self._holders_path.read_text(encoding="utf-8"))
            self.holders = {h["student_no"]: DemoHolder(**h) for h in saved}
        now = now or datetime.now(UTC)
        for h in holders:
            if h.student_no not in self.holders:
                self.holders[h.student_no] = h
            # The demo holders come with about six months of statement; only the first start makes it.
            if not self.ledger.has(h.student_no):
                self.ledger.open(h.student_no, h.balance_fen, demo_transactions(h.student_no, h.balance_fen, now))
        self._save_holders()

    @property
    def balances(self) -> Mapping[str, int]:
        """Every card's balance now, read from the ledger (a snapshot, for tests and the banner)."""
        with self.lock:
            return {no: self.ledger.balance(no) or 0 for no in self.holders}

    def add_holder(self, holder: DemoHolder) -> None:
        """More card holders (tests and benchmarks need more than the demo five); they start with no lines."""
        with self.lock:
            self.holders[holder.student_no] = holder
            self.ledger.open(holder.student_no, holder.balance_fen)
            self._save_holders()

    def holder(self, student_no: str) -> DemoHolder | None:
        with self.lock:
            return self.holders.get(student_no)

    def balance(self, student_no: str) -> int | None:
        return self.ledger.balance(student_no) if self.holder(student_no) else None

    def statement(self, student_no: str, *, since: datetime | None = None,
                  until: datetime | None = None) -> list[Transaction] | None:
        """The card's lines in [since, until), newest first; None for an unknown holder."""
        return self.ledger.lines(student_no, since=since, until=until) if self.holder(student_no) else None

    def by_card(self, card_no: str) -> DemoHolder | None:
        with self.lock:
            return next((h for h in self.holders.values() if h.card_no == card_no), None)

    def change(self, student_no: str, *, status: str | None = None, phone: str | None = None) -> DemoHolder | None:
        """The holder after a loss report, its lifting or a new phone; None for an unknown holder."""
        with self.lock:
            holder = self.holders.get(student_no)
            if holder is None:
                return None
            holder = dataclasses.replace(holder, status=status or holder.status, phone=phone or holder.phone)
            self.holders[student_no] = holder
            self._save_holders()
            return holder

    def post(self, student_no: str, amount_fen: int, merchant: str, category: str, *,
             at: datetime | None = None, refund: bool = False) -> Transaction:
        """One checked line on the card (spending negative): the one way money moves on a card.

        Refused: `no_such_card`; `card_<status>` for any line on a card that is not `normal`, as the
        school's card system does: a lost or frozen card is neither spent from nor topped up (a top-up
        onto a card someone else may hold), and a cancelled one takes nothing. Only a `refund` (the
        money of a payment taken from this card going back) still lands on a lost or frozen card: it
        is the holder's money, kept for the replacement card (补卡). Also `bad_request` (zero) and
        `insufficient_balance`.
        """
        with self.lock:
            holder = self.holders.get(student_no)
            if holder is None:
                raise Refused("no_such_card")
            if holder.status != "normal" and not (refund and holder.status in ("lost", "frozen")):
                raise Refused(f"card_{holder.status}")
            if amount_fen == 0:
                raise Refused("bad_request")
            if amount_fen < 0 and -amount_fen > (self.ledger.balance(student_no) or 0):
                raise Refused("insufficient_balance")
            return self.ledger.post(student_no, amount_fen, merchant, category, at=at)

    def apply(self, data: dict[str, Any]) -> dict[str, Any]:
        """One keyed ledger operation (圈存 and refunds credit, payments debit); the journal runs it once per key."""
        op, student_no, amount = str(data.get("op")), str(data.get("student_no")), data.get("amount_fen")
        if not isinstance(amount, int) or isinstance(amount, bool):
            amount = 0  # not a number of fen: refused below as a bad request
        base = {"op": op, "student_no": student_no, "amount_fen": amount}
        memo = data.get("memo")
        if amount <= 0 or op not in ("credit", "debit") or not (isinstance(memo, str) and memo.strip()):
            return {**base, "status": "refused", "reason": "bad_request"}
        step = str(data.get("key", "")).rpartition(":")[2]
        category = KEYED_CATEGORIES.get(step, KEYED_CATEGORIES[op])
        try:
            line = self.post(student_no, amount if op == "credit" else -amount, memo.strip(), category,
                             refund=op == "credit" and step == "refund")
        except Refused as refused:
            return {**base, "status": "refused", "reason": refused.reason}
        return {**base, "status": "applied", "balance_after_fen": line.balance_fen, "line_id": line.id}

    def _save_holders(self) -> None:
        if self._holders_path is None:
            return
        self._holders_path.parent.mkdir(parents=True, exist_ok=True)
        temp = self._holders_path.with_suffix(".tmp")
        temp.write_text(json.dumps([dataclasses.asdict(h) for h in self.holders.values()], ensure_ascii=False),
                        encoding="utf-8")
        temp.replace(self._holders_path)
