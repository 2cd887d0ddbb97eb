"""Reads from outside systems, asked before a turn's transaction and answered once.

A balance query waits 100–200 ms on the card system. Asked inside the turn's transaction, the wait
holds the transaction open (on SQLite it then loses the writer race whenever the ingress commits
meanwhile); asked one turn at a time, a pool holds as many waits as it has threads. So a handler
whose turn reads the card system or the campus data store declares those reads (`@reads_ahead`),
they are asked side by side before the group's transaction (`read_ahead.ReadAhead`), and the turn
runs once, on the answers, through a `CachedPort`. A read nobody declared is asked when the handler
gets to it, and kept too: the turn is right either way, only slower.

Which methods only read is said once, by each port (`READS` beside its protocol).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, TypeVar, cast

from adapters.campusdata.port import READS as CAMPUS_READS
from adapters.campusdata.port import CampusData
from adapters.cardsystem.port import READS as CARD_READS
from adapters.cardsystem.port import CardSystem
from events.commands import Command

#: A read: the method and its arguments, as the handler passes them.
Key = tuple[str, tuple[Any, ...], tuple[tuple[str, Any], ...]]


def key(method: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Key:
    return method, args, tuple(sorted(kwargs.items()))


class CachedPort:
    """A port whose reads are answered from `answers` (asked ahead, or asked here once and kept);
    everything else (a freeze, a credit) goes to the port every time."""

    def __init__(self, port: Any, reads: frozenset[str], answers: dict[Key, Any] | None = None) -> None:
        self._port, self._reads = port, reads
        self.answers: dict[Key, Any] = {} if answers is None else answers

    def __getattr__(self, method: str) -> Any:
        call = getattr(self._port, method)
        if method not in self._reads:
            return call

        def answered(*args: Any, **kwargs: Any) -> Any:
            asked = key(method, args, kwargs)
            if asked not in self.answers:
                self.answers[asked] = call(*args, **kwargs)
            return self.answers[asked]

        return answered


def cached_card(card: CardSystem, answers: dict[Key, Any] | None = None) -> CardSystem:
    """The card system with its reads kept (typed as the port it stands for)."""
    return cast(CardSystem, CachedPort(card, CARD_READS, answers))


def cached_campus(campus: CampusData, answers: dict[Key, Any] | None = None) -> CampusData:
    return cast(CampusData, CachedPort(campus, CAMPUS_READS, answers))


class _Recorder:
    """A port that answers nothing and notes each read asked of it."""

    def __init__(self, reads: frozenset[str], asked: set[Key]) -> None:
        self._reads, self._asked = reads, asked

    def __getattr__(self, method: str) -> Callable[..., None]:
        if method not in self._reads:
            raise AttributeError(f"{method} is not a read: it cannot be asked ahead")

        def note(*args: Any, **kwargs: Any) -> None:
            self._asked.add(key(method, args, kwargs))

        return note


@dataclass(frozen=True)
class Ahead:
    """What a declaration of reads sees: whose card, the turn's time, what the conversation kept
    (`recall`, as `Turn.recall`), and ports that note what it asks."""

    student_no: str
    now: datetime
    card: CardSystem
    campus: CampusData
    recall: Callable[[str], dict[str, Any] | None]


@dataclass
class Asked:
    """The reads one turn declared, port by port."""

    card: set[Key]
    campus: set[Key]


#: A handler's declaration of its reads: called with the command and recording ports.
Declare = Callable[[Any, Ahead], None]


def declared(declare: Declare, command: Command, student_no: str, now: datetime,
             recall: Callable[[str], dict[str, Any] | None] = lambda _name: None) -> Asked:
    """Run a declaration against recording ports: the reads it names."""
    asked = Asked(set(), set())
    declare(command, Ahead(student_no, now, cast(CardSystem, _Recorder(CARD_READS, asked.card)),
                           cast(CampusData, _Recorder(CAMPUS_READS, asked.campus)), recall))
    return asked


C = TypeVar("C", bound=Command)


_DECLARED: dict[type[Command], Declare] = {}


def reads_ahead(command: type[C]) -> Callable[[Callable[[C, Ahead], None]], Callable[[C, Ahead], None]]:
    """Declare what the handler of `command` reads for a bound user: the decorated function calls the
    ports of its `Ahead` as the handler will (same methods, same arguments)."""

    def register(declare: Callable[[C, Ahead], None]) -> Callable[[C, Ahead], None]:
        if command in _DECLARED:
            raise ValueError(f"the reads of {command.__name__} are declared twice")
        _DECLARED[command] = declare
        return declare

    return register


def declarations() -> Mapping[type[Command], Declare]:
    """Every declaration made so far (the topic modules make theirs when imported)."""
    return MappingProxyType(_DECLARED)
