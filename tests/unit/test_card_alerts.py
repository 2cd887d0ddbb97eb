"""The alerts pool's rules over a real SQLite file: each card event stored in the inbox as the webhook
stores it, then handled by the inbox pipeline of card events with a fixed clock. No broker, no processes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from events.card_events import CardTransaction
from store import inbox
from store.db import make_engine, make_session_factory
from store.tables import (
    AlertSetting,
    Base,
    Binding,
    BindingLog,
    CardAlert,
    FeatureSwitch,
    MoneyOrder,
    MoneyOutbox,
    OutboundMessage,
    SuspiciousTransaction,
)
from store.uow import UnitOfWork
from tests.unit.fakes import NOW
from workers.alerts.config import AlertConfig
from workers.alerts.process import AlertPorts, CardEvents
from workers.alerts.summary import send_daily_summaries
from workers.money.amounts import Limits
from workers.runtime.pipeline import Pipeline


class Pool:
    """The alerts pool's view of one database: store an event, handle it, see what went out."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.factory = make_session_factory(engine)
        self.now = NOW
        self.sent: list[int] = []
        self.later: list[tuple[int, datetime]] = []
        self.woken: list[int] = []
        self.ports = AlertPorts(AlertConfig(), Limits(), lambda items: self.sent.extend(i for i, _ in items),
                                lambda items, at: self.later.extend((oid, at) for oid, _ch in items),
                                wake_relay=self.woken.append,
                                clock=lambda: self.now)
        self.seq = 0

    def swipe(self, fen: int, balance: int, *, student_no: str = "20240001", at: datetime | None = None,
              merchant: str = "一食堂", terminal: str = "本部-一食堂-03", event_id: str | None = None) -> str:
        self.seq += 1
        tx = CardTransaction(event_id or f"e{self.seq}", student_no, "C0001", fen, balance, merchant, terminal,
                             at or self.now)
        stored = inbox.store_once(self.engine, tx, "alerts")
        if stored is None:
            return "refused as a duplicate"
        return self.pipeline().process_one(stored)

    def batch(self, *swipes: tuple[int, int] | tuple[int, int, datetime]) -> list[str]:
        """Several swipes (fen, balance[, at]) of one card handled as one batch, one transaction."""
        ids = []
        for fen, balance, *at in swipes:
            self.seq += 1
            tx = CardTransaction(f"e{self.seq}", "20240001", "C0001", fen, balance, "一食堂", "本部-一食堂-03",
                                 at[0] if at else self.now)
            stored = inbox.store_once(self.engine, tx, "alerts")
            assert stored is not None
            ids.append(stored)
        outcomes = self.pipeline().process_group(ids)
        assert None not in outcomes, "the batch ran one by one"
        return [outcome or "" for outcome in outcomes]

    def pipeline(self) -> Pipeline[None]:
        return Pipeline(CardEvents(self.ports), lambda: UnitOfWork(self.factory))

    def setting(self, **values: object) -> None:
        with Session(self.engine) as s, s.begin():
            if s.get(Binding, "oA") is None:
                s.add(Binding(openid="oA", student_no="20240001", name="张三", phone="13800000001", bound_at=NOW))
            defaults: dict[str, object] = {"spend_on": False, "spend_min_fen": 0, "low_armed": True,
                                           "topup_state": "off", "topup_armed": True, "daily_summary": False}
            s.merge(AlertSetting(openid="oA", updated_at=NOW, **(defaults | values)))

    def alerts(self, kind: str | None = None) -> list[dict[str, dict[str, str]]]:
        with Session(self.engine) as s:
            query = select(OutboundMessage.body).join(CardAlert, CardAlert.outbound_id == OutboundMessage.id)
            if kind:
                query = query.where(CardAlert.kind == kind)
            return [json.loads(b)["data"] for b in s.execute(query.order_by(OutboundMessage.id)).scalars()]

    def count(self, model: type[Base]) -> int:
        with Session(self.engine) as s:
            return int(s.execute(select(func.count()).select_from(model)).scalar_one())


@pytest.fixture
def pool(tmp_path: Path) -> Iterator[Pool]:
    engine = make_engine(f"sqlite:///{tmp_path / 'alerts.db'}")
    Base.metadata.create_all(engine)
    yield Pool(engine)
    engine.dispose()


