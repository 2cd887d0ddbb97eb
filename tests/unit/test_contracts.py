"""The written contracts (`adapters/<system>/openapi.yaml`), our HTTP clients and our simulators say
the same thing: a field, an operation or a status added to one and not the others fails here, and
the message says which is out of step.

Every client method runs once against its simulator through a recording session (the scenarios
below, errors and refusals included); each recorded call is then held to its contract.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from openapi_spec_validator import validate
from starlette.applications import Starlette
from starlette.routing import Mount

from adapters.bank.client import HttpBank
from adapters.bank.simulator import BankSimulator
from adapters.campusdata.client import HttpCampusData
from adapters.campusdata.simulator import CampusDataSimulator
from adapters.cardsystem.client import HttpCardSystem
from adapters.cardsystem.simulator import CardSystemSimulator
from adapters.contracts import SYSTEMS, Contract, load, path_of
from adapters.fees.client import HttpFeeSystems
from adapters.fees.simulator import FeeSimulator
from adapters.sim.faults import FaultInjector
from adapters.sms.client import HttpSms
from adapters.sms.file_sink import FileSms
from adapters.sms.simulator import SmsSimulator
from events.campus_time import SHANGHAI
from events.errors import OnecardError
from events.money_kinds import ledger_memo
from onecard.serve import ServerThread
from onecard.settings import Settings
from tests.contract_calls import Call, RecordingSession, without

#: What every system serves beside what onecard calls: the health check (onecard doctor asks it)
#: and the card system's test delivery (onecard conformance asks it).
NOT_CALLED_BY_CLIENTS = {("GET", "/health"), ("POST", "/webhooks/test")}
MONEY_TIMEOUT = float(Settings.model_fields["money_call_timeout_seconds"].default)


class Simulated:
    """The five simulators behind one local server, each under `/<system>`."""

    def __init__(self, sms_sink: Path) -> None:
        self.card, self.fees, self.campus, self.bank = (CardSystemSimulator(), FeeSimulator(),
                                                        CampusDataSimulator(), BankSimulator())
        self.sms = SmsSimulator(FileSms(sms_sink))
        self.faults: dict[str, FaultInjector] = {"card-system": self.card.faults, "fees": self.fees.faults,
                                                 "campus-data": self.campus.faults, "bank": self.bank.faults,
                                                 "sms": self.sms.faults}
        app = Starlette(routes=[Mount(f"/{system}", app=sim.app()) for system, sim in
                                (("card-system", self.card), ("fees", self.fees), ("campus-data", self.campus),
                                 ("bank", self.bank), ("sms", self.sms))])
        self.server = ServerThread(app).start()

    def url(self, system: str) -> str:
        return f"{self.server.url}/{system}/"


def _attempt(call: Callable[[], Any]) -> None:
    """A call whose answer is an error the client raises (404 on a read that needs the holder, a refused SMS…)."""
    with contextlib.suppress(OnecardError):
        call()


def _down(faults: FaultInjector, call: Callable[[], Any]) -> None:
    """`call` while the system is down: its 503 is an answer too."""
    faults.faults.outage = True
    try:
        _attempt(call)
    finally:
        faults.faults.outage = False


def _card_system(sim: Simulated) -> list[Call]:
    card = HttpCardSystem(sim.url("card-system"), money_timeout=MONEY_TIMEOUT)
    card.http.session = session = RecordingSession(sim.url("card-system"))
    now = datetime.now(UTC)
    for student_no in ("20240001", "NOBODY"):
        card.find_holder(student_no)
        card.card_info(student_no)
        _attempt(partial(card.balance_fen, student_no))
        _attempt(partial(card.transactions, student_no, since=now - timedelta(days=40), until=now, offset=1, limit=5))
    card.transactions("20240001")
    card.merchant_totals(since=now - timedelta(days=40), until=now)
    card.holder_by_card("6100100001")
    card.holder_by_card("0000000000")
    card.freeze("20240002", reason="reported lost by the holder in WeChat")
    card.unfreeze("20240002")
    card.set_phone("20240002", "13912345678")
    _attempt(lambda: card.freeze("NOBODY", reason="reported lost by the holder in WeChat"))
    topup, pay = ledger_memo("topup"), ledger_memo("power")
    card.credit("TCONTRACT1:credit", order_no="TCONTRACT1", student_no="20240001", amount_fen=5000, memo=topup)
    card.credit("TCONTRACT1:credit", order_no="TCONTRACT1", student_no="20240001", amount_fen=5000, memo=topup)
    card.debit("PCONTRACT1:debit", order_no="PCONTRACT1", student_no="20240004", amount_fen=100, memo=pay)
    card.credit("TCONTRACT2:credit", order_no="TCONTRACT2", student_no="NOBODY", amount_fen=100, memo=topup)
    card.freeze("20240003", reason="reported lost by the holder in WeChat")
    card.credit("TCONTRACT3:credit", order_no="TCONTRACT3", student_no="20240003", amount_fen=100, memo=topup)
    card.credit("PCONTRACT2:refund", order_no="PCONTRACT2", student_no="20240003", amount_fen=100,
                memo=ledger_memo("power", refund=True))
    card.unfreeze("20240003")
    card.query("TCONTRACT1:credit")
    card.query("TNEVERSEEN:credit")
    card.void("TCONTRACT4:credit", order_no="TCONTRACT4")
    card.void("TCONTRACT1:credit", order_no="TCONTRACT1")
    _down(sim.faults["card-system"], lambda: card.find_holder("20240001"))
    _down(sim.faults["card-system"], lambda: card.query("TCONTRACT1:credit"))
    return session.calls


def _fees(sim: Simulated) -> list[Call]:
    fees = HttpFeeSystems(sim.url("fees"), timeout=MONEY_TIMEOUT)
    fees.http.session = session = RecordingSession(sim.url("fees"))
    for kind in ("library", "exam", "photo", "net"):
        fees.due(kind, "20240001")
    _attempt(lambda: fees.due("gym", "20240001"))
    fees.pay("PCONTRACT1:fee", order_no="PCONTRACT1", kind="power", target="10-305", amount_fen=5000,
             payer="20240001")
    fees.pay("PCONTRACT2:fee", order_no="PCONTRACT2", kind="power", target="99-305", amount_fen=5000,
             payer="20240001")
    fees.query("PCONTRACT1:fee")
    fees.query("PNEVERSEEN:fee")
    fees.void("PCONTRACT3:fee", order_no="PCONTRACT3")
    fees.records(datetime.now(SHANGHAI).date().isoformat())
    _down(sim.faults["fees"], lambda: fees.query("PCONTRACT1:fee"))
    return session.calls


def _bank(sim: Simulated) -> list[Call]:
    bank = HttpBank(sim.url("bank"), timeout=MONEY_TIMEOUT)
    bank.http.session = session = RecordingSession(sim.url("bank"))
    bank.debit("TCONTRACT1:debit", order_no="TCONTRACT1", account="20240001", amount_fen=5000)
    bank.debit("TCONTRACT2:debit", order_no="TCONTRACT2", account="20240004", amount_fen=5000)  # no linked account
    bank.reverse("TCONTRACT1:reverse", debit_key="TCONTRACT1:debit", order_no="TCONTRACT1")
    bank.reverse("TCONTRACT3:reverse", debit_key="TCONTRACT3:debit", order_no="TCONTRACT3")
    bank.query("TCONTRACT1:debit")
    bank.query("TNEVERSEEN:debit")
    bank.statement(datetime.now(SHANGHAI).date().isoformat())
    _down(sim.faults["bank"], lambda: bank.query("TCONTRACT1:debit"))
    return session.calls


def _campus_data(sim: Simulated) -> list[Call]:
    campus = HttpCampusData(sim.url("campus-data"))
    campus.http.session = session = RecordingSession(sim.url("campus-data"))
    for student_no in ("20240001", "NOBODY"):
        campus.meetings(student_no)
        campus.grades(student_no)
        campus.timetable(student_no)
        campus.loans(student_no)
        campus.lockers(student_no)
    campus.grades("20240001", "2024-2025-1")
    loans = campus.loans("20240001")
    campus.loans_due_on(loans[0].due_on)
    _down(sim.faults["campus-data"], lambda: campus.loans("20240001"))
    return session.calls


def _sms(sim: Simulated) -> list[Call]:
    sms = HttpSms(sim.url("sms"))
    sms.http.session = session = RecordingSession(sim.url("sms"))
    sms.send("13800000001", "【校园一卡通】您正在绑定校园卡，验证码 482913，5 分钟内有效。")
    _down(sim.faults["sms"], lambda: sms.send("13800000001", "【校园一卡通】验证码 482913"))
    return session.calls


SCENARIOS: dict[str, Callable[[Simulated], list[Call]]] = {
    "card-system": _card_system, "fees": _fees, "bank": _bank, "campus-data": _campus_data, "sms": _sms}


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulated]:
    sim = Simulated(tmp_path_factory.mktemp("sms") / "sms.jsonl")
    yield sim
    sim.server.stop()


@pytest.fixture(scope="module")
def recorded(simulated: Simulated) -> dict[str, list[Call]]:
    """Every client's calls, by system."""
    return {system: scenario(simulated) for system, scenario in SCENARIOS.items()}


