"""The outside systems money moves through, handed to the relay and reconciliation by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.bank.port import Bank
from adapters.cardsystem.ledger_port import CardLedgerPort
from adapters.fees.port import FeeSystems


@dataclass(frozen=True)
class MoneyPorts:
    bank: Bank
    ledger: CardLedgerPort
    fees: FeeSystems
