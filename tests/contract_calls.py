"""Our HTTP clients' calls, recorded against the simulators, to hold clients, simulators and the
written contracts (`adapters/<system>/openapi.yaml`) in step.

`RecordingSession` is the session a client sends through: each call is kept with what was sent
(method, path, query, JSON body, time-out), what came back, and which fields of the answer the
client read with `answer["field"]` — the fields it cannot do without, which the contract must make
required. A read with `.get` is a field the client can do without.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

#: A field's place in an answer: keys, and "*" for every element of a list.
Place = tuple[str, ...]


@dataclass
class Call:
    method: str
    path: str  # from the client's base URL: "/holders/20240001"
    query: dict[str, str]
    body: Any  # the JSON sent, or None
    timeout: float | None
    status: int = 0
    answer: Any = None  # the JSON answered, or None when it is not JSON
    reads: set[Place] = field(default_factory=set)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


class _Object(dict[str, Any]):
    """A JSON object that notes each field read with `[]` (not with `.get`)."""

    def __init__(self, data: dict[str, Any], place: Place, reads: set[Place]) -> None:
        super().__init__({k: _watch(v, (*place, k), reads) for k, v in data.items()})
        self._place, self._reads = place, reads

    def __getitem__(self, key: str) -> Any:
        self._reads.add((*self._place, key))
        return super().__getitem__(key)


def _watch(value: Any, place: Place, reads: set[Place]) -> Any:
    if isinstance(value, dict):
        return _Object(value, place, reads)
    if isinstance(value, list):
        return [_watch(v, (*place, "*"), reads) for v in value]
    return value


class RecordingSession(requests.Session):
    """A plain requests session that records every call made through it (see the module)."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.trust_env = False
        self.base_path = urlsplit(base_url).path.rstrip("/")
        self.calls: list[Call] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        parts = urlsplit(str(url))
        params = kwargs.get("params") or {}
        query = {**dict(parse_qsl(parts.query)), **{str(k): str(v) for k, v in params.items()}}
        timeout = kwargs.get("timeout")
        call = Call(str(method).upper(), parts.path.removeprefix(self.base_path) or "/", query, kwargs.get("json"),
                    float(timeout) if isinstance(timeout, int | float) else None)
        response = super().request(str(method), str(url), *args, **kwargs)
        call.status = response.status_code
        if response.headers.get("content-type", "").startswith("application/json"):
            call.answer = response.json()
            watched = _watch(call.answer, (), call.reads)
            response.json = lambda **_: watched  # type: ignore[method-assign]
        self.calls.append(call)
        return response


def without(body: Any, place: Place) -> Any:
    """A copy of `body` with the field at `place` taken out (everywhere, for "*")."""
    copy = json.loads(json.dumps(body))
    _drop(copy, place)
    return copy


def _drop(node: Any, place: Place) -> None:
    head, rest = place[0], place[1:]
    if head == "*":
        for item in node if isinstance(node, list) else []:
            _drop(item, rest)
    elif isinstance(node, dict) and head in node:
        if rest:
            _drop(node[head], rest)
        else:
            del node[head]
