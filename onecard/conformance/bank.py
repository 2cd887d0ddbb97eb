"""The bank's checks: a day's statement (read as reconciliation reads it), an unknown key, and —
only with `--with-money` — a keyed debit of the test holder's linked account that is reversed
(冲正) at once, each step repeated; the statement then shows each once.
"""

from __future__ import annotations

from datetime import datetime

from events.campus_time import SHANGHAI
from onecard.conformance.keyed import KeyedSteps
from onecard.conformance.options import Options
from onecard.conformance.probe import Answer, Probe
from workers.money.reconcile.statement import BadStatement, Line, parse

STATEMENT = "/statement"


def statement(probe: Probe, day: str) -> tuple[Answer, list[Line] | None, str]:
    answer = probe.call("GET", STATEMENT, query={"date": day})
    if answer.status != 200:
        return answer, None, ""
    try:
        return answer, parse(answer.text), ""
    except (BadStatement, ValueError, KeyError) as exc:
        return answer, None, str(exc)


def check_bank(probe: Probe, options: Options) -> None:
    today = datetime.now(SHANGHAI).date().isoformat()
    answer, _lines, problem = statement(probe, today)
    probe.check("当日对账单", answer, 200,
                "对账单须为 CSV，表头含 银行流水号、商户订单号、交易类型（扣款/冲正）、交易金额、交易时间",
                [problem] if problem else [])
    keyed = KeyedSteps(probe)
    keyed.unknown_key("debit")
    if options.with_money and options.holder:
        debit_and_reverse(probe, keyed, options.holder, options.amount_fen, today)
    else:
        probe.report.skip("扣款与冲正步骤（入账、重复提交、冲正、作废）",
                          f"加 --with-money --holder 学号 才运行：从测试持卡人的绑定账户扣 {options.amount_fen} 分"
                          "并立即冲正")


def debit_and_reverse(probe: Probe, keyed: KeyedSteps, holder: str, amount: int, today: str) -> None:
    order_no = keyed.order_no("B")
    debit_key, reverse_key = keyed.key("B", "debit"), keyed.key("B", "reverse")
    debit = {"op": "debit", "order_no": order_no, "account": holder, "amount_fen": amount}
    reverse = {"op": "reverse", "order_no": order_no, "debit_key": debit_key}
    _, first = keyed.step(f"扣款 {amount} 分", debit_key, debit, "applied")
    keyed.repeat(f"重复提交 {debit_key}", debit_key, debit, first)
    keyed.asks(f"查询 {debit_key} 答复首次结果", debit_key, first)
    _, undone = keyed.step("冲正这笔扣款", reverse_key, reverse, "applied")
    keyed.repeat(f"重复提交 {reverse_key}", reverse_key, reverse, undone)
    keyed.asks(f"冲正后查询 {debit_key}", debit_key, None, expect="reversed")
    answer, lines, problem = statement(probe, today)
    mine = [line.kind for line in lines or [] if line.order_no == order_no]
    more = [problem] if problem else []
    if sorted(mine) != ["debit", "reverse"]:
        more.append(f"订单 {order_no} 在对账单中应恰有一条扣款、一条冲正，实为 {mine}")
    probe.check("对账单中扣款与冲正各一条", answer, 200, "同一键的扣款与冲正无论提交几次，对账单中各只有一条", more)
    never = keyed.order_no("V")
    never_debit = keyed.key("V", "debit")
    keyed.step("冲正未扣过的款答复 voided", keyed.key("V", "reverse"),
               {"op": "reverse", "order_no": never, "debit_key": never_debit}, "voided",
               fix="冲正一笔从未扣过的款，须答复 voided，并保证那笔扣款此后永不生效")
    keyed.step("被冲正作废的扣款不生效", never_debit,
               {"op": "debit", "order_no": never, "account": holder, "amount_fen": amount}, "voided",
               fix="已被冲正作废的扣款键此后再收到扣款请求，须答复 voided 且不扣钱")
