"""The alerts pool's rules over a real SQLite file: each card event stored in the inbox as the webhook
stores it, then handled by the inbox pipeline of card events with a fixed clock. No broker, no processes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from backoffice.alert_stats import alert_counts
from events.card_events import CardTransaction
from events.notices import Field, Notice, NoticeKind
from events.wechat_grants import Scenario
from store import grants, inbox
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
        self.channels: list[str] = []
        self.later: list[tuple[int, datetime]] = []
        self.woken: list[int] = []
        self.ports = AlertPorts(AlertConfig(), Limits(), self._deliver,
                                lambda items, at: self.later.extend((oid, at) for oid, _ch in items),
                                wake_relay=self.woken.append,
                                clock=lambda: self.now)
        self.seq = 0

    def _deliver(self, items: list[tuple[int, str]]) -> None:
        self.sent.extend(i for i, _ in items)
        self.channels.extend(channel for _, channel in items)

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

    def wrote(self, at: datetime | None = None) -> None:
        """The student wrote to the account: WeChat lets us answer by customer-service message a while."""
        with Session(self.engine) as s, s.begin():
            grants.grant(s, [("oA", Scenario.MESSAGE, at or self.now, None, 0)])

    def alerts(self, kind: str | None = None) -> list[Notice]:
        """The alerts' notices as recorded (their outbound rows), oldest first; each row's text is its notice's."""
        with Session(self.engine) as s:
            query = select(OutboundMessage).join(CardAlert, CardAlert.outbound_id == OutboundMessage.id)
            if kind:
                query = query.where(CardAlert.kind == kind)
            rows = s.execute(query.order_by(OutboundMessage.id)).scalars().all()
        assert all(row.notice is not None and row.body == row.notice["text"] for row in rows)
        return [Notice.from_json(row.notice or {}) for row in rows]

    def routes(self) -> list[tuple[str, str, str]]:
        """(alert kind, the alert's channel, its outbound row's channel) of every alert, oldest first."""
        with Session(self.engine) as s:
            return [(kind, channel, went) for kind, channel, went in s.execute(
                select(CardAlert.kind, CardAlert.channel, OutboundMessage.channel)
                .join(OutboundMessage, OutboundMessage.id == CardAlert.outbound_id).order_by(CardAlert.id))]

    def count(self, model: type[Base]) -> int:
        with Session(self.engine) as s:
            return int(s.execute(select(func.count()).select_from(model)).scalar_one())


@pytest.fixture
def pool(tmp_path: Path) -> Iterator[Pool]:
    engine = make_engine(f"sqlite:///{tmp_path / 'alerts.db'}")
    Base.metadata.create_all(engine)
    yield Pool(engine)
    engine.dispose()


def test_a_spending_alert_goes_out_at_once_as_a_template_to_a_student_without_a_grant(pool: Pool) -> None:
    pool.setting(spend_on=True)
    assert "spending:sent" in pool.swipe(-1250, 8750)
    [alert] = pool.alerts("spending")
    assert alert.kind is NoticeKind.SPENDING
    assert alert.text == "【消费提醒】\n您的校园卡在一食堂消费 12.50 元，余额 87.50 元。"
    assert (alert.fields[Field.AMOUNT], alert.fields[Field.BALANCE]) == (1250, 8750)
    assert alert.fields[Field.MERCHANT] == "一食堂"
    assert alert.fields[Field.TIME] == NOW and alert.link == "/m/history"
    assert pool.routes() == [("spending", "template", "template")] and pool.channels == ["template"]
    assert len(pool.sent) == 1


def test_a_student_who_wrote_within_their_grant_gets_the_alert_as_a_customer_service_message(pool: Pool) -> None:
    pool.setting(spend_on=True, low_balance_fen=2000)
    pool.wrote(NOW - timedelta(hours=1))
    outcomes = pool.swipe(-8000, 1500)
    assert "spending:sent" in outcomes and "low:sent" in outcomes
    assert pool.routes() == [("spending", "wechat", "wechat"), ("low_balance", "wechat", "wechat")]
    assert pool.channels == ["wechat", "wechat"]
    with Session(pool.engine) as s:
        expiry = s.execute(select(OutboundMessage.expires_at)).scalars().all()
    assert all(at is not None and NOW < at < NOW + timedelta(hours=47) for at in expiry)


def test_alerts_beyond_the_grant_go_as_templates(pool: Pool) -> None:
    pool.setting(spend_on=True)
    pool.wrote(NOW - timedelta(hours=1))
    for minute in range(7):  # one alert each: further apart than a spending batch
        pool.now = NOW + timedelta(minutes=2 * minute)
        pool.swipe(-100, 9000 - 100 * minute)
    assert [channel for _, channel, _ in pool.routes()] == ["wechat"] * 5 + ["template"] * 2
    with Session(pool.engine) as s:  # 数据分析 counts them by the channel each went by
        assert alert_counts(s, NOW - timedelta(days=1)).rows == [["消费提醒", "模板消息", 2, 0, 2],
                                                                ["消费提醒", "客服消息", 5, 0, 5]]


