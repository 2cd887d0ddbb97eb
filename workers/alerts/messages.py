"""What a student reads in an alert. Every alert is a template message (`ONECARD_ALERT_TEMPLATE_ID`)
with the fields `title` (提醒类型), `time`, `amount` (金额), `merchant` (商户), `balance` (余额) and
`content` (说明): template messages do not use the customer-service quota the student's own
questions need, and reach students outside the 48-hour window too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from workers.text.format import local_time, short_time, yuan

#: What each kind of alert is called, on the student's phone and on the back-office's pages.
KIND_LABELS = {"spending": "消费提醒", "low_balance": "余额不足提醒", "suspicious": "可疑交易提醒",
               "autotopup": "自动充值", "summary": "每日账单"}

#: How each suspicious-use rule reads to the student and to the card office.
RULE_LABELS = {"lost": "挂失卡被刷", "velocity": "短时间内频繁刷卡", "amount": "单笔金额超过限额",
               "campus": "短时间内异地校区刷卡"}

#: What the card office may decide on a suspicious transaction, as a clerk reads it.
DECISION_LABELS = {"fraud": "确认盗刷", "legitimate": "本人正常消费"}


def template(template_id: str, kind: str, *, at: datetime, content: str, amount: str = "", merchant: str = "",
             balance: str = "") -> str:
    """The outbound body of an alert: what `reply.deliver` hands to send_template."""
    data: dict[str, dict[str, str]] = {
        "title": {"value": KIND_LABELS[kind]}, "time": {"value": local_time(at)},
        "amount": {"value": amount}, "merchant": {"value": merchant[:20]}, "balance": {"value": balance},
        "content": {"value": content[:200]},
    }
    return json.dumps({"template_id": template_id, "data": data}, ensure_ascii=False)


def swipe(amount_fen: int, merchant: str, balance_fen: int, at: datetime) -> dict[str, Any]:
    """One swipe as a spending batch keeps it (JSON)."""
    return {"amount_fen": amount_fen, "merchant": merchant, "balance_fen": balance_fen, "at": at.isoformat()}


def spending(template_id: str, swipes: Sequence[dict[str, Any]]) -> str:
    """One message for one swipe or for several of the same card within a minute."""
    last = swipes[-1]
    at = datetime.fromisoformat(last["at"])
    if len(swipes) == 1:
        return template(template_id, "spending", at=at, amount=f"{yuan(-last['amount_fen'])} 元",
                        merchant=last["merchant"], balance=f"{yuan(last['balance_fen'])} 元",
                        content=f"您的校园卡在{last['merchant']}消费 {yuan(-last['amount_fen'])} 元。")
    total = -sum(s["amount_fen"] for s in swipes)
    lines = "；".join(f"{short_time(datetime.fromisoformat(s['at']))} {s['merchant']} {yuan(-s['amount_fen'])} 元"
                     for s in swipes)
    return template(template_id, "spending", at=at, amount=f"{yuan(total)} 元", merchant=f"{len(swipes)} 笔消费",
                    balance=f"{yuan(last['balance_fen'])} 元",
                    content=f"您的校园卡刚刚有 {len(swipes)} 笔消费：{lines}。")
