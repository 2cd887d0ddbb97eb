"""Fixtures of the handler tests: an in-memory database with every table, and a fresh card system."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from store.tables import Base
from tests.unit.fakes import FakeCardSystem


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


@pytest.fixture
def card() -> FakeCardSystem:
    return FakeCardSystem()