def test_swipes_within_a_minute_of_an_alert_go_out_together_at_its_end(pool: Pool) -> None:
    pool.setting(spend_on=True)
    pool.swipe(-500, 9500)
    pool.now += timedelta(seconds=10)
    assert "spending:batched" in pool.swipe(-300, 9200, merchant="超市")
    pool.now += timedelta(seconds=10)
    assert "spending:merged" in pool.swipe(-200, 9000, merchant="浴室")
    assert len(pool.sent) == 1 and [at for _, at in pool.later] == [NOW + timedelta(seconds=60)]
    _first, batch = pool.alerts("spending")
    assert batch.fields[Field.MERCHANT] == "超市、浴室" and batch.fields[Field.COUNT] == "2"
    assert "超市 3.00 元" in batch.text and "浴室 2.00 元" in batch.text and batch.fields[Field.AMOUNT] == 500
    assert batch.fields[Field.BALANCE] == 9000
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
    assert alert.kind is NoticeKind.SUSPICIOUS and alert.fields[Field.REASON] == "挂失卡被刷"
    assert alert.text.startswith("【交易异常提醒】\n挂失卡被刷：已挂失的卡在一食堂")
    assert (alert.fields[Field.AMOUNT], alert.fields[Field.BALANCE]) == (800, 9200)
    assert pool.count(SuspiciousTransaction) == 1


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
    assert alert.text == "【自动充值】\n余额低于 20.00 元，但本次自动充值未执行：银行系统维护中，请明天再试。"
    assert alert.kind is NoticeKind.TOPUP and alert.fields[Field.STATUS] == "未执行"
    assert pool.count(MoneyOrder) == 0 and pool.woken == []


def test_the_daily_summary_goes_out_once_however_often_it_runs(pool: Pool) -> None:
    pool.setting(daily_summary=True)
    pool.swipe(-1200, 8800, merchant="一食堂")
    pool.swipe(-3000, 5800, merchant="超市", at=NOW + timedelta(minutes=1))
    pool.swipe(-800, 5000, merchant="一食堂", at=NOW + timedelta(minutes=2))
    first = send_daily_summaries(lambda: UnitOfWork(pool.factory), pool.ports.deliver, NOW)
    again = send_daily_summaries(lambda: UnitOfWork(pool.factory), pool.ports.deliver, NOW)
    assert (first, again) == (1, 0)
    [summary] = pool.alerts("summary")
    assert summary.text == "【每日账单】\n今天消费 3 笔，共 50.00 元；花得最多的是超市（30.00 元）；余额 50.00 元。"
    fields = summary.fields
    assert (fields[Field.AMOUNT], fields[Field.BALANCE], fields[Field.COUNT]) == (5000, 5000, "3")
    assert summary.kind is NoticeKind.SUMMARY and summary.fields[Field.TIME] == NOW
    assert pool.routes()[-1] == ("summary", "template", "template") and pool.channels[-1] == "template"


def test_the_daily_summary_of_a_student_within_a_grant_is_a_customer_service_message(pool: Pool) -> None:
    pool.setting(daily_summary=True)
    pool.wrote(NOW - timedelta(hours=2))
    assert send_daily_summaries(lambda: UnitOfWork(pool.factory), pool.ports.deliver, NOW) == 1
    [summary] = pool.alerts("summary")
    assert summary.text == "【每日账单】\n今天没有消费记录。" and summary.fields[Field.AMOUNT] == 0
    assert pool.routes() == [("summary", "wechat", "wechat")] and pool.channels == ["wechat"]


# A batch reads each holder's state once, then applies its events in order against it: these fail if a
# later event of the batch saw the state as it was before the earlier ones.

def test_swipes_of_one_card_in_one_batch_are_told_as_one_after_another(pool: Pool) -> None:
    pool.setting(spend_on=True)
    outcomes = pool.batch((-500, 9500), (-300, 9200), (-200, 9000))
    assert [o.split(",")[0] for o in outcomes] == ["spending:sent", "spending:batched", "spending:merged"]
    assert len(pool.sent) == 1 and [at for _, at in pool.later] == [NOW + timedelta(seconds=60)]
    _first, held = pool.alerts("spending")
    assert held.fields[Field.COUNT] == "2" and held.fields[Field.AMOUNT] == 500
    with Session(pool.engine) as s:
        swipes = s.execute(select(CardAlert.swipes).order_by(CardAlert.id)).scalars().all()
    assert [len(sw or []) for sw in swipes] == [1, 2]


def test_a_batch_extends_a_held_spending_message_recorded_before_it(pool: Pool) -> None:
    pool.setting(spend_on=True)
    pool.batch((-500, 9500), (-300, 9200))
    pool.now += timedelta(seconds=10)
    assert [o.split(",")[0] for o in pool.batch((-100, 9100), (-100, 9000))] == ["spending:merged"] * 2
    _first, held = pool.alerts("spending")  # the earlier batch's row: its text and notice extended together
    assert held.fields[Field.COUNT] == "3" and held.fields[Field.AMOUNT] == 500 and "3 笔消费" in held.text


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
