"""Our own simulators pass `onecard conformance`, for every system, with and without money steps;
the money guard refuses what is unsafe before any call moves money."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import onecard.conformance.runner as runner
from adapters.sim.server import Simulators
from tests.conformance_run import CARD, HOLDER, PREFIX, SECRET, conformance, served_simulators


@pytest.fixture(scope="module")
def sims(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Simulators, str]]:
    with served_simulators(tmp_path_factory.mktemp("conformance")) as served:
        yield served


def url(sims: tuple[Simulators, str], system: str) -> str:
    return f"{sims[1]}/{PREFIX[system]}/"


@pytest.mark.parametrize("money", [False, True], ids=["reads", "with-money"])
@pytest.mark.parametrize("system", sorted(PREFIX))
def test_our_simulator_passes(sims: tuple[Simulators, str], system: str, money: bool) -> None:
    card = sims[0].card
    before = (card.balances[HOLDER], card.holder(HOLDER))
    extra = ["--with-money", "--card", CARD] if money else []
    if system == "sms" and money:
        extra = ["--send-sms", "--phone", "13800000009"]
    code, out, _ = conformance(system, url(sims, system), "--holder", HOLDER, "--webhook-secret", SECRET, *extra)
    assert code == 0, out
    assert "结果：通过" in out and "\n✘ " not in out
    assert (card.balances[HOLDER], card.holder(HOLDER)) == before  # the test card is left as it was
    if money and system == "card-system":
        assert "挂失卡拒绝扣款" in out and "扣款超过余额被拒绝" in out and "收到测试推送" not in out
    if not money and system != "campus-data":
        assert "–" in out  # the money steps are listed as not run


def test_the_sms_check_sends_a_real_text_only_when_asked(sims: tuple[Simulators, str]) -> None:
    sent = len(sims[0].sms.sink.read())
    assert conformance("sms", url(sims, "sms"), "--phone", "13800000008")[0] == 0
    assert len(sims[0].sms.sink.read()) == sent
    assert conformance("sms", url(sims, "sms"), "--phone", "13800000008", "--send-sms")[0] == 0
    assert [m["phone"] for m in sims[0].sms.sink.read()[sent:]] == ["13800000008"]


def test_without_money_no_keyed_step_is_sent(sims: tuple[Simulators, str]) -> None:
    journals = {s: len(getattr(sims[0], a).journal.entries()) for s, a in
                (("card-system", "card"), ("fees", "fees"), ("bank", "bank"))}
    for system in journals:
        code, out, _ = conformance(system, url(sims, system), "--holder", HOLDER, "--card", CARD,
                                   "--webhook-secret", SECRET)
        assert code == 0, out
    assert {s: len(getattr(sims[0], a).journal.entries()) for s, a in
            (("card-system", "card"), ("fees", "fees"), ("bank", "bank"))} == journals


@pytest.mark.parametrize(("argv", "said"), [
    (["card-system", "--with-money", "--card", CARD], "--holder"),
    (["card-system", "--with-money", "--holder", HOLDER], "--card"),
    (["card-system", "--with-money", "--holder", HOLDER, "--card", "6100100002"], "不属于测试持卡人"),
    (["fees", "--with-money"], "--holder"),
    (["bank", "--with-money", "--holder", HOLDER, "--amount-fen", "0"], "--amount-fen"),
    (["no-such-system"], "SYSTEM"),
])
def test_an_unsafe_money_run_is_refused_before_anything_moves(sims: tuple[Simulators, str], argv: list[str],
                                                              said: str) -> None:
    system, *rest = argv
    journal = len(sims[0].card.journal.entries())
    code, out, err = conformance(system, url(sims, system) if system in PREFIX else sims[1], *rest,
                                 "--webhook-secret", SECRET)
    assert (code, out) == (2, "")
    assert said in err
    assert "拒绝运行" in err or system not in PREFIX
    assert len(sims[0].card.journal.entries()) == journal


def test_the_json_report_says_the_same(sims: tuple[Simulators, str]) -> None:
    code, out, _ = conformance("campus-data", url(sims, "campus-data"), "--holder", HOLDER, "--json")
    report = json.loads(out)
    assert code == 0 and report["passed"] is True and report["system"] == "campus-data"
    assert {f["status"] for f in report["findings"]} <= {"ok", "skip"}
    assert any(f["name"].startswith("查询成绩") for f in report["findings"])


def test_a_missing_contract_is_reported_not_a_crash(sims: tuple[Simulators, str], monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    def load(system: str) -> None:
        raise FileNotFoundError(tmp_path / "openapi.yaml")

    monkeypatch.setattr(runner, "load", load)
    code, out, _ = conformance("campus-data", url(sims, "campus-data"), "--holder", HOLDER)
    assert code == 1
    assert "✘ 接口契约" in out and "无法检查应答格式" in out
    assert "✔ 查询成绩" in out  # the behaviour is still checked


def test_a_test_card_not_in_use_gets_no_money_step(sims: tuple[Simulators, str]) -> None:
    card = sims[0].card
    card.change(HOLDER, status="lost")  # the school's test card, reported lost by someone
    try:
        journal = len(card.journal.entries())
        code, out, _ = conformance("card-system", url(sims, "card-system"), "--holder", HOLDER, "--card", CARD,
                                   "--with-money", "--webhook-secret", SECRET)
        assert code == 1
        assert "✘ 记账步骤" in out and "处于正常状态" in out
        assert len(card.journal.entries()) == journal
        holder = card.holder(HOLDER)
        assert holder is not None and holder.status == "lost"  # not lifted by the run: it was not the run's loss report
    finally:
        card.change(HOLDER, status="normal")
