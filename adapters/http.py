"""Shared HTTP plumbing for the real clients: one session, timeouts, errors mapped to our tree."""

from __future__ import annotations

from typing import Any

import requests

from events.errors import PermanentError, TransientError


class HttpJsonClient:
    """A small JSON-over-HTTP client: 5xx and network trouble are transient, 4xx permanent."""

    def __init__(self, base_url: str, *, timeout: float = 5.0, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.session = session or requests.Session()

    def request(self, method: str, path: str, *, ok_404: bool = False, **kwargs: Any) -> Any:
        url = self.base_url + path.lstrip("/")
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            raise TransientError(f"{method} {path}: timed out") from exc
        except requests.RequestException as exc:
            raise TransientError(f"{method} {path}: {type(exc).__name__}") from exc
        if ok_404 and response.status_code == 404:
            return None
        if response.status_code >= 500:
            raise TransientError(f"{method} {path}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise PermanentError(f"{method} {path}: HTTP {response.status_code} {response.text[:200]}")
        try:
            return response.json()
        except ValueError as exc:
            raise TransientError(f"{method} {path}: answer is not JSON") from exc