def test_a_spending_alert_goes_out_at_once_as_a_template(pool: Pool) -> None:
    pool.setting(spend_on=True)
    assert "spending:sent" in pool.swipe(-1250, 8750)
    [alert] = pool.alerts("spending")
    assert alert["amount"]["value"] == "12.50 元" and alert["balance"]["value"] == "87.50 元"
    assert alert["title"]["value"] == "消费提醒" and len(pool.sent) == 1


def test_swipes_within_a_minute_of_an_alert_go_out_together_at_its_end(pool: Pool) -> None:
    pool.setting(spend_on=True)
    pool.swipe(-500, 9500)
    pool.now += timedelta(seconds=10)
    assert "spending:batched" in pool.swipe(-300, 9200, merchant="超市")
    pool.now += timedelta(seconds=10)
    assert "spending:merged" in pool.swipe(-200, 9000, merchant="浴室")
    assert len(pool.sent) == 1 and [at for _, at in pool.later] == [NOW + timedelta(seconds=60)]
    _first, batch = pool.alerts("spending")
    assert batch["merchant"]["value"] == "2 笔消费" and "超市" in batch["content"]["value"]
    assert "浴室" in batch["content"]["value"] and batch["amount"]["value"] == "5.00 元"
    pool.now += timedelta(minutes=5)
    assert "spending:sent" in pool.swipe(-100, 8900)


def test_a_small_spending_below_the_students_threshold_is_not_told(pool: Pool) -> None:
    pool.setting(spend_on=True, spend_min_fen=2000)
    assert "spending:None" in pool.swipe(-1250, 8750)
    assert "spending:sent" in pool.swipe(-2000, 6750)


def test_a_repeated_event_id_is_one_alert(pool: Pool) -> None:
    pool.setting(spend_on=True)
    pool.swipe(-500, 9500, event_id="same")
    assert pool.swipe(-500, 9500, event_id="same") == "refused as a duplicate"
    assert len(pool.alerts()) == 1


def test_handling_an_event_twice_does_nothing_the_second_time(pool: Pool) -> None:
    pool.setting(spend_on=True)
    pool.swipe(-500, 9500)
    assert pool.pipeline().process_one(1) == "duplicate"
    assert len(pool.alerts()) == 1


def test_a_batch_of_events_runs_in_one_transaction_and_a_taken_one_sends_it_back(pool: Pool) -> None:
    pool.setting(spend_on=True, low_balance_fen=2000)
    ids = [inbox.store_once(pool.engine, (CardTransaction(f"b{n}", "20240001", "C", -500, 3000 - 1500 * n,
                                                                    "一食堂", "本部-一食堂-03", NOW)), "alerts")
           for n in range(2)]
    assert all(ids)
    outcomes = pool.pipeline().process_group([int(i) for i in ids if i])
    assert None not in outcomes and "spending:sent" in str(outcomes[0]) and "spending:batched" in str(outcomes[1])
    assert "low:sent" in str(outcomes[1]) and len(pool.sent) == 2  # the spending alert and the warning
    again = pool.pipeline().process_group([int(i) for i in ids if i])
    assert again == ["duplicate", "duplicate"]


def test_low_balance_warns_once_below_and_again_only_after_rising_above(pool: Pool) -> None:
    pool.setting(low_balance_fen=2000)
    assert "low:None" in pool.swipe(-500, 2500)
    assert "low:sent" in pool.swipe(-1000, 1500)
    assert "low:None" in pool.swipe(-500, 1000)
    pool.swipe(5000, 6000, merchant="自助充值机")
    assert "low:sent" in pool.swipe(-4500, 1500)
    assert len(pool.alerts("low_balance")) == 2


def test_a_late_event_with_an_older_balance_does_not_warn(pool: Pool) -> None:
    pool.setting(low_balance_fen=2000)
    pool.swipe(5000, 6000, at=NOW)  # the later event (a top-up) arrives first
    assert "late" in pool.swipe(-4500, 1000, at=NOW - timedelta(minutes=1))
    assert pool.alerts("low_balance") == []


def test_the_daily_cap_stops_a_flood(pool: Pool) -> None:
    pool.ports = AlertPorts(AlertConfig(daily_cap=2, velocity_count=1000), Limits(), pool.ports.deliver,
                            pool.ports.deliver_at, clock=lambda: pool.now)
    pool.setting(spend_on=True)
    outcomes = []
    for _ in range(4):
        outcomes.append(pool.swipe(-100, 9000))
        pool.now += timedelta(minutes=2)
    assert [o.split(",")[0] for o in outcomes] == ["spending:sent"] * 2 + ["spending:capped"] * 2


