"""Kill -9 of each process, a broker restart and a database outage, each in the middle of steady
traffic: afterwards every acknowledged callback got exactly one reply, and none was lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import Stack, running_stack
from tests.reliability.scenario import Outcome, private_redis, survive

pytestmark = pytest.mark.e2e


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Stack]:
    with running_stack(tmp_path) as stack:
        yield stack


def assert_survived(outcome: Outcome, *, in_flight_sends: int = 0) -> None:
    print(outcome)  # the figures, with `pytest -s`
    assert outcome.acked >= 30, outcome
    assert outcome.refused == 0, outcome
    assert outcome.lost == [], outcome
    # A send cut off by a kill -9 between WeChat's answer and our record of it is sent again when
    # its lease runs out: WeChat's API has no idempotency key. Only those can repeat.
    assert sum(c - 1 for c in outcome.duplicated.values()) <= in_flight_sends, outcome


@pytest.mark.parametrize("fault", ["ingress", "general-pool", "query-pool", "bind-pool"])
def test_a_killed_process_loses_no_acknowledged_callback_and_answers_each_once(fresh: Stack, fault: str) -> None:
    assert_survived(survive(fresh, fault))


def test_a_killed_reply_worker_loses_no_reply(fresh: Stack) -> None:
    outcome = survive(fresh, "reply-pool")
    assert_survived(outcome, in_flight_sends=outcome.notes["sending_at_kill"])


def test_a_database_outage_of_a_few_seconds_loses_nothing(fresh: Stack) -> None:
    assert_survived(survive(fresh, "database", down_for=3.0))


def test_a_broker_restart_loses_nothing(tmp_path: Path) -> None:
    with private_redis(tmp_path / "redis") as redis, \
            running_stack(tmp_path / "stack", broker_url=redis.url) as stack:
        outcome = survive(stack, "broker", broker=redis, down_for=2.0)
    assert_survived(outcome)

