"""The handler registry: `@handles_bound` gives a handler the user's binding, or answers for it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from events.commands import Command
from store.tables import Binding
from tests.unit.fakes import FakeCardSystem, bind, ports, said, turn
from workers.runtime.registry import NOT_BOUND, handles_bound, registered
from workers.runtime.turn import Turn


@dataclass(frozen=True)
class _Probe(Command):
    """A command only this test handles."""


seen: list[str] = []


@handles_bound(_Probe)
def _probe(cmd: _Probe, turn: Turn, binding: Binding) -> None:
    seen.append(binding.student_no)
    turn.say("ok")


def test_a_bound_user_reaches_the_handler_with_their_binding(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    seen.clear()
    t = turn(session, ports(card))
    _probe(_Probe(), t)
    assert (seen, said(t)) == (["20240001"], "ok")


def test_a_user_without_a_binding_is_told_how_to_bind_and_the_handler_never_runs(session: Session,
                                                                                card: FakeCardSystem) -> None:
    seen.clear()
    t = turn(session, ports(card))
    _probe(_Probe(), t)
    assert (seen, said(t)) == ([], NOT_BOUND)


def test_what_the_registry_runs_is_the_decorated_name_guard_included() -> None:
    assert registered()[_Probe] is _probe
    assert (_probe.__module__, _probe.__qualname__) == (__name__, "_probe")
