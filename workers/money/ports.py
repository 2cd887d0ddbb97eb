"""The outside systems money moves through, handed to the relay and reconciliation by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.bank.port import Bank
from adapters.cardsystem.port import CardSystem
from adapters.fees.port import FeeSystems
from adapters.wechatpay.port import WeChatPay


@dataclass(frozen=True)
class MoneyPorts:
    bank: Bank
    #: The card system's keyed ledger: the same client the handlers hold.
    ledger: CardSystem
    fees: FeeSystems
    #: None where WeChat Pay is not configured (its orders then wait, and are reported stuck).
    wechatpay: WeChatPay | None = None
