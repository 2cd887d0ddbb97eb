"""The card system's checks: every read on the test holder, the documented 404s, the webhook's
signature, and — only with `--with-money` — the keyed ledger steps on the test card, which is left
as it was (each credit is debited back; a lost-card test freezes the card and lifts the freeze).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from onecard.conformance.keyed import KeyedSteps
from onecard.conformance.options import Options
from onecard.conformance.probe import Probe
from onecard.conformance.webhook import check_webhook

HOLDER, BALANCE, CARD = "/holders/{student_no}", "/holders/{student_no}/balance", "/holders/{student_no}/card"
TRANSACTIONS, BY_CARD, MERCHANTS = "/holders/{student_no}/transactions", "/cards/{card_no}", "/merchants"
FREEZE, UNFREEZE = "/holders/{student_no}/freeze", "/holders/{student_no}/unfreeze"
#: What the test lines say on the test card's statement.
MEMO = "接口测试"
READ_FIX = "测试持卡人的这项查询须答复 HTTP 200，应答格式符合契约"
NOT_FOUND_FIX = ("不存在的学号/卡号须答复 HTTP 404 与契约中的错误体 "
                 "{\"error\": \"no_such_holder\" 或 \"no_such_card\", \"message\": …}")


def field_is(body: Any, name: str, wanted: object) -> list[str]:
    """[] when `body[name] == wanted`, else the one problem."""
    got = body.get(name) if isinstance(body, dict) else None
    return [] if got == wanted else [f"{name} 应为 {wanted!r}，实为 {got!r}"]


def card_owner(probe: Probe, card_no: str) -> str | None:
    """Whose card `card_no` is, as the card system says (None: it does not say)."""
    answer = probe.call("GET", BY_CARD, {"card_no": card_no})
    return str(answer.body["student_no"]) if answer.status == 200 and isinstance(answer.body, dict) and \
        "student_no" in answer.body else None


def balance(probe: Probe, student_no: str) -> int | None:
    answer = probe.call("GET", BALANCE, {"student_no": student_no})
    value = answer.body.get("balance_fen") if answer.status == 200 and isinstance(answer.body, dict) else None
    return value if isinstance(value, int) else None


def check_card_system(probe: Probe, options: Options) -> None:
    if options.holder:
        reads(probe, options.holder, options.card)
    else:
        probe.report.no_holder()
    not_found(probe, options.unknown_holder)
    KeyedSteps(probe).unknown_key("credit")
    check_webhook(probe, options)
    if options.with_money and options.holder and options.card:
        Money(probe, options).run()
    else:
        probe.report.skip("记账步骤（充值、扣款、重复提交、作废、挂失卡、余额不足）",
                          "加 --with-money --holder 学号 --card 卡号 才运行：在测试卡上入账再扣回，并临时挂失再解挂")


def reads(probe: Probe, holder: str, card: str | None) -> None:
    who = {"student_no": holder}
    answer = probe.call("GET", HOLDER, who)
    probe.check("查询持卡人", answer, 200, READ_FIX, field_is(answer.body, "student_no", holder))
    card_no = card or (answer.body.get("card_no") if isinstance(answer.body, dict) else None)
    answer = probe.call("GET", BALANCE, who)
    probe.check("查询余额", answer, 200, READ_FIX, field_is(answer.body, "student_no", holder))
    answer = probe.call("GET", CARD, who)
    probe.check("查询卡片信息", answer, 200, READ_FIX, field_is(answer.body, "student_no", holder))
    answer = probe.call("GET", TRANSACTIONS, who, query={"offset": 0, "limit": 5})
    probe.check("查询流水", answer, 200, READ_FIX)
    if card_no:
        answer = probe.call("GET", BY_CARD, {"card_no": str(card_no)})
        probe.check("按卡号查持卡人", answer, 200, "测试卡号须查得其持卡人的学号",
                    field_is(answer.body, "student_no", holder))
    now = datetime.now(UTC)
    week = {"since": (now - timedelta(days=7)).isoformat(), "until": now.isoformat()}
    answer = probe.call("GET", MERCHANTS, query=week)
    probe.check("商户汇总", answer, 200, READ_FIX)


def not_found(probe: Probe, unknown: str) -> None:
    for title, template in (("未知学号：持卡人", HOLDER), ("未知学号：余额", BALANCE), ("未知学号：卡片信息", CARD),
                            ("未知学号：流水", TRANSACTIONS)):
        answer = probe.call("GET", template, {"student_no": unknown})
        probe.check(title, answer, 404, NOT_FOUND_FIX, field_is(answer.body, "error", "no_such_holder"))
    answer = probe.call("GET", BY_CARD, {"card_no": unknown})
    probe.check("未知卡号", answer, 404, NOT_FOUND_FIX, field_is(answer.body, "error", "no_such_card"))


class Money:
    """The keyed steps on the test card, in an order that leaves it as it was."""

    def __init__(self, probe: Probe, options: Options) -> None:
        assert options.holder is not None
        self.probe, self.report, self.keyed = probe, probe.report, KeyedSteps(probe)
        self.holder, self.amount = options.holder, options.amount_fen

    def body(self, op: str, label: str, amount: int | None = None) -> dict[str, Any]:
        return {"op": op, "order_no": self.keyed.order_no(label), "student_no": self.holder,
                "amount_fen": self.amount if amount is None else amount, "memo": MEMO}

    def run(self) -> None:
        start = balance(self.probe, self.holder)
        answer = self.probe.call("GET", HOLDER, {"student_no": self.holder})
        status = answer.body.get("status") if isinstance(answer.body, dict) else None
        if start is None or status != "normal":
            self.report.fail("记账步骤", "测试卡须可读余额且处于正常状态（status 为 normal），未运行任何记账步骤",
                             f"余额 {start}，状态 {status!r}")
            return
        try:
            self.once_per_key()
            self.voids()
            self.insufficient()
            self.lost_card()
        finally:
            self.restore(start)

    def balance_is(self, title: str, wanted: int | None, why: str) -> None:
        got = balance(self.probe, self.holder)
        self.report.expect(title, [] if got == wanted else [f"余额应为 {wanted} 分，实为 {got} 分"], why)

    def unmoved(self, title: str, before: int | None, why: str) -> None:
        """The balance is still `before` (each check measures from its own start, so that one
        breakage is named once, not again in every later check)."""
        self.balance_is(title, before, why)

    def once_per_key(self) -> None:
        """A credit and the debit that takes it back, each sent twice: the balance moves once each."""
        k = self.keyed
        for label, op, sign in (("C", "credit", 1), ("D", "debit", -1)):
            key, body, before = k.key(label, op), self.body(op, label), balance(self.probe, self.holder)
            _, first = k.step(f"{'入账' if op == 'credit' else '扣款'} {self.amount} 分", key, body, "applied")
            k.repeat(f"重复提交 {key}", key, body, first)
            self.balance_is(f"余额只变动一次（{op}）", None if before is None else before + sign * self.amount,
                            "同一键的请求无论提交几次，只能记账一次")
            k.asks(f"查询 {key} 答复首次结果", key, first)
            if op == "credit":
                k.void(f"作废已入账的 {key} 答复其首次结果", key, body["order_no"], "applied", first)

    def voids(self) -> None:
        k, before = self.keyed, balance(self.probe, self.holder)
        key, body = k.key("V", "credit"), self.body("credit", "V")
        k.void(f"作废未用过的 {key}", key, body["order_no"], "voided")
        k.step("作废后的同键请求不生效", key, body, "voided",
                             fix="作废过的键此后再收到记账请求，须答复 voided 且不动钱")
        k.asks(f"查询作废的 {key}", key, None, expect="voided")
        self.unmoved("作废的键没有动钱", before, "作废过的键不得记账")

    def insufficient(self) -> None:
        key, before = self.keyed.key("I", "debit"), balance(self.probe, self.holder)
        self.keyed.step("扣款超过余额被拒绝", key, self.body("debit", "I", (before or 0) + self.amount), "refused",
                        "insufficient_balance",
                        "扣款金额大于余额时须答复 refused，reason 为 insufficient_balance，不动钱")
        self.unmoved("余额不足的扣款没有动钱", before, "被拒绝的扣款不得记账")

    def lost_card(self) -> None:
        who, before = {"student_no": self.holder}, balance(self.probe, self.holder)
        answer = self.probe.call("POST", FREEZE, who, body={"reason": "onecard conformance: 挂失测试"})
        if not self.probe.check("挂失测试卡", answer, 200, "挂失须答复 HTTP 200 与变更后的持卡人（status 为 lost）",
                                field_is(answer.body, "status", "lost")):
            return
        try:
            for label, op in (("LC", "credit"), ("LD", "debit")):
                self.keyed.step(f"挂失卡拒绝{'入账' if op == 'credit' else '扣款'}", self.keyed.key(label, op),
                                self.body(op, label), "refused", "card_lost",
                                "挂失的卡须拒绝充值与扣款：答复 refused，reason 为 card_lost，不动钱")
        finally:
            answer = self.probe.call("POST", UNFREEZE, who, body={})
            self.probe.check("解挂测试卡", answer, 200,
                             "解挂须答复 HTTP 200 与变更后的持卡人（status 为 normal）；"
                             "若未解挂，请在卡务系统中手工解挂测试卡",
                             field_is(answer.body, "status", "normal"))
        self.unmoved("挂失期间余额未变", before, "挂失卡被拒绝的请求不得记账")

    def restore(self, start: int) -> None:
        """The test card back to `start`: a keyed correcting step when a broken bridge moved it."""
        now = balance(self.probe, self.holder)
        if now is not None and now != start:
            op = "debit" if now > start else "credit"
            key = self.keyed.key("FIX", op)
            self.probe.call("POST", "/ops/{key}", {"key": key}, body=self.body(op, "FIX", abs(now - start)))
            self.report.warn("测试卡余额曾偏离",
                            f"已用键 {key} {op} {abs(now - start)} 分，把测试卡调回开始时的余额",
                            f"调整前 {now} 分，开始时 {start} 分")
            now = balance(self.probe, self.holder)
        self.report.expect("测试卡余额复原", [] if now == start else [f"开始时 {start} 分，现在 {now} 分"],
                           "运行结束时测试卡余额须与开始时相同；请在卡务系统中手工调整")
