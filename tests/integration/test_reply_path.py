"""The reply worker against the WeChat API simulator, through wechatpy, over HTTP."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import requests
from sqlalchemy import select

from adapters.wechat.callbacks import text_xml
from events.errors import TransientError
from store import outbound
from store.tables import OutboundMessage
from tests.harness import Stack, new_openid
from workers.delivery.reply import deliver


def _record(stack: Stack, openid: str, text: str) -> int:
    """A reply to `openid`, who just wrote (so WeChat allows it)."""
    stack.heard(text_xml(openid, "你好"))
    with stack.platform.uow() as uow:
        row = outbound.add(uow.session, outbound.Message("wechat", openid, text))
        uow.session.flush()
        row_id = row.id
        uow.commit()
    return row_id


def _send(stack: Stack, outbound_id: int) -> str:
    p = stack.platform
    return deliver([outbound_id], p.senders())[outbound_id]


def _status(stack: Stack, outbound_id: int) -> tuple[str, int, str | None]:
    with stack.platform.uow() as uow:
        row = uow.session.get_one(OutboundMessage, outbound_id)
        return row.status, row.attempts, row.last_error


def _stats(stack: Stack) -> dict[str, int]:
    return dict(requests.get(f"{stack.simulator_url}/wechat-api/_sim/stats", timeout=5).json())


def test_a_reply_is_sent_once_however_often_it_is_delivered(stack: Stack) -> None:
    openid = new_openid()
    reply = _record(stack, openid, "你好")
    assert [_send(stack, reply) for _ in range(3)] == ["sent", "not_claimed", "not_claimed"]
    assert [m["content"] for m in stack.sent_to(openid)] == ["你好"]


def test_an_expired_token_is_refreshed_once_and_the_send_retried(stack: Stack) -> None:
    openid = new_openid()
    _send(stack, _record(stack, openid, "warm-up"))  # make sure a token is cached
    requests.post(f"{stack.simulator_url}/wechat-api/_sim/expire_tokens", timeout=5).raise_for_status()
    before = _stats(stack)["token_calls"]
    assert _send(stack, _record(stack, openid, "after expiry")) == "sent"
    assert _stats(stack)["token_calls"] == before + 1
    assert [m["content"] for m in stack.sent_to(openid)][-1] == "after expiry"


def test_outside_the_48_hour_window_a_reply_is_undeliverable_not_retried(stack: Stack) -> None:
    openid = new_openid()
    stack.wechat_faults(refuse={openid: 45015})
    try:
        reply = _record(stack, openid, "too late")
        assert _send(stack, reply) == "undeliverable"
        assert _send(stack, reply) == "not_claimed"
        status, attempts, error = _status(stack, reply)
        assert (status, attempts) == ("undeliverable", 1) and error and "45015" in error
    finally:
        stack.wechat_faults(refuse={})


def test_a_busy_wechat_is_retried_and_the_reply_goes_out_once(stack: Stack) -> None:
    openid = new_openid()
    reply = _record(stack, openid, "eventually")
    stack.wechat_faults(fail_next=[-1])
    with pytest.raises(TransientError):
        _send(stack, reply)
    assert _status(stack, reply)[0] == "pending"
    assert _send(stack, reply) == "sent"
    assert [m["content"] for m in stack.sent_to(openid)] == ["eventually"]
    assert _status(stack, reply)[:2] == ("sent", 2)


def test_a_batch_is_sent_together_and_one_refusal_spoils_none_of_the_others(stack: Stack) -> None:
    openids = [new_openid() for _ in range(4)]
    stack.wechat_faults(refuse={openids[1]: 45015})
    try:
        replies = [_record(stack, openid, f"第{n}条") for n, openid in enumerate(openids)]
        p = stack.platform
        outcomes = deliver(replies, p.senders())
    finally:
        stack.wechat_faults(refuse={})
    assert [outcomes[r] for r in replies] == ["sent", "undeliverable", "sent", "sent"]
    assert [[m["content"] for m in stack.sent_to(o)] for o in openids] == [["第0条"], [], ["第2条"], ["第3条"]]
    assert [_status(stack, r)[0] for r in replies] == ["sent", "undeliverable", "sent", "sent"]


def test_a_batch_with_a_busy_moment_retries_only_what_was_not_sent(stack: Stack) -> None:
    openids = [new_openid() for _ in range(3)]
    replies = [_record(stack, openid, "批量") for openid in openids]
    p = stack.platform
    stack.wechat_faults(fail_next=[-1])  # the next send meets a busy WeChat; the others go out
    with pytest.raises(TransientError):
        deliver(replies, p.senders())
    statuses = [_status(stack, r)[0] for r in replies]
    assert sorted(statuses) == ["pending", "sent", "sent"]

    retried = deliver(replies, p.senders())  # the broker's retry

    assert sorted(retried.values()) == ["not_claimed", "not_claimed", "sent"]
    assert [len(stack.sent_to(o)) for o in openids] == [1, 1, 1]


def test_every_process_shares_one_token_and_only_one_refreshes_it(stack: Stack) -> None:
    """Eight processes find the token dead at once: WeChat sees exactly one token request."""
    requests.post(f"{stack.simulator_url}/wechat-api/_sim/expire_tokens", timeout=5).raise_for_status()
    before = _stats(stack)["token_calls"]
    openids = [new_openid() for _ in range(8)]
    for openid in openids:
        stack.heard(text_xml(openid, "你好"))
    script = textwrap.dedent(
        """
        import sys
        from onecard.bootstrap import build
        from onecard.settings import Settings
        platform = build(Settings(_env_file=None))
        platform.wechat.send_text(sys.argv[1], "same token")
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, openid], env=stack.env | _path_env())
             for openid in openids]
    assert [p.wait(timeout=60) for p in procs] == [0] * 8
    assert _stats(stack)["token_calls"] == before + 1
    assert all(len(stack.sent_to(openid)) == 1 for openid in openids)


def _path_env() -> dict[str, str]:
    import os

    return {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root")}


def test_stuck_replies_are_found_by_the_sweeper(stack: Stack) -> None:
    from datetime import timedelta

    openid = new_openid()
    reply = _record(stack, openid, "forgotten")
    found = outbound.stuck(stack.platform.engine, timedelta(seconds=-1))
    assert reply in [row_id for row_id, _ in found]
    # Returned once, then left alone for another period while the queue drains.
    assert reply not in [row_id for row_id, _ in outbound.stuck(stack.platform.engine, timedelta(seconds=30))]
    with stack.platform.uow() as uow:
        status = uow.session.execute(select(OutboundMessage.status).where(OutboundMessage.id == reply)).scalar()
    assert status == "pending"
