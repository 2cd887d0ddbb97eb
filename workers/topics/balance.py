"""The query topic: what a bound user asks about their card."""

from __future__ import annotations

from events import commands as c
from store.tables import Binding
from workers.runtime.reads import Ahead, reads_ahead
from workers.runtime.registry import handles
from workers.runtime.turn import Turn
from workers.text.format import local_time, yuan

NOT_BOUND = "您还未绑定校园卡。请发送“绑定 学号”，例如：绑定 20240001"


def bound_or_explain(turn: Turn) -> Binding | None:
    """The user's binding; if there is none, tell them how to bind."""
    binding = turn.session.get(Binding, turn.openid)
    if binding is None:
        turn.say(NOT_BOUND)
    return binding


@handles(c.QueryBalance)
def balance(cmd: c.QueryBalance, turn: Turn) -> None:
    binding = bound_or_explain(turn)
    if binding is None:
        return
    fen = turn.ports.card.balance_fen(binding.student_no)
    turn.say(f"{binding.name}，您的校园卡余额为 {yuan(fen)} 元（截至 {local_time(turn.now)}）。")


@reads_ahead(c.QueryBalance)
def _balance_reads(cmd: c.QueryBalance, ahead: Ahead) -> None:
    ahead.card.balance_fen(ahead.student_no)
