"""A topic of several sources: each event goes to the source its row names, in one transaction."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from events.errors import PermanentError
from store.tables import Base, InboxEvent, utcnow
from store.uow import UnitOfWork
from workers.runtime.by_source import BySource
from workers.runtime.pipeline import Event, Pipeline


class Recording:
    """A source that records what it was asked to prepare and handle."""

    def __init__(self, name: str, fail_prepare: set[int] | None = None) -> None:
        self.name, self.fail_prepare = name, fail_prepare or set()
        self.prepared: list[list[int]] = []
        self.handled: list[list[int]] = []

    def prepare(self, event_ids: Sequence[int]) -> tuple[str, set[int]]:
        self.prepared.append(list(event_ids))
        return f"{self.name}-ready", self.fail_prepare & set(event_ids)

    def handle(self, uow: UnitOfWork, events: Sequence[Event], prepared: str) -> list[str]:
        assert prepared == f"{self.name}-ready"
        self.handled.append([e.id for e in events])
        return [f"{self.name}:{e.id}" for e in events]

    def give_up(self, uow: UnitOfWork, event: Event, prepared: str) -> str | None:
        return None


@pytest.fixture
def uow_factory() -> Iterator[Any]:
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    Base.metadata.create_all(engine)
    factory = sessionmaker(engine)
    yield lambda: UnitOfWork(factory)
    engine.dispose()


def _events(uow_factory: Any, sources: list[str]) -> list[int]:
    with uow_factory() as uow:
        rows = [InboxEvent(dedup_key=f"k{n}:{source}", source=source, payload={}, create_time=0, topic="topup",
                           status="received", received_at=utcnow()) for n, source in enumerate(sources)]
        uow.session.add_all(rows)
        uow.session.flush()
        ids = [row.id for row in rows]
        uow.commit()
    return ids


def test_each_event_goes_to_its_own_source_and_the_outcomes_keep_their_order(uow_factory: Any) -> None:
    wechat, pay = Recording("wechat"), Recording("wechatpay")
    ids = _events(uow_factory, ["wechat", "wechatpay", "wechat", "wechatpay"])
    outcomes = Pipeline(BySource({"wechat": wechat, "wechatpay": pay}, uow_factory), uow_factory).process_group(ids)
    assert outcomes == [f"wechat:{ids[0]}", f"wechatpay:{ids[1]}", f"wechat:{ids[2]}", f"wechatpay:{ids[3]}"]
    assert wechat.prepared == wechat.handled == [[ids[0], ids[2]]]  # a WeChat read-ahead never sees a payment
    assert pay.prepared == pay.handled == [[ids[1], ids[3]]]


def test_a_source_that_has_nothing_in_the_group_is_not_asked(uow_factory: Any) -> None:
    wechat, pay = Recording("wechat"), Recording("wechatpay")
    [event_id] = _events(uow_factory, ["wechatpay"])
    assert Pipeline(BySource({"wechat": wechat, "wechatpay": pay}, uow_factory), uow_factory).process_one(
        event_id) == f"wechatpay:{event_id}"
    assert (wechat.prepared, wechat.handled) == ([], [])


def test_an_event_whose_preparation_failed_or_whose_source_is_unknown_runs_alone(uow_factory: Any) -> None:
    ids = _events(uow_factory, ["wechat", "wechat", "card"])
    wechat = Recording("wechat", fail_prepare={ids[1]})
    pipeline = Pipeline(BySource({"wechat": wechat}, uow_factory), uow_factory)
    assert pipeline.process_group(ids) == [f"wechat:{ids[0]}", None, None]
    with pytest.raises(PermanentError, match="card"):
        pipeline.process_one(ids[2])
