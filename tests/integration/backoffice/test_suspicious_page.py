"""可疑交易 and the alert counts on 数据分析: a suspicious swipe over the webhook is listed for the
office, decided once with an audit entry, and counted (workers running)."""

from __future__ import annotations

import time

from sqlalchemy import select

from store.tables import CardAlert, OutboundMessage, SuspiciousTransaction
from tests.card_events import post, transaction
from tests.harness import Stack, new_openid
from tests.integration.backoffice.client import audit_entries, signed_in
from tests.integration.backoffice.fixtures import add_binding


def _found(live: Stack, student_no: str, timeout: float = 20.0) -> int:
    """The finding's id once its push to the holder is recorded as sent: nothing is left writing
    in the background when the test ends (the next test's sign-in must not race it)."""
    deadline = time.monotonic() + timeout
    while True:
        with live.platform.uow() as uow:
            item = uow.session.execute(select(SuspiciousTransaction.id)
                                       .where(SuspiciousTransaction.student_no == student_no)).scalar()
            pushed = uow.session.execute(
                select(OutboundMessage.status).join(CardAlert, CardAlert.outbound_id == OutboundMessage.id)
                .where(CardAlert.student_no == student_no)).scalar()
        if item is not None and pushed == "sent":
            return int(item)
        assert time.monotonic() < deadline, "no suspicious transaction recorded"
        time.sleep(0.05)


def test_a_large_swipe_is_listed_decided_once_and_counted(live: Stack) -> None:
    admin = signed_in(live, "operator")  # first: its read-then-insert must not race the workers' writes
    openid = new_openid()
    student_no = add_binding(live, openid)
    assert post(live, transaction(student_no, amount="-450.00", balance="50.00")).status_code == 200
    item_id = _found(live, student_no)
    page = admin.get("/suspicious")
    assert page.status_code == 200 and "单笔金额超过限额" in page.text and student_no in page.text
    answer = admin.post(f"/suspicious/{item_id}/decide", {"decision": "fraud", "note": "持卡人确认卡被盗"})
    assert answer.status_code == 303
    again = admin.post(f"/suspicious/{item_id}/decide", {"decision": "legitimate"})
    assert "err=suspicious_decided_before" in again.headers["location"]
    assert "已经处理过（确认盗刷）" in admin.get(again.headers["location"].removeprefix("/admin")).text
    with live.platform.uow() as uow:
        decided = uow.session.get_one(SuspiciousTransaction, item_id)
        assert (decided.decision, decided.decided_by) == ("fraud", admin.username)
    [entry] = [e for e in audit_entries(live, admin.username) if e.action == "suspicious decided"]
    assert entry.before == {"decision": None, "note": None}
    assert "交易异常提醒" in admin.get("/analytics").text
