"""Fees whose amount the school sets: what is due is asked of the fee system and shown first.

`图书欠费`, `外语考试费`, `图像采集费` answer with the bills ("您有 2 笔图书欠费，共 3.50 元…") and
the order to confirm. A typed amount is accepted when it is exactly what is due (every kind), or for
library fines any amount up to the total (part of them); anything else is refused here, before any
money moves (the fee system would refuse it only after the card was debited). Pure: the chat
handler (`workers/topics/topup.py`) fetches the bills and asks for the order.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.fees.port import Due
from events.arguments import words
from events.money_kinds import Kind
from workers.money.amounts import BadAmount, parse_fen
from workers.text.format import yuan


@dataclass(frozen=True, slots=True)
class Offer:
    """What to put to the student: the bills (`head`), then the order for `target` and `amount_fen`."""

    target: str
    amount_fen: int
    head: str


def _bills(kind: Kind, items: list[Due]) -> str:
    total = sum(d.amount_fen for d in items)
    lines = [f"· {d.label} {yuan(d.amount_fen)} 元" for d in items]
    return "\n".join([f"您有 {len(items)} 笔{kind.name}，共 {yuan(total)} 元：", *lines])


def offer(kind: Kind, items: list[Due], args: str) -> Offer | str:
    """The order to ask about, or what to tell the student instead (nothing due, which one, wrong amount)."""
    if not items:
        return f"您目前没有需要缴纳的{kind.name}。"
    parts = words(args, 2)
    if kind.code == "exam":
        return _exam(kind, items, parts)
    total = sum(d.amount_fen for d in items)
    head = _bills(kind, items) if kind.code == "library" else f"您的{kind.name}为 {yuan(total)} 元。"
    if not parts:
        return Offer(items[0].target, total, head)
    try:
        fen = parse_fen(parts[0])
    except BadAmount as exc:
        return f"{exc} 未发生任何扣款。"
    if fen == total or (kind.code == "library" and fen <= total):
        return Offer(items[0].target, fen, head)  # part of the fines: the oldest are settled first
    limit = "不能超过欠费总额" if kind.code == "library" else "应与应缴金额一致"
    return f"{head}\n缴纳金额 {yuan(fen)} 元不对：{limit}。未发生任何扣款。发送“{kind.words[0]}”按应缴金额缴纳。"


def _exam(kind: Kind, items: list[Due], parts: list[str]) -> Offer | str:
    listing = "\n".join(f"· {d.label}：考试费 {yuan(d.amount_fen)} 元（发送“{kind.words[0]} {d.target}”）"
                        for d in items)
    if not parts and len(items) > 1:
        return f"您报名了 {len(items)} 项考试：\n{listing}"
    code = parts[0].upper() if parts else items[0].target
    chosen = next((d for d in items if d.target == code), None)
    if chosen is None:
        return f"您没有待缴费的 {parts[0][:10]} 考试。您报名的考试：\n{listing}"
    head = f"{chosen.label}，考试费 {yuan(chosen.amount_fen)} 元（金额由考试中心核定）。"
    if len(parts) > 1:
        try:
            fen = parse_fen(parts[1])
        except BadAmount as exc:
            return f"{exc} 未发生任何扣款。"
        if fen != chosen.amount_fen:
            return f"{head}\n缴纳金额 {yuan(fen)} 元不对，未发生任何扣款。发送“{kind.words[0]} {code}”按核定金额缴纳。"
    return Offer(chosen.target, chosen.amount_fen, head)
