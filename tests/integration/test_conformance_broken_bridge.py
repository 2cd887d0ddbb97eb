"""A deliberately broken card-system bridge fails `onecard conformance` with a report that names
what to fix, one breakage per test (tests/fixtures/broken_bridge.py), and exit code 1."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import onecard.conformance.runner as runner
from adapters.cardsystem.simulator import CardSystemSimulator
from adapters.contracts import Contract, load
from onecard.serve import ServerThread
from tests.conformance_run import CARD, HOLDER, SECRET, conformance
from tests.fixtures.broken_bridge import BrokenCardSystem


@contextmanager
def bridge(breakage: str | None, *, delay: float = 0.0,
           secret: str = SECRET) -> Iterator[tuple[CardSystemSimulator, str]]:
    """The card simulator broken by `breakage` (None: as shipped), its webhook signing with `secret`."""
    card = BrokenCardSystem(breakage, delay) if breakage else CardSystemSimulator()
    card.webhook.connect("http://127.0.0.1:9/unused", secret)
    server = ServerThread(card.app()).start()
    try:
        yield card, f"{server.url}/"
    finally:
        server.stop()


def run(url: str, *extra: str, secret: str = SECRET) -> tuple[int, str]:
    code, out, _ = conformance("card-system", url, "--holder", HOLDER, "--webhook-secret", secret, *extra)
    return code, out


def failure(out: str, title: str) -> str:
    """The ✘ line whose title starts with `title`, with its 应/详情 lines."""
    found = re.search(rf"^✘ {re.escape(title)}.*\n(?:    .*\n)*", out, re.MULTILINE)
    assert found, f"no failure {title!r} in:\n{out}"
    return found.group(0)


def test_a_repeated_step_applied_twice_is_named() -> None:
    with bridge("applies_twice") as (card, url):
        start = card.balances[HOLDER]
        code, out = run(url, "--with-money", "--card", CARD)
        assert card.balances[HOLDER] == start  # left as it was, all the same
    assert code == 1
    repeated = failure(out, "余额只变动一次（credit）")
    assert "同一键的请求无论提交几次，只能记账一次" in repeated
    assert f"余额应为 {start + 1} 分，实为 {start + 2} 分" in repeated
    assert "原样返回首次的结果" in failure(out, "重复提交")


def test_a_wrong_error_body_for_an_unknown_holder_is_named() -> None:
    with bridge("wrong_404") as (_card, url):
        code, out = run(url)
    assert code == 1
    wrong = failure(out, "未知学号：持卡人")
    assert "HTTP 404 与契约中的错误体" in wrong
    assert "'error' is a required property" in wrong and "学号不存在" in wrong  # the technical detail and the body
    assert "\n✔ 未知学号：余额" in out  # only what is broken is named


@pytest.fixture
def quick_balance(monkeypatch: pytest.MonkeyPatch) -> None:
    """The contract with a 0.4 s time-out on the balance, so that a slow answer takes no test long."""
    document = copy.deepcopy(load("card-system").document)
    document["paths"]["/holders/{student_no}/balance"]["get"]["x-onecard-timeout"] = 0.4
    monkeypatch.setattr(runner, "load", lambda system: Contract(system, document))


@pytest.mark.usefixtures("quick_balance")
def test_a_read_beyond_its_time_out_fails_with_the_time_measured() -> None:
    with bridge("slow_balance", delay=0.6) as (_card, url):
        code, out = run(url)
    assert code == 1
    slow = failure(out, "超时：GET /holders/{student_no}/balance")
    assert "须在 0.4 s 内答复" in slow and re.search(r"实测 0\.[6-9]\d s", slow)


@pytest.mark.usefixtures("quick_balance")
def test_a_read_past_half_its_time_out_is_a_warning_only() -> None:
    with bridge("slow_balance", delay=0.25) as (_card, url):
        code, out = run(url)
    assert code == 0, out
    assert "⚠ 响应较慢：GET /holders/{student_no}/balance" in out and "用时已超过时限的一半" in out


def test_a_webhook_signed_with_another_secret_is_named() -> None:
    with bridge(None, secret="not-the-shared-secret") as (_card, url):
        code, out = run(url)
    assert code == 1
    signed = failure(out, "测试推送的签名")
    assert "HMAC-SHA256" in signed and "bad signature" in signed


def test_a_webhook_never_delivered_is_named() -> None:
    with bridge(None) as (_card, url):
        code, out, _ = conformance("card-system", url, "--webhook-secret", SECRET, "--webhook-wait", "0.5",
                                   "--public-url", "http://127.0.0.1:9/nobody-listens")
    assert code == 1
    assert "--listen/--public-url" in failure(out, "收到测试推送")