def _operation(contract: Contract, call: Call) -> str:
    template = contract.match(call.method, call.path)
    assert template is not None, (f"the {contract.system} client calls {call}, which its contract "
                                  f"({path_of(contract.system)}) does not describe")
    return template


@pytest.mark.parametrize("system", SYSTEMS)
def test_each_contract_is_a_valid_openapi_3_1_document(system: str) -> None:
    document = yaml.safe_load(path_of(system).read_text(encoding="utf-8"))
    validate(document)
    assert document["openapi"].startswith("3.1")


@pytest.mark.parametrize("system", SYSTEMS)
def test_every_operation_has_a_time_out_a_health_check_and_examples_its_schemas_accept(system: str) -> None:
    contract = load(system)
    assert ("GET", "/health") in contract.operations(), f"{system}: the contract has no GET /health"
    for method, path in contract.operations():
        assert contract.timeout(method, path), f"{system}: {method} {path} has no x-onecard-timeout"
        operation = contract.operation(method, path)
        assert operation.get("description") or operation.get("summary"), f"{system}: {method} {path} says nothing"
    problems = contract.example_problems()
    assert not problems, f"{system}: examples the contract's own schemas refuse:\n" + "\n".join(problems)


@pytest.mark.parametrize("system", SYSTEMS)
def test_every_call_a_client_makes_is_an_operation_of_its_contract_with_a_body_it_accepts(
        system: str, recorded: dict[str, list[Call]]) -> None:
    contract, problems = load(system), []
    for call in recorded[system]:
        template = _operation(contract, call)
        problems += [f"{call} sends {p}" for p in contract.request_problems(call.method, template, call.body)]
        problems += [f"{call} sends {p}" for p in contract.query_problems(call.method, template, call.query)]
        if call.body is not None:
            problems += [f"{call} sends the field {name!r}, which the contract does not name"
                         for name in contract.undocumented(contract.request_schema(call.method, template), call.body)]
        if call.timeout != contract.timeout(call.method, template):
            problems.append(f"{call} waits {call.timeout} s, the contract's x-onecard-timeout says "
                            f"{contract.timeout(call.method, template)} s")
    assert not problems, f"the {system} client and its contract are out of step:\n" + "\n".join(problems)


