"""Every real WeChat callback in the shared conformance corpus is acked, stored once and routed or
politely ignored. The corpus lives in ../shared (not copied here); CI requires it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from events.messages import to_message
from ingress.parse import parse_xml
from store.inbox import store_key
from store.tables import InboxEvent
from tests.harness import Stack
from tests.processes import wait_until

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "wechat-messages"


def _corpus() -> list[Path]:
    files = sorted(CORPUS.glob("*.xml")) if CORPUS.is_dir() else []
    if not files:
        if os.environ.get("ONECARD_REQUIRE_CONFORMANCE"):
            pytest.fail(f"the conformance corpus is required but {CORPUS} has no callbacks")
        pytest.skip("../shared/conformance is not beside this checkout")
    return files


def test_every_corpus_callback_is_acked_and_stored_once(stack: Stack) -> None:
    files = _corpus()
    keys: set[str] = set()
    for path in files:
        body = path.read_bytes()
        for attempt in range(2):  # the second post is WeChat's retry
            answer = stack.sender().post(body.decode())
            assert (answer.status_code, answer.text) == (200, "success"), f"{path.name} attempt {attempt}"
        keys.add(store_key(to_message(parse_xml(body))))
    with stack.platform.uow() as uow:
        stored = uow.session.execute(select(InboxEvent.dedup_key, InboxEvent.topic, InboxEvent.status)
                                     .where(InboxEvent.dedup_key.in_(keys))).all()
    assert len(stored) == len(keys)  # each identity once, however often it arrived
    assert {row.status for row in stored} <= {"received", "processed", "ignored"}
    assert len(files) >= 40


def test_the_corpus_answers_users_politely_and_crashes_nothing(live: Stack) -> None:
    keys = {store_key(to_message(parse_xml(path.read_bytes()))) for path in _corpus()}

    def waiting() -> int:
        with live.platform.uow() as uow:  # the corpus's own events: other tests' card events are not ours to wait on
            return len(uow.session.execute(
                select(InboxEvent.id).where(InboxEvent.status == "received", InboxEvent.dedup_key.in_(keys))
            ).all())

    assert wait_until(lambda: waiting() == 0, timeout=30), f"{waiting()} corpus events never processed"
