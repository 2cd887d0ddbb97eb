"""In-process stand-ins for the outside world, shared by the handler tests.

The fake card system answers what the handlers ask of the card system (holders, balances, card
info, statements, loss reports, phone); the keyed ledger belongs to the money relay's tests.
Holders start as the simulator's demo holders.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import cast

from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.orm import Session

from adapters.campusdata.port import DueLoan, Grade, Lesson, Loan, Locker, Meeting
from adapters.cardsystem.demo import DEMO_HOLDERS, DemoHolder
from adapters.cardsystem.port import CardHolder, CardInfo, CardSystem, MerchantTotal, Transaction, TransactionPage
from adapters.wechatpay import signing
from adapters.wechatpay.port import NOT_FOUND, Payment, Refund, bill_ready
from adapters.wechatpay.sim_state import PayBooks
from events.campus_time import SHANGHAI
from events.errors import PermanentError, TransientError
from events.wechat_grants import Scenario
from store import grants
from store.grants import Allowance
from store.outbound import Message
from store.tables import Binding, Follower
from workers.delivery.outgoing import plan
from workers.money.amounts import Limits
from workers.runtime.switches import read_paused
from workers.runtime.turn import Ports, Turn

#: Wednesday 25 November 2026, 16:00 in Shanghai.
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time as it is stored: UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


class FakeCardSystem:
    """The card system's holders, balances and statements in memory; changes are kept, like the simulator's."""

    def __init__(self, holders: tuple[DemoHolder, ...] = DEMO_HOLDERS) -> None:
        self.holders = {h.student_no: h for h in holders}
        self.statements: dict[str, list[Transaction]] = {}
        self.bank_accounts: dict[str, str] = {}

    def find_holder(self, student_no: str) -> CardHolder | None:
        h = self.holders.get(student_no)
        return None if h is None else CardHolder(h.student_no, h.name, h.phone, h.card_no, h.status)

    def balance_fen(self, student_no: str) -> int:
        return self.holders[student_no].balance_fen

    def card_info(self, student_no: str) -> CardInfo | None:
        h = self.holders.get(student_no)
        if h is None:
            return None
        return CardInfo(h.student_no, h.name, h.card_no, h.status, "本科生", self.bank_accounts.get(student_no),
                        date(2028, 6, 30))

    def transactions(self, student_no: str, *, since: datetime | None = None, until: datetime | None = None,
                     offset: int = 0, limit: int = 20) -> TransactionPage:
        lines = sorted(self.statements.get(student_no, []), key=lambda t: t.at, reverse=True)
        chosen = [t for t in lines if (since is None or t.at >= since) and (until is None or t.at < until)]
        return TransactionPage(chosen[offset:offset + limit], len(chosen))

    def merchant_totals(self, *, since: datetime, until: datetime) -> list[MerchantTotal]:
        totals: dict[tuple[str, str], tuple[int, int]] = {}
        for line in (t for lines in self.statements.values() for t in lines):
            if line.amount_fen < 0 and since <= line.at < until:
                n, fen = totals.get((line.merchant, line.category), (0, 0))
                totals[(line.merchant, line.category)] = (n + 1, fen - line.amount_fen)
        return sorted((MerchantTotal(m, c, n, fen) for (m, c), (n, fen) in totals.items()),
                      key=lambda t: t.amount_fen, reverse=True)

    def holder_by_card(self, card_no: str) -> str | None:
        return next((h.student_no for h in self.holders.values() if h.card_no == card_no), None)

    def freeze(self, student_no: str, reason: str) -> str:
        self.holders[student_no] = dataclasses.replace(self.holders[student_no], status="lost")
        return "lost"

    def unfreeze(self, student_no: str) -> str:
        self.holders[student_no] = dataclasses.replace(self.holders[student_no], status="normal")
        return "normal"

    def set_phone(self, student_no: str, phone: str) -> None:
        self.holders[student_no] = dataclasses.replace(self.holders[student_no], phone=phone)

    def spend(self, student_no: str, at: datetime, fen: int, merchant: str = "一食堂", category: str = "餐饮") -> None:
        """Add a statement line (negative `fen` for spending); ids and balances follow the order added."""
        lines = self.statements.setdefault(student_no, [])
        balance = self.holders[student_no].balance_fen
        lines.append(Transaction(f"{student_no}-{len(lines)}", at, fen, merchant, category, balance))


@dataclass
class FakeCampus:
    """The school's public data store: per student number, exactly the rows a test puts in."""

    meeting_rows: dict[str, list[Meeting]] = field(default_factory=dict)
    grade_rows: dict[str, list[Grade]] = field(default_factory=dict)
    lesson_rows: dict[str, list[Lesson]] = field(default_factory=dict)
    loan_rows: dict[str, list[Loan]] = field(default_factory=dict)
    locker_rows: dict[str, list[Locker]] = field(default_factory=dict)

    def meetings(self, student_no: str) -> list[Meeting]:
        return self.meeting_rows.get(student_no, [])

    def grades(self, student_no: str, term: str | None = None) -> list[Grade]:
        return [g for g in self.grade_rows.get(student_no, []) if term is None or g.term == term]

    def timetable(self, student_no: str) -> list[Lesson]:
        return self.lesson_rows.get(student_no, [])

    def loans(self, student_no: str) -> list[Loan]:
        return self.loan_rows.get(student_no, [])

    def loans_due_on(self, day: date) -> list[DueLoan]:
        return [DueLoan(no, loan) for no, loans in self.loan_rows.items() for loan in loans if loan.due_on == day]

    def lockers(self, student_no: str) -> list[Locker]:
        return self.locker_rows.get(student_no, [])