def test_a_swipe_on_a_card_reported_lost_is_suspicious_and_pushed(pool: Pool) -> None:
    pool.setting()
    with Session(pool.engine) as s, s.begin():
        s.add(BindingLog(openid="oA", student_no="20240001", action="lost", at=NOW))
    assert "suspicious:1" in pool.swipe(-800, 9200)
    [alert] = pool.alerts("suspicious")
    assert "挂失卡被刷" in alert["content"]["value"] and pool.count(SuspiciousTransaction) == 1


def test_too_many_swipes_too_fast_is_reported_once(pool: Pool) -> None:
    for i in range(14):
        pool.swipe(-100, 9000 - i * 100, at=NOW + timedelta(seconds=20 * i))
    with Session(pool.engine) as s:
        assert s.execute(select(SuspiciousTransaction.rule)).scalars().all() == ["velocity"]


def test_a_large_amount_and_two_far_campuses_are_suspicious_for_an_unbound_card_too(pool: Pool) -> None:
    pool.swipe(-40000, 1000, student_no="20249999")
    pool.swipe(-100, 900, student_no="20249999", terminal="医学院-食堂-01", at=NOW + timedelta(minutes=5))
    with Session(pool.engine) as s:
        assert s.execute(select(SuspiciousTransaction.rule).order_by(SuspiciousTransaction.id)).scalars().all() == [
            "amount", "campus"]
    assert pool.alerts() == []  # nobody to tell: listed for the office only


def test_automatic_topup_orders_once_a_day_through_the_outbox(pool: Pool) -> None:
    pool.setting(topup_state="on", topup_fen=5000, topup_below_fen=2000)
    assert "topup:ordered" in pool.swipe(-1500, 1500)
    pool.swipe(5000, 6500, merchant="自动充值")
    assert "topup:done_today" in pool.swipe(-5000, 1500)
    with Session(pool.engine) as s:
        order = s.execute(select(MoneyOrder)).scalar_one()
        assert (order.kind, order.status, order.amount_fen) == ("topup", "created", 5000)
        assert s.execute(select(MoneyOutbox.order_id)).scalars().all() == [order.id]
    assert pool.woken == [order.id]


def test_automatic_topup_waits_for_its_sms_code_and_never_tops_up_a_lost_card(pool: Pool) -> None:
    pool.setting(topup_state="pending", topup_fen=5000, topup_below_fen=2000)
    assert "topup:None" in pool.swipe(-1500, 1500)
    pool.setting(topup_state="on", topup_fen=5000, topup_below_fen=2000)
    with Session(pool.engine) as s, s.begin():
        s.add(BindingLog(openid="oA", student_no="20240001", action="lost", at=NOW))
    assert "topup:lost" in pool.swipe(-100, 1400)
    assert pool.count(MoneyOrder) == 0


def test_automatic_topup_is_not_placed_while_top_up_is_paused_and_the_holder_is_told(pool: Pool) -> None:
    pool.setting(topup_state="on", topup_fen=5000, topup_below_fen=2000)
    with Session(pool.engine) as s, s.begin():
        s.add(FeatureSwitch(feature="topup", enabled=False, message="银行系统维护中，请明天再试。"))
    assert "topup:refused" in pool.swipe(-1500, 1500)
    [alert] = pool.alerts("autotopup")
    assert alert["content"]["value"] == "余额低于 20.00 元，但本次自动充值未执行：银行系统维护中，请明天再试。"
    assert pool.count(MoneyOrder) == 0 and pool.woken == []


def test_the_daily_summary_goes_out_once_however_often_it_runs(pool: Pool) -> None:
    pool.setting(daily_summary=True)
    pool.swipe(-1200, 8800, merchant="一食堂")
    pool.swipe(-3000, 5800, merchant="超市", at=NOW + timedelta(minutes=1))
    pool.swipe(-800, 5000, merchant="一食堂", at=NOW + timedelta(minutes=2))
    first = send_daily_summaries(lambda: UnitOfWork(pool.factory), pool.ports.deliver, "tpl", NOW)
    again = send_daily_summaries(lambda: UnitOfWork(pool.factory), pool.ports.deliver, "tpl", NOW)
    assert (first, again) == (1, 0)
    [summary] = pool.alerts("summary")
    assert "消费 3 笔，共 50.00 元" in summary["content"]["value"] and "超市" in summary["content"]["value"]
    assert summary["balance"]["value"] == "50.00 元"


