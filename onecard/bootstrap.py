"""The composition root: which database, broker and adapters this process uses, decided once."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NoReturn

import dramatiq
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from adapters.bank.client import HttpBank
from adapters.broker.enqueue import (
    enqueue_bulk_deliveries,
    enqueue_deliveries,
    enqueue_deliveries_at,
    enqueue_events,
)
from adapters.broker.setup import make_broker
from adapters.campusdata.client import HttpCampusData
from adapters.cardsystem.client import HttpCardSystem
from adapters.cardsystem.port import CardSystem
from adapters.fees.client import HttpFeeSystems
from adapters.sms.client import HttpSms
from adapters.sms.file_sink import FileSms
from adapters.sms.port import SmsSender
from adapters.wechat.client import WechatpyApi
from adapters.wechat.port import WeChatApi
from adapters.wechatpay import signing
from adapters.wechatpay.client import HttpWeChatPay
from adapters.wechatpay.port import WeChatPay
from events.errors import PermanentError
from onecard.doctor.check import LastReport
from onecard.embedded import socket_url, start_embedded_redis
from onecard.settings import Settings
from store.db import make_engine, make_session_factory
from store.uow import UnitOfWork
from workers.alerts.config import AlertConfig
from workers.alerts.process import AlertPorts
from workers.delivery.push import Pusher
from workers.delivery.reply import Senders
from workers.delivery.templates import Templates
from workers.money.amounts import Limits
from workers.money.ports import MoneyPorts
from workers.money.relay import Relay
from workers.money.wake import enqueue_relay
from workers.runtime.turn import Ports


class NoCardSystem:
    """Stands in where ONECARD_CARD_SYSTEM_URL is unset (the web process never asks the card system)."""

    def __getattr__(self, name: str) -> Callable[..., NoReturn]:
        if name.startswith("__"):  # copy, pickle and friends probe for these: they do not exist
            raise AttributeError(name)

        def refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
            raise PermanentError("the card system is not configured (ONECARD_CARD_SYSTEM_URL)")

        return refuse


@dataclass
class Platform:
    """Everything a process needs, built once. Handlers get parts of it as parameters."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    broker: dramatiq.Broker
    sms: SmsSender
    wechat: WeChatApi
    ports: Ports
    #: Keeps an embedded Redis server alive for as long as this process holds it.
    keepalive: list[Any] = field(default_factory=list)
    #: The bank, card ledger and fee systems (None where their URLs are not set).
    money: MoneyPorts | None = None
    #: The latest `onecard doctor` report this process ran (运行监控's 上线检查).
    doctor: LastReport = field(default_factory=LastReport)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def enqueue_events(self, items: list[tuple[str, int]]) -> None:
        enqueue_events(self.broker, items)

    def deliver(self, outbound_id: int, channel: str) -> None:
        enqueue_deliveries(self.broker, [(outbound_id, channel)])

    def deliver_many(self, items: list[tuple[int, str]]) -> None:
        enqueue_deliveries(self.broker, items)

    def deliver_in_bulk(self, items: list[tuple[int, str]]) -> None:
        """A broadcast's messages: by the notify pool, behind no student's reply."""
        enqueue_bulk_deliveries(self.broker, items)

    @property
    def pusher(self) -> Pusher:
        """How the back-office and the scheduler reach a user outside a turn."""
        return Pusher(self.deliver_many)

    @functools.cached_property
    def templates(self) -> Templates:
        """The account's templates and the clerks' choices, as senders and the back-office read them."""
        return Templates(self.uow, self.wechat)

    def senders(self) -> Senders:
        """What the reply worker sends through."""
        return Senders(self.engine, self.wechat, self.sms, self.templates.book, self.settings.resolved_public_url)

    def wake_relay(self, order_id: int, delay_seconds: float = 0.0) -> None:
        enqueue_relay(self.broker, order_id, delay_seconds)

    def deliver_at(self, items: list[tuple[int, str]], at: datetime) -> None:
        enqueue_deliveries_at(self.broker, items, int(at.timestamp() * 1000))

    def alert_ports(self) -> AlertPorts:
        """What the alerts pool needs: the rules' thresholds, the money limits, the ways out."""
        return AlertPorts(alert_config(self.settings), self.ports.limits, self.deliver_many, self.deliver_at,
                          wake_relay=self.ports.wake_relay if self.money is not None else None)

    def relay(self) -> Relay:
        if self.money is None:
            raise RuntimeError("money needs ONECARD_BANK_URL, ONECARD_FEES_URL and ONECARD_CARD_SYSTEM_URL")
        s = self.settings
        return Relay(self.engine, self.money, self.wake_relay, self.deliver,
                     lease=timedelta(seconds=s.relay_lease_seconds), max_attempts=s.relay_max_attempts,
                     close_after=timedelta(seconds=s.wechatpay_close_after_seconds))


def limits(settings: Settings) -> Limits:
    """The money limits this deployment set (their defaults are `Limits`'s own, taken by `Settings`)."""
    return Limits(per_transaction_fen=settings.money_max_per_transaction_fen,
                  per_day_fen=settings.money_max_per_day_fen, confirm_seconds=settings.money_confirm_seconds)