@pytest.mark.parametrize("system", SYSTEMS)
def test_every_simulator_answer_is_one_its_contract_documents(system: str, recorded: dict[str, list[Call]]) -> None:
    contract, problems = load(system), []
    for call in recorded[system]:
        template = _operation(contract, call)
        found = contract.response_problems(call.method, template, call.status, call.answer)
        problems += [f"{call} → HTTP {call.status}: {p}" for p in found]
        schema = contract.response_schema(call.method, template, call.status)
        if schema and call.answer is not None:
            problems += [f"{call} → HTTP {call.status} answers the field {name!r}, which the contract does not name"
                         for name in contract.undocumented(schema, call.answer)]
    assert not problems, f"the {system} simulator and its contract are out of step:\n" + "\n".join(problems)


@pytest.mark.parametrize("system", SYSTEMS)
def test_the_scenarios_cover_errors_refusals_and_every_status_the_contract_names(
        system: str, recorded: dict[str, list[Call]]) -> None:
    """The checks above are only as good as the answers they saw: each system's scenario must reach
    its 4xx/5xx answers and, for money, its refusals."""
    statuses = {call.status for call in recorded[system]}
    assert 503 in statuses, f"{system}: no call was answered while the system was down"
    outcomes = {call.answer.get("status") for call in recorded[system] if isinstance(call.answer, dict)}
    if system in ("card-system", "fees", "bank"):
        assert {"applied", "refused", "voided", "not_found"} <= outcomes, f"{system}: outcomes seen {outcomes}"
    if system in ("card-system", "fees", "campus-data"):
        assert 404 in statuses, f"{system}: no call was answered 404"