# A batch reads each holder's state once, then applies its events in order against it: these fail if a
# later event of the batch saw the state as it was before the earlier ones.

def test_swipes_of_one_card_in_one_batch_are_told_as_one_after_another(pool: Pool) -> None:
    pool.setting(spend_on=True)
    outcomes = pool.batch((-500, 9500), (-300, 9200), (-200, 9000))
    assert [o.split(",")[0] for o in outcomes] == ["spending:sent", "spending:batched", "spending:merged"]
    assert len(pool.sent) == 1 and [at for _, at in pool.later] == [NOW + timedelta(seconds=60)]
    _first, held = pool.alerts("spending")
    assert held["merchant"]["value"] == "2 笔消费" and held["amount"]["value"] == "5.00 元"
    with Session(pool.engine) as s:
        swipes = s.execute(select(CardAlert.swipes).order_by(CardAlert.id)).scalars().all()
    assert [len(sw or []) for sw in swipes] == [1, 2]


def test_a_batch_extends_a_held_spending_message_recorded_before_it(pool: Pool) -> None:
    pool.setting(spend_on=True)
    pool.batch((-500, 9500), (-300, 9200))
    pool.now += timedelta(seconds=10)
    assert [o.split(",")[0] for o in pool.batch((-100, 9100), (-100, 9000))] == ["spending:merged"] * 2
    _first, held = pool.alerts("spending")
    assert held["merchant"]["value"] == "3 笔消费" and held["amount"]["value"] == "5.00 元"


def test_low_balance_warns_once_for_two_swipes_below_in_one_batch(pool: Pool) -> None:
    pool.setting(low_balance_fen=2000)
    outcomes = pool.batch((-1000, 2500), (-1000, 1500), (-500, 1000), (5000, 6000), (-4500, 1500))
    assert [o.split(",")[1] for o in outcomes] == ["low:None", "low:sent", "low:None", "low:None", "low:sent"]
    assert len(pool.alerts("low_balance")) == 2


def test_a_late_event_in_a_batch_does_not_warn_about_a_balance_already_past(pool: Pool) -> None:
    pool.setting(low_balance_fen=2000)
    outcomes = pool.batch((5000, 6000, NOW), (-4500, 1000, NOW - timedelta(minutes=1)))
    assert "late" in outcomes[1] and pool.alerts("low_balance") == []
    assert "low:sent" in pool.batch((-4500, 1500, NOW + timedelta(minutes=1)))[0]


def test_the_daily_cap_counts_the_alerts_earlier_in_the_batch(pool: Pool) -> None:
    pool.ports = AlertPorts(AlertConfig(daily_cap=1), Limits(), pool.ports.deliver, pool.ports.deliver_at,
                            clock=lambda: pool.now)
    pool.setting(spend_on=True, low_balance_fen=2000)
    outcomes = pool.batch((-500, 9500), (-8000, 1500))
    assert outcomes[0].startswith("spending:sent") and "low:capped" in outcomes[1]
    assert len(pool.alerts()) == 1


def test_too_many_swipes_in_one_batch_are_reported_once_at_the_one_over_the_limit(pool: Pool) -> None:
    outcomes = pool.batch(*[(-100, 9000 - i * 100, NOW + timedelta(seconds=20 * i)) for i in range(14)])
    assert [n for n, o in enumerate(outcomes) if "suspicious:1" in o] == [10]
    with Session(pool.engine) as s:
        assert s.execute(select(SuspiciousTransaction.rule)).scalars().all() == ["velocity"]


def test_automatic_topup_orders_once_a_day_within_one_batch(pool: Pool) -> None:
    pool.setting(topup_state="on", topup_fen=5000, topup_below_fen=2000)
    outcomes = pool.batch((-1500, 1500), (5000, 6500), (-5000, 1500))
    assert "topup:ordered" in outcomes[0] and "topup:done_today" in outcomes[2]
    assert pool.count(MoneyOrder) == 1 and len(pool.woken) == 1
