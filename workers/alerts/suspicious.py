"""Suspicious use: a swipe on a card reported lost, too many swipes too fast, one amount above the
limit, swipes at two campuses too far apart for the time between them. Each is listed for the card
office (可疑交易) and pushed to the holder at once, never held back by the daily cap."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from events.card_events import CardTransaction
from store.tables import SuspiciousTransaction
from workers.alerts import messages
from workers.alerts.batch import Known
from workers.alerts.campuses import campus_of, distance_km
from workers.alerts.collector import Alerts
from workers.alerts.config import AlertConfig
from workers.text.format import yuan


def findings(alerts: Alerts, known: Known, tx: CardTransaction, row_id: int, lost: bool) -> list[tuple[str, str]]:
    """(rule, what happened) for every rule this spending breaks."""
    if tx.amount_fen >= 0:
        return []
    cfg = alerts.config
    spent = f"{tx.merchant}（{tx.terminal}）消费 {yuan(-tx.amount_fen)} 元"
    found: list[tuple[str, str]] = []
    if lost:
        found.append(("lost", f"已挂失的卡在{spent}"))
    if -tx.amount_fen > cfg.single_limit_fen:
        found.append(("amount", f"单笔{spent}，超过 {yuan(cfg.single_limit_fen)} 元"))
    velocity, campus = timedelta(minutes=cfg.velocity_minutes), timedelta(minutes=cfg.campus_minutes)
    around = known.around(tx.student_no, tx.occurred_at - max(velocity, campus), tx.occurred_at + campus)
    recent = sum(1 for r in around if r.amount_fen < 0 and tx.occurred_at - velocity < r.occurred_at <= tx.occurred_at)
    if recent > cfg.velocity_count and not _flagged(alerts, tx, "velocity"):
        found.append(("velocity", f"{cfg.velocity_minutes} 分钟内刷卡 {recent} 次，最近一次在{spent}"))
    far = _far_campus(cfg, tx, [(r.terminal, r.occurred_at) for r in around
                                if r.id != row_id and abs(r.occurred_at - tx.occurred_at) < campus])
    if far is not None:
        found.append(("campus", far))
    return found


def _flagged(alerts: Alerts, tx: CardTransaction, rule: str) -> bool:
    """A burst is reported once, not once per swipe in it (the ORM query sees this batch's findings too)."""
    return alerts.session.execute(select(SuspiciousTransaction.id).where(
        SuspiciousTransaction.student_no == tx.student_no, SuspiciousTransaction.rule == rule,
        SuspiciousTransaction.created_at > alerts.now - timedelta(minutes=alerts.config.velocity_minutes))
    ).first() is not None


def _far_campus(cfg: AlertConfig, tx: CardTransaction, others: list[tuple[str, datetime]]) -> str | None:
    here = campus_of(tx.terminal)
    if here is None:
        return None
    for terminal, at in others:
        there = campus_of(terminal)
        if there is not None and there != here and distance_km(here, there) >= cfg.campus_km:
            minutes = abs(int((tx.occurred_at - at).total_seconds() // 60))
            return f"{minutes} 分钟内先后在{there}和{here}刷卡（相距约 {distance_km(here, there):.0f} 公里）"
    return None


def record(alerts: Alerts, known: Known, tx: CardTransaction, row_id: int, lost: bool, openid: str | None) -> int:
    """List every finding for the office and push each to the holder (when bound); how many."""
    found = findings(alerts, known, tx, row_id, lost)
    for rule, detail in found:
        alerts.session.add(SuspiciousTransaction(transaction_id=row_id, student_no=tx.student_no, rule=rule,
                                                 detail=detail, created_at=alerts.now))
        if openid is not None:
            alerts.add(openid, tx.student_no, "suspicious", messages.suspicious(
                rule, detail, -tx.amount_fen, tx.merchant, tx.balance_fen, tx.occurred_at))
    return len(found)
