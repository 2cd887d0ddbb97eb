"""A student's whole walk against a card system that is not ours: the bridge in tests/fixtures/card_bridge,
written from the card system's contract alone and run as its own process, stands where the card
simulator usually does (the bank, fee and SMS simulators stay). What passes here is what a school's
bridge that keeps the contract gives its students.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from onecard.serve import free_port
from tests.conformance_run import CARD, conformance
from tests.harness import Stack, new_openid, running_stack
from tests.processes import Process, start_card_bridge
from workers.text.format import yuan

STUDENT, PHONE = "20240001", "13800000001"
WEBHOOK_SECRET = "bridge-webhook-secret"


@dataclasses.dataclass
class Bridged:
    stack: Stack
    bridge: Process

    def get(self, path: str, **params: Any) -> Any:
        answer = requests.get(f"{self.bridge.url}{path}", params=params, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def lines(self) -> list[dict[str, Any]]:
        """The student's statement lines on the bridge, newest first."""
        return list(self.get(f"/holders/{STUDENT}/transactions", limit=50)["items"])

    def balance(self) -> int:
        return int(self.get(f"/holders/{STUDENT}/balance")["balance_fen"])

    def swipe(self, amount_fen: int) -> requests.Response:
        """The student's card at 一食堂's terminal (the bridge's test-only endpoint, outside the contract)."""
        return requests.post(f"{self.bridge.url}/_test/swipe", timeout=10,
                             json={"student_no": STUDENT, "amount_fen": amount_fen, "merchant": "一食堂"})


@pytest.fixture(scope="module")
def bridged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bridged]:
    """A stack whose card system is the bridge: onecard asks it, and it pushes swipes to onecard."""
    tmp = tmp_path_factory.mktemp("bridged")
    port = free_port()
    with running_stack(tmp, card_system_url=f"http://127.0.0.1:{port}/", card_events_secret=WEBHOOK_SECRET) as stack:
        bridge = start_card_bridge(tmp, webhook_url=f"{stack.ingress_url}/cardsystem/events", secret=WEBHOOK_SECRET,
                                   port=port)
        try:
            stack.start_workers(name="bridged-all-topics")
            yield Bridged(stack, bridge)
        finally:
            bridge.stop()


def test_the_bridge_passes_onecard_conformance_with_money_and_is_left_as_it_was(bridged: Bridged) -> None:
    """What a school runs before go-live holds for the bridge the walk below runs on: the runner's
    verdict and onecard's behaviour agree."""
    before = (bridged.balance(), bridged.get(f"/holders/{STUDENT}")["status"], len(bridged.lines()))
    code, out, _ = conformance("card-system", f"{bridged.bridge.url}/", "--holder", STUDENT, "--card", CARD,
                               "--with-money", "--webhook-secret", WEBHOOK_SECRET)
    assert code == 0, out
    assert "结果：通过" in out and "\n✘ " not in out
    # Money moved and came back through keyed steps: the balance and the status as they were.
    after = (bridged.balance(), bridged.get(f"/holders/{STUDENT}")["status"], len(bridged.lines()))
    assert after[:2] == before[:2] and after[2] > before[2]


def test_a_student_walks_through_onecard_on_a_bridge_written_from_the_contract(bridged: Bridged) -> None:
    live, openid = bridged.stack, new_openid()
    simulated = live.simulators.card.balances[STUDENT]
    live.event(openid, "subscribe")
    assert "欢迎关注" in live.replies(openid, 1)[0]
    live.bind(openid, STUDENT, PHONE)
    opening = bridged.balance()
    assert live.ask(openid, "余额").startswith(f"张三，您的校园卡余额为 {yuan(opening)} 元")

    # A bank 圈存: the bank is our simulator, the card's credit is the bridge's line, named as the contract says.
    assert "请确认" in live.ask(openid, "充值 50")
    _, receipt = live.confirm(openid)
    assert receipt.startswith(f"充值成功，余额 {yuan(opening + 5000)} 元"), receipt
    top_up = bridged.lines()[0]
    assert (top_up["merchant"], top_up["category"], top_up["amount_fen"]) == ("银行圈存", "充值", 5000)
    step = bridged.get(f"/ops/{live.last_order(openid).order_no}:credit")
    assert step["status"] == "applied" and step["line_id"] == top_up["id"]

    # A fee payment: a debit on the bridge's ledger, named by the fee.
    assert "10-305" in live.ask(openid, "电费 10-305 12.50")
    _, receipt = live.confirm(openid, "CLICK")
    assert "宿舍电费（10-305）缴费成功" in receipt, receipt
    fee = bridged.lines()[0]
    assert (fee["merchant"], fee["category"], fee["amount_fen"]) == ("宿舍电费", "缴费", -1250)

    # A swipe at one of the bridge's terminals: its signed webhook reaches onecard, the alert the student.
    assert "消费提醒已开启" in live.ask(openid, "消费提醒 开")
    asked = len(live.sent_to(openid))
    bridged.swipe(800).raise_for_status()
    after_swipe = bridged.balance()
    alert = live.replies(openid, asked + 1)[asked]
    assert alert == f"【消费提醒】\n您的校园卡在一食堂消费 8.00 元，余额 {yuan(after_swipe)} 元。"

    statement = live.ask(openid, "流水")
    assert f"余额 {yuan(after_swipe)} 元" in statement, statement
    assert all(line in statement for line in ("一食堂 -8.00", "宿舍电费 -12.50", "银行圈存 +50.00")), statement

    # 挂失 freezes the card on the bridge; 解挂 with the SMS code puts it back in use.
    assert "确认挂失请回复：确认挂失" in live.ask(openid, "挂失")
    assert "挂失成功" in live.ask(openid, "确认挂失")
    assert bridged.get(f"/holders/{STUDENT}")["status"] == "lost"
    assert bridged.swipe(100).status_code == 409, "a lost card takes no payment"
    since = len(live.sms_to(PHONE))
    assert "验证码已发送至 138****0001" in live.ask(openid, "解挂")
    assert "解挂成功" in live.ask(openid, live.code_sent(PHONE, since))
    assert bridged.get(f"/holders/{STUDENT}")["status"] == "normal"
    assert live.ask(openid, "余额").startswith(f"张三，您的校园卡余额为 {yuan(after_swipe)} 元")
    assert live.simulators.card.balances[STUDENT] == simulated, "our card simulator had no part in it"