def alert_config(settings: Settings) -> AlertConfig:
    """The alert rules' thresholds this deployment set (their defaults are `AlertConfig`'s own)."""
    s = settings
    return AlertConfig(
        coalesce_seconds=s.alert_coalesce_seconds, daily_cap=s.alert_daily_cap,
        velocity_count=s.alert_velocity_count, velocity_minutes=s.alert_velocity_minutes,
        single_limit_fen=s.alert_single_limit_fen, campus_km=s.alert_campus_km, campus_minutes=s.alert_campus_minutes)


def card_system(settings: Settings) -> CardSystem:
    """The one card-system client of this process: handlers and the money relay share it."""
    if not settings.card_system_url:
        return NoCardSystem()
    return HttpCardSystem(settings.card_system_url, money_timeout=settings.money_call_timeout_seconds,
                          pool_size=settings.calls_in_flight)


def money_ports(settings: Settings, card: CardSystem) -> MoneyPorts | None:
    if not (settings.bank_url and settings.fees_url and settings.card_system_url):
        return None
    timeout = settings.money_call_timeout_seconds
    return MoneyPorts(HttpBank(settings.bank_url, timeout=timeout), card,
                      HttpFeeSystems(settings.fees_url, timeout=timeout), wechatpay(settings))


def platform_keys(settings: Settings) -> signing.PlatformKeys:
    """The WeChat Pay platform's public key (微信支付公钥) under its ID, from the PEM file."""
    path, key_id = settings.wechatpay_platform_public_key, settings.wechatpay_platform_key_id
    if path is None or key_id is None:
        raise RuntimeError("WeChat Pay needs ONECARD_WECHATPAY_PLATFORM_PUBLIC_KEY and _PLATFORM_KEY_ID")
    return signing.PlatformKeys({key_id: signing.load_public(path.read_text())}, max_skew=wechatpay_skew(settings))


def wechatpay_skew(settings: Settings) -> int:
    """How far WeChat Pay's signing time may be from ours before its answers are refused."""
    return settings.max_clock_skew_seconds or signing.MAX_SKEW_SECONDS


def wechatpay(settings: Settings) -> WeChatPay | None:
    """The merchant's WeChat Pay client, or None where its settings are not all given."""
    if not settings.wechatpay_enabled:
        return None
    assert settings.wechatpay_private_key and settings.wechatpay_mchid and settings.wechatpay_cert_serial
    return HttpWeChatPay(settings.wechatpay_api_base, appid=settings.wechat_appid, mchid=settings.wechatpay_mchid,
                         serial=settings.wechatpay_cert_serial,
                         key=signing.load_private(settings.wechatpay_private_key.read_text()),
                         platform=platform_keys(settings), notify_url=settings.resolved_wechatpay_notify_url,
                         timeout=settings.money_call_timeout_seconds)


def build_wechat(settings: Settings) -> WeChatApi:
    """Only the WeChat API (and the database its shared token lives in), for operator commands."""
    return WechatpyApi(make_engine(settings.resolved_database_url), settings.wechat_appid,
                       settings.wechat_secret.get_secret_value(), settings.wechat_api_base)


def broker_url(settings: Settings, keepalive: list[Any]) -> str:
    if settings.broker_url:
        return settings.broker_url
    server = start_embedded_redis(settings.embedded_redis_path)
    keepalive.append(server)
    return socket_url(server)


def build(settings: Settings | None = None, *, broker: dramatiq.Broker | None = None) -> Platform:
    settings = settings or Settings()
    keepalive: list[Any] = []
    engine = make_engine(settings.resolved_database_url)
    if broker is None:
        broker = make_broker(broker_url(settings, keepalive), namespace=settings.broker_namespace,
                             heartbeat_timeout_ms=settings.broker_heartbeat_timeout_ms,
                             maintenance_chance=settings.broker_maintenance_chance)
    card = card_system(settings)
    sms: SmsSender
    if settings.sms_backend == "http":
        if not settings.sms_url:
            raise RuntimeError("ONECARD_SMS_BACKEND=http needs ONECARD_SMS_URL")
        sms = HttpSms(settings.sms_url)
    else:
        sms = FileSms(settings.sms_sink_path)
    wechat = WechatpyApi(engine, settings.wechat_appid, settings.wechat_secret.get_secret_value(),
                         settings.wechat_api_base)
    ports = Ports(
        card=card, secret_key=settings.secret_key.get_secret_value(), sms_signature=settings.sms_signature,
        campus=(HttpCampusData(settings.campus_data_url, pool_size=settings.calls_in_flight)
                if settings.campus_data_url else None),
        limits=limits(settings),
        wake_relay=functools.partial(enqueue_relay, broker), web_url=settings.resolved_public_url,
        calls_in_flight=settings.calls_in_flight,
        fees=HttpFeeSystems(settings.fees_url, timeout=settings.money_call_timeout_seconds)
        if settings.fees_url else None)
    return Platform(settings, engine, make_session_factory(engine), broker, sms, wechat, ports, keepalive,
                    money=money_ports(settings, card))
