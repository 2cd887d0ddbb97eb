"""The query topic: what a bound user asks about their card."""

from __future__ import annotations

from events import commands as c
from store.tables import Binding
from workers.runtime.reads import Ahead, reads_ahead
from workers.runtime.registry import handles_bound
from workers.runtime.turn import Turn
from workers.text.format import local_time, yuan


@handles_bound(c.QueryBalance)
def balance(cmd: c.QueryBalance, turn: Turn, binding: Binding) -> None:
    fen = turn.ports.card.balance_fen(binding.student_no)
    turn.say(f"{binding.name}，您的校园卡余额为 {yuan(fen)} 元（截至 {local_time(turn.now)}）。")


@reads_ahead(c.QueryBalance)
def _balance_reads(cmd: c.QueryBalance, ahead: Ahead) -> None:
    ahead.card.balance_fen(ahead.student_no)
