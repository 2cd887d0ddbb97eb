"""What a group of turns reads once for all of them: its senders' conversation memories (only if a
turn asks), the paused functions and the bindings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from adapters.wechat.callbacks import text_xml
from events.messages import to_message
from ingress.parse import parse_xml
from store.inbox import store_once
from store.tables import FeatureSwitch, OutboundMessage, ServiceState
from store.uow import UnitOfWork
from tests.unit.fakes import NOW, FakeCardSystem, bind, ports, turn
from workers.runtime.conversation import Memory
from workers.runtime.pipeline import Pipeline
from workers.runtime.turns import WeChatTurns
from workers.topics import all_handlers as handlers


@pytest.fixture
def statements(session: Session) -> Iterator[list[str]]:
    """The SQL the session's engine runs from now on."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = session.get_bind()
    assert isinstance(engine, Engine)
    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def _reads_of(table: str, seen: list[str]) -> int:
    return sum(1 for sql in seen if sql.lstrip().upper().startswith("SELECT") and f"FROM {table}" in sql)


def test_a_group_reads_its_senders_memories_once_and_only_when_a_turn_asks(
        session: Session, statements: list[str]) -> None:
    session.add(ServiceState(openid="oB", name="history", data={"offset": 8}, updated_at=NOW))
    session.flush()
    statements.clear()
    memory = Memory(session, ["oA", "oB"])
    assert _reads_of("service_states", statements) == 0, "a group of balance queries never needs them"
    used = ports()
    turns = [turn(session, used, openid) for openid in ("oA", "oB", "oA", "oA")]
    for t in turns:
        t.memory = memory
    assert turns[0].recall("history") is None
    assert turns[1].recall("history") == {"offset": 8}
    turns[2].remember("history", {"offset": 4})
    assert turns[3].recall("history") == {"offset": 4}
    assert _reads_of("service_states", statements) == 1


def test_a_group_reads_the_switches_and_its_senders_bindings_once(session: Session, statements: list[str]) -> None:
    card = FakeCardSystem()
    for openid, student_no in (("oA", "20240001"), ("oB", "20240002")):
        bind(session, card, openid, student_no)
    session.add(FeatureSwitch(feature="topup", enabled=False, message=None))
    session.commit()
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    ids = [store_once(engine, to_message(parse_xml(text_xml(openid, "余额").encode())), "query")
           for openid in ("oA", "oB", "oA")]
    factory = sessionmaker(engine)
    sent: list[int] = []
    pipeline = Pipeline(WeChatTurns(ports(card), handlers(), lambda items: sent.extend(i for i, _ in items)),
                        lambda: UnitOfWork(factory))
    statements.clear()

    assert pipeline.process_group([i for i in ids if i is not None]) == ["handled"] * 3

    assert _reads_of("feature_switches", statements) == 1
    assert _reads_of("bindings", statements) == 1
    assert len(sent) == 3
    with factory() as check:
        bodies = check.query(OutboundMessage.body).all()
    assert all("余额" in body for body, in bodies)