@pytest.mark.parametrize("system", SYSTEMS)
def test_every_operation_of_a_contract_is_one_onecard_calls(system: str, recorded: dict[str, list[Call]]) -> None:
    contract = load(system)
    called = {(call.method, _operation(contract, call)) for call in recorded[system]}
    unused = set(contract.operations()) - called - NOT_CALLED_BY_CLIENTS
    assert not unused, (f"{system}: the contract documents {sorted(unused)}, which the client never calls — "
                        "a bridge would build it for nothing (or a client call is missing from the scenario)")


@pytest.mark.parametrize("system", SYSTEMS)
def test_every_field_a_client_cannot_do_without_is_required_by_its_contract(
        system: str, recorded: dict[str, list[Call]]) -> None:
    """A field the client reads as `answer["field"]` must be in every bridge's answer: with it taken
    out, the contract must refuse the answer."""
    contract, problems = load(system), []
    for call in recorded[system]:
        template = _operation(contract, call)
        for place in sorted(call.reads):
            if not contract.response_problems(call.method, template, call.status, without(call.answer, place)):
                problems.append(f"{call} → HTTP {call.status}: the client reads {'/'.join(place)!r}, "
                                "but the contract lets a bridge leave it out (make it required)")
    assert not problems, f"the {system} client and its contract are out of step:\n" + "\n".join(problems)


def test_the_simulators_refuse_a_malformed_request_with_the_contracts_error_body(simulated: Simulated) -> None:
    """The answers no client call provokes: a bad phone number, a body that is not JSON, a report
    without its period."""
    asks = [
        ("card-system", "POST", "/holders/20240001/phone", "/holders/{student_no}/phone", {"phone": "12345"}),
        ("card-system", "POST", "/ops/TBAD:credit", "/ops/{key}", "not json"),
        ("card-system", "GET", "/merchants", "/merchants", None),
        ("bank", "POST", "/ops/TBAD:debit", "/ops/{key}", "[1, 2]"),
        ("fees", "POST", "/ops/PBAD:fee/void", "/ops/{key}/void", "not json"),
        ("sms", "POST", "/send", "/send", "not json"),
    ]
    for system, method, path, template, body in asks:
        kwargs: dict[str, Any] = {"json": body} if isinstance(body, dict) else {"data": body}
        answer = requests.request(method, simulated.url(system) + path.lstrip("/"), timeout=10, **kwargs)
        assert answer.status_code == 400, f"{system} {method} {path}: {answer.status_code} {answer.text}"
        problems = load(system).response_problems(method, template, 400, answer.json())
        assert not problems, f"{system} {method} {path} answers 400 with {answer.json()}: {problems}"
    card = load("card-system")
    step: dict[str, Any] = {"op": "credit", "order_no": "TNOMEMO", "student_no": "20240001", "amount_fen": 100}
    assert card.request_problems("POST", "/ops/{key}", step), "the contract must require a memo"
    outcome = requests.post(simulated.url("card-system") + "ops/TNOMEMO:credit", json=step, timeout=10).json()
    assert (outcome["status"], outcome["reason"]) == ("refused", "bad_request"), outcome
    assert not card.response_problems("POST", "/ops/{key}", 200, outcome)


def test_a_health_check_on_every_system_answers_as_the_contracts_say(simulated: Simulated) -> None:
    for system in SYSTEMS:
        answer = requests.get(simulated.url(system) + "health", timeout=10)
        assert answer.status_code == 200
        assert not load(system).response_problems("GET", "/health", 200, answer.json()), answer.json()
        assert datetime.fromisoformat(answer.json()["time"]).utcoffset() is not None
