"""What a group of turns reads once for all of them: its senders' states (only if a turn asks), the
switches and the bindings (once, and from its rehearsal when it had one)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from store.tables import Binding, FeatureSwitch, ServiceState
from tests.unit.fakes import NOW, FakeCardSystem, bind, ports, turn
from workers.runtime import dispatch, service_state, switches


@pytest.fixture
def statements(session: Session) -> Iterator[list[str]]:
    """The SQL the session's engine runs from now on."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def _reads_of(table: str, seen: list[str]) -> int:
    return sum(1 for sql in seen if sql.lstrip().upper().startswith("SELECT") and f"FROM {table}" in sql)


def test_a_group_reads_its_senders_states_once_and_only_when_a_turn_asks(
        session: Session, statements: list[str]) -> None:
    session.add(ServiceState(openid="oB", name="history", data={"offset": 8}, updated_at=NOW))
    session.flush()
    statements.clear()
    service_state.preload(session, ["oA", "oB"])
    assert _reads_of("service_states", statements) == 0, "a group of balance queries never needs them"
    used = ports()
    assert service_state.load(turn(session, used, "oA"), "history") is None
    assert service_state.load(turn(session, used, "oB"), "history") == {"offset": 8}
    service_state.save(turn(session, used, "oA"), "history", {"offset": 4})
    assert service_state.load(turn(session, used, "oA"), "history") == {"offset": 4}
    assert _reads_of("service_states", statements) == 1


def test_switches_are_read_once_a_transaction(session: Session, statements: list[str]) -> None:
    session.add(FeatureSwitch(feature="topup", enabled=False, message=None))
    session.commit()
    assert switches.read_so_far(session) is None
    statements.clear()
    assert switches.paused_message(session, "topup") == switches.PAUSED
    assert switches.paused_message(session, "balance") is None
    assert _reads_of("feature_switches", statements) == 1
    assert switches.read_so_far(session) == {"topup": switches.PAUSED}
    session.commit()  # the next transaction: a switch turned meanwhile takes effect
    assert switches.read_so_far(session) is None


def test_a_group_runs_on_the_switches_its_rehearsal_read(session: Session, statements: list[str]) -> None:
    session.add(FeatureSwitch(feature="topup", enabled=False, message="充值维护中"))
    session.commit()
    statements.clear()
    switches.assume(session, {"balance": "余额查询维护中"})
    for _transaction in range(2):  # a group retried after losing SQLite's writer race
        assert switches.paused_message(session, "balance") == "余额查询维护中"
        assert switches.paused_message(session, "topup") is None
        session.commit()
    assert _reads_of("feature_switches", statements) == 0


def test_a_group_runs_on_the_bindings_its_rehearsal_read(session: Session, statements: list[str]) -> None:
    card = FakeCardSystem()
    bind(session, card, "oA", "20240001")
    bind(session, card, "oB", "20240002")
    session.commit()
    factory = sessionmaker(session.get_bind())
    with factory() as rehearsal:
        dispatch.preload(rehearsal, ["oA", "oB", "oC"])
        bindings = dispatch.detach_bindings(rehearsal)
        rehearsal.rollback()
    assert bindings is not None and sorted(b.student_no for b in bindings) == ["20240001", "20240002"]
    statements.clear()
    with factory() as real:
        dispatch.preload(real, ["oA", "oB", "oC"], bindings)
        found = real.get(Binding, "oB")
        assert found is not None and found.student_no == "20240002" and found in real
    assert _reads_of("bindings", statements) == 0


def test_a_binding_a_rehearsed_turn_changed_is_read_again(session: Session) -> None:
    card = FakeCardSystem()
    bind(session, card, "oA", "20240001")
    bind(session, card, "oB", "20240002")
    session.commit()
    dispatch.preload(session, ["oA", "oB"])
    changed = session.get(Binding, "oA")
    assert changed is not None
    changed.name = "改名"
    assert dispatch.detach_bindings(session) is None
