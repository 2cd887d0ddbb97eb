"""What the end-to-end benchmarks send: each topic on its own, and the mix an account sees after
a campus-wide announcement. One callback per openid, so each answer is matched to its callback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.procs import bind_many
from tests.harness import Stack

#: The realistic mix, one cycle of 20 callbacks: 60 % balance and statements from bound users,
#: 20 % help and menus, 10 % bills, timetable and public information, 10 % unbound users and
#: unknown text. (text, sent by a bound user?); an unbound sender is a new follower.
MIX: tuple[tuple[str, bool], ...] = (
    *(("余额", True),) * 8, *(("流水", True),) * 4,
    *(("帮助", False),) * 2, ("指南", False), ("帮助 校园卡", False),
    ("账单", True), ("课表", True),
    ("余额", False), ("你好", False),
)


@dataclass(frozen=True)
class Workload:
    name: str
    #: Worker pools: queue -> (processes, threads).
    pools: dict[str, tuple[int, int]]
    card_latency_ms: int = 0
    cycle: tuple[tuple[str, bool], ...] = (("帮助", False),)

    def callers(self, stack: Stack, count: int, tag: str) -> dict[str, Any]:
        """The load generator's `openids` and `contents` for `count` callbacks."""
        needs = [bound for _, bound in self.cycle]
        bound_count = sum(needs[i % len(needs)] for i in range(count))
        bound = iter(bind_many(stack, bound_count, prefix=f"o{tag}b") if bound_count else [])
        openids, contents = [], []
        for i in range(count):
            content, is_bound = self.cycle[i % len(self.cycle)]
            openids.append(next(bound) if is_bound else f"o{tag}u{i}")
            contents.append(content)
        return {"openids": openids, "contents": contents}


REPLY = (1, 4)
WORKLOADS = {
    "general": Workload("general", {"general": (1, 32), "reply": REPLY}),
    "query": Workload("query", {"query": (1, 64), "reply": REPLY}, card_latency_ms=100,
                      cycle=(("余额", True),)),
    "mix": Workload("mix", {"general": (1, 32), "query": (1, 64), "reply": REPLY}, card_latency_ms=100,
                    cycle=MIX),
}
