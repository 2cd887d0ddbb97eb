"""Shared HTTP plumbing for the real clients: one session, timeouts, errors mapped to our tree."""

from __future__ import annotations

import os
from typing import Any

import requests

from events.errors import PermanentError, TransientError


def outgoing_session(base_url: str, session: requests.Session | None = None) -> requests.Session:
    """A session for calls to one service, with the environment's settings read once.

    With `trust_env` on, requests reads proxies, `no_proxy` and CA bundles from the environment on
    every call (a tenth of a reply's CPU in the reply worker). They are read here instead, for the
    one base URL this session talks to; only a `~/.netrc` keeps the per-call lookups.
    """
    session = session or requests.Session()
    if os.path.exists(os.path.expanduser("~/.netrc")):
        return session
    session.proxies.update(requests.utils.get_environ_proxies(base_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and session.verify is True:
        session.verify = bundle
    session.trust_env = False
    return session


class HttpJsonClient:
    """A small JSON-over-HTTP client: 5xx and network trouble are transient, 4xx permanent."""

    def __init__(self, base_url: str, *, timeout: float = 5.0, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.session = outgoing_session(self.base_url, session)

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