def ports(card: FakeCardSystem | None = None, *, campus: FakeCampus | None = None, limits: Limits | None = None,
          wake_relay: Callable[[int], None] | None = None) -> Ports:
    """The ports a handler sees. The fake has no keyed ledger, which no handler uses: hence the cast."""
    card = card or FakeCardSystem()
    return Ports(card=cast(CardSystem, card), secret_key="k", campus=campus, limits=limits or Limits(),
                 wake_relay=wake_relay)


def turn(session: Session, used: Ports, openid: str = "oA", at: datetime = NOW) -> Turn:
    """A turn as the pipeline begins it: the paused functions read from the session."""
    return Turn(session=session, ports=used, openid=openid, event_id=1, now=at,
                reply_deadline=at + timedelta(minutes=1), paused=read_paused(session))


def bind(session: Session, card: FakeCardSystem, openid: str = "oA", student_no: str = "20240001") -> Binding:
    """A user bound to a card, as a finished bind leaves them."""
    h = card.holders[student_no]
    binding = Binding(openid=openid, student_no=h.student_no, name=h.name, phone=h.phone, bound_at=NOW)
    session.add(binding)
    session.flush()
    return binding


def follow(session: Session, openid: str, last_spoke: datetime) -> None:
    """A follower who last wrote to the account at `last_spoke`: the grant that decides how a notice
    may reach them."""
    session.add(Follower(openid=openid, subscribed=True, first_seen_at=last_spoke, last_interaction_at=last_spoke))
    grants.grant(session, [(openid, Scenario.MESSAGE, last_spoke, None, 0)])
    session.flush()


def planned(session: Session, t: Turn) -> list[Message]:
    """The messages the turn's outgoing become, as `close_turns` plans them against the grants."""
    return plan(t.outgoing, Allowance.load(session, {o.recipient for o in t.outgoing}, t.now))


def said(t: Turn) -> str:
    """What the user of this turn read, every WeChat reply joined."""
    return "\n".join(o.body for o in t.outgoing if o.channel == "wechat" and o.recipient == t.openid)


def code_sent(t: Turn, phone: str) -> str:
    """The six-digit code this turn texted to `phone`."""
    sms = [o for o in t.outgoing if o.channel == "sms"]
    assert [o.recipient for o in sms] == [phone]
    return sms[0].body.split("验证码 ")[1][:6]


@functools.cache
def merchant_key() -> rsa.RSAPrivateKey:
    return signing.new_private_key()


class FakeWeChatPay:
    """WeChat Pay as its simulator keeps the books (`PayBooks`), in-process, with answers that can be lost."""

    appid = "wxdemo"

    def __init__(self) -> None:
        self.books, self.down, self.refunds_sent = PayBooks("1900000109"), 0, 0

    def _maybe_down(self) -> None:
        if self.down:
            self.down -= 1
            raise TransientError("WeChat Pay: HTTP 503")

    def jsapi(self, out_trade_no: str, *, description: str, amount_fen: int, openid: str, expires_at: str) -> str:
        order = self.books.order({"out_trade_no": out_trade_no, "appid": self.appid, "description": description,
                                  "notify_url": "", "amount": {"total": amount_fen}, "payer": {"openid": openid}})
        assert not isinstance(order, str)
        return order.prepay_id

    def pay_request(self, prepay_id: str) -> dict[str, str]:
        return signing.jsapi_params(self.appid, prepay_id, merchant_key())

    def query(self, out_trade_no: str) -> Payment:
        self._maybe_down()
        o = self.books.orders.get(out_trade_no)
        if o is None or not o.prepay_id:
            return Payment(out_trade_no, NOT_FOUND)
        return Payment(out_trade_no, o.state, o.transaction_id, o.amount_fen)

    def close(self, out_trade_no: str) -> None:
        self._maybe_down()
        if (error := self.books.close(out_trade_no)) is not None:
            raise PermanentError(error)

    def refund(self, out_refund_no: str, *, out_trade_no: str, amount_fen: int, total_fen: int,
               reason: str) -> Refund:
        self.refunds_sent += 1
        r = self.books.refund({"out_refund_no": out_refund_no, "out_trade_no": out_trade_no,
                               "amount": {"refund": amount_fen}})
        assert not isinstance(r, str)
        self._maybe_down()  # applied over there, the answer lost here
        return Refund(out_refund_no, r.status, r.refund_id, r.amount_fen)

    def query_refund(self, out_refund_no: str) -> Refund:
        r = self.books.refunds.get(out_refund_no)
        return Refund(out_refund_no, NOT_FOUND) if r is None else Refund(out_refund_no, r.status, r.refund_id)

    def tradebill(self, bill_date: str) -> str | None:
        if not bill_ready(date.fromisoformat(bill_date), self.books.clock()):
            raise TransientError("WeChat Pay is still generating the bill (STATEMENT_CREATING)")
        return self.books.bill(bill_date)
