"""The fee systems' checks: what the test holder owes in each fee the school sets, a day's records,
the documented answers for an unknown holder and an unknown fee system, and — only with
`--with-money` — one keyed payment of the smallest amount to the test holder's network fee
(网费), which the contract has no way to take back: the school refunds it by hand if it wishes.
"""

from __future__ import annotations

from datetime import datetime

from events.campus_time import SHANGHAI
from events.money_kinds import FEES
from onecard.conformance.keyed import KeyedSteps
from onecard.conformance.options import Options
from onecard.conformance.probe import Probe

DUE, RECORDS = "/due/{kind}/{student_no}", "/records"
#: The fee systems onecard asks what is due (the school sets those amounts).
ASKED = tuple(k.code for k in FEES if k.set_by_school)
#: The fee the test payment goes to: any positive amount is accepted there.
PAID = "net"


def check_fees(probe: Probe, options: Options) -> None:
    if options.holder:
        for kind in ASKED:
            answer = probe.call("GET", DUE, {"kind": kind, "student_no": options.holder})
            probe.check(f"应缴费用（{kind}）", answer, 200, "须答复 HTTP 200 {\"items\": [...]}，没有欠费时 items 为空")
    else:
        probe.report.no_holder()
    answer = probe.call("GET", DUE, {"kind": "library", "student_no": options.unknown_holder})
    items = answer.body.get("items") if answer.status == 200 and isinstance(answer.body, dict) else []
    probe.check("未知学号的应缴费用", answer, 200,
                "收费系统不认识的学号没有应缴费用：答复 HTTP 200 {\"items\": []}（404 专指收费类别不存在）",
                [] if not items else [f"未知学号不应有应缴费用，实为 {items!r}"[:300]])
    answer = probe.call("GET", DUE, {"kind": "no_such_fee", "student_no": options.holder or options.unknown_holder})
    probe.check("未知的收费系统", answer, 404,
                "不存在的收费类别须答复 HTTP 404 与契约中的错误体 {\"error\": \"no_such_fee_system\", \"message\": …}")
    today = datetime.now(SHANGHAI).date().isoformat()
    probe.check("当日收费记录", probe.call("GET", RECORDS, query={"date": today}), 200,
                "须答复 HTTP 200 与当天（北京时间）入账的缴费记录列表")
    keyed = KeyedSteps(probe)
    keyed.unknown_key("fee")
    if options.with_money and options.holder:
        pay(probe, keyed, options.holder, options.amount_fen, today)
    else:
        probe.report.skip("缴费步骤（入账、重复提交、作废）",
                          f"加 --with-money --holder 学号 才运行：向测试持卡人的网费入账 {options.amount_fen} 分"
                          "（无法撤回）")


def pay(probe: Probe, keyed: KeyedSteps, holder: str, amount: int, today: str) -> None:
    def body(label: str) -> dict[str, object]:
        return {"op": "pay", "order_no": keyed.order_no(label), "kind": PAID, "target": holder,
                "amount_fen": amount, "payer": holder}

    key, first_body = keyed.key("P", "fee"), body("P")
    _, first = keyed.step(f"缴网费 {amount} 分", key, first_body, "applied")
    keyed.repeat(f"重复提交 {key}", key, first_body, first)
    keyed.asks(f"查询 {key} 答复首次结果", key, first)
    keyed.void(f"作废已入账的 {key} 答复其首次结果", key, first_body["order_no"], "applied", first)  # type: ignore[arg-type]
    answer = probe.call("GET", RECORDS, query={"date": today})
    rows = answer.body if isinstance(answer.body, list) else []
    booked = [r for r in rows if isinstance(r, dict) and r.get("order_no") == first_body["order_no"]]
    probe.check("收费记录中这笔缴费只有一条", answer, 200, "同一键的缴费无论提交几次，收费记录中只能有一条",
                [] if len(booked) == 1 else [f"订单 {first_body['order_no']} 在当日记录中有 {len(booked)} 条"])
    key, void_body = keyed.key("V", "fee"), body("V")
    keyed.void(f"作废未用过的 {key}", key, str(void_body["order_no"]), "voided")
    keyed.step("作废后的同键请求不生效", key, void_body, "voided",
               fix="作废过的键此后再收到缴费请求，须答复 voided 且不入账")
