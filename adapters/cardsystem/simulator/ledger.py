"""The card system simulator's one ledger: every line of every card, from which all else derives.

A real card system keeps one ledger; the balance (`余额`), the statement (`流水`) and the bills
(`账单`, `年度账单`) are all read from it, so they never contradict each other. Here too:

- `open(student_no, balance_fen, history)` starts an account (once; a reopened one is kept);
- `post(student_no, amount_fen, merchant, category)` appends one line (spending negative, top-ups
  positive) and returns it as a `Transaction` with the balance after it;
- `balance(student_no)` is the newest line's balance; `lines(student_no, since, until)` the
  statement, newest first; `all_lines()` every card's lines (merchant rankings and the like).

`CardState.post` is what callers use: it checks the card (lost, unknown, short of money) first.
With a `path` (under `make run`: the data folder) every change is appended to a JSON-lines file
and replayed at start, so a demo restarted keeps its money. Thread-safe: one lock, never held
while calling out.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from adapters.cardsystem.port import Transaction


@dataclass
class _Account:
    opening_fen: int
    lines: list[Transaction] = field(default_factory=list)  # oldest first

    @property
    def balance_fen(self) -> int:
        return self.lines[-1].balance_fen if self.lines else self.opening_fen


class Ledger:
    def __init__(self, path: Path | None = None) -> None:
        self.lock = threading.RLock()
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._accounts: dict[str, _Account] = {}
        self._path = path
        self._replaying = False
        self._file: TextIO | None = None
        if path is not None and path.exists():
            self._replay(path)

    def open(self, student_no: str, balance_fen: int, history: Iterable[Transaction] = ()) -> bool:
        """Start `student_no`'s account ending at `balance_fen`; False (nothing changes) if it exists."""
        lines = sorted(history, key=lambda t: t.at)
        with self.lock:
            if student_no in self._accounts:
                return False
            opening = balance_fen - sum(t.amount_fen for t in lines)
            self._accounts[student_no] = _Account(opening, lines)
            if self._keeping:
                self._write({"open": student_no, "opening_fen": opening, "lines": [_dump(t) for t in lines]})
            return True

    def has(self, student_no: str) -> bool:
        with self.lock:
            return student_no in self._accounts

    def balance(self, student_no: str) -> int | None:
        with self.lock:
            account = self._accounts.get(student_no)
            return None if account is None else account.balance_fen

    def post(self, student_no: str, amount_fen: int, merchant: str, category: str, *,
             at: datetime | None = None) -> Transaction:
        """Append one line (KeyError: no such account). Checks nothing: see `CardState.post`."""
        with self.lock:
            account = self._accounts[student_no]
            when = at or self.clock()
            if account.lines and when < account.lines[-1].at:
                when = account.lines[-1].at  # a statement reads in time order: never before the last line
            line = Transaction(f"{student_no}-L{len(account.lines) + 1:06d}", when, amount_fen, merchant, category,
                               account.balance_fen + amount_fen)
            account.lines.append(line)
            if self._keeping:
                self._write({"post": student_no, "line": _dump(line)})
            return line

    def lines(self, student_no: str, *, since: datetime | None = None,
              until: datetime | None = None) -> list[Transaction] | None:
        """The statement in [since, until), newest first; None for an unknown card."""
        with self.lock:
            account = self._accounts.get(student_no)
            if account is None:
                return None
            chosen = [t for t in account.lines if (since is None or t.at >= since) and (until is None or t.at < until)]
        chosen.reverse()
        return chosen

    def all_lines(self) -> Iterator[tuple[str, Transaction]]:
        """(student_no, line) for every card, oldest first per card: a snapshot, safe to iterate."""
        with self.lock:
            snapshot = [(no, list(a.lines)) for no, a in self._accounts.items()]
        for no, lines in snapshot:
            for line in lines:
                yield no, line

    @property
    def _keeping(self) -> bool:
        """Whether changes go to the file: in memory (the tests, the benchmarks) nothing is built for it."""
        return self._path is not None and not self._replaying

    def _write(self, record: dict[str, Any]) -> None:
        """Append one change, flushed to the operating system at once (a crash loses no whole line).
        The file stays open: opening it per line was most of a swipe's ledger cost under `make run`."""
        assert self._path is not None
        if self._file is None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self._path.open("a", encoding="utf-8")
            weakref.finalize(self, self._file.close)
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()

    def _replay(self, path: Path) -> None:
        self._replaying = True
        try:
            for raw in path.read_text(encoding="utf-8").splitlines():
                try:
                    record = json.loads(raw)
                except json.JSONDecodeError:
                    continue  # a line cut short by a crash: it never completed, so it never happened
                if "open" in record:
                    lines = [_load(t) for t in record["lines"]]
                    self._accounts[record["open"]] = _Account(int(record["opening_fen"]), lines)
                elif "post" in record:
                    self._accounts[record["post"]].lines.append(_load(record["line"]))
        finally:
            self._replaying = False


def _dump(t: Transaction) -> dict[str, Any]:
    # By hand: `dataclasses.asdict` deep-copies every field, a sizeable share of a swipe's CPU.
    return {"id": t.id, "at": t.at.isoformat(), "amount_fen": t.amount_fen, "merchant": t.merchant,
            "category": t.category, "balance_fen": t.balance_fen}


def _load(data: dict[str, Any]) -> Transaction:
    return Transaction(**{**data, "at": datetime.fromisoformat(data["at"])})
