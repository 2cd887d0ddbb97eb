"""Shared HTTP plumbing for the real clients: one session, timeouts, errors mapped to our tree."""

from __future__ import annotations

import json as jsonlib
import os
from typing import Any
from urllib.parse import urlencode

import requests
import urllib3
from requests.structures import CaseInsensitiveDict

from events.errors import PermanentError, TransientError


def outgoing_session(base_url: str, pool_size: int = 16) -> requests.Session:
    """A session for calls to one service, with the environment's settings read once.

    With `trust_env` on, requests reads proxies, `no_proxy` and CA bundles from the environment on
    every call (a tenth of a reply's CPU in the reply worker). They are read here instead, for the
    one base URL this session talks to. Without a proxy, the calls go straight to urllib3
    (`DirectSession`); a proxy or a `~/.netrc` keeps requests' own path.
    """
    if os.path.exists(os.path.expanduser("~/.netrc")):
        return requests.Session()
    proxies = requests.utils.get_environ_proxies(base_url)
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    session = requests.Session() if proxies else DirectSession(bundle, pool_size)
    session.proxies.update(proxies)
    if bundle:
        session.verify = bundle
    session.trust_env = False
    return session


class DirectSession(requests.Session):
    """requests' interface over one urllib3 pool, for the plain calls our clients make.

    A request through `requests.Session` is prepared by hooks, cookies, auth and settings merges
    that our clients never use: measured, 0.7 of the 1.1 ms of CPU a WeChat send costs the reply
    worker. Here a call with only params, a body, headers and a timeout goes to urllib3 directly
    and comes back as a `requests.Response` (errors as requests' exceptions), so wechatpy and
    `HttpJsonClient` see no difference; anything else takes requests' own path.
    """

    def __init__(self, ca_bundle: str | None = None, pool_size: int = 16) -> None:
        super().__init__()
        self.pool = urllib3.PoolManager(maxsize=pool_size, ca_certs=ca_bundle, cert_reqs="CERT_REQUIRED")

    def request(self, method: str, url: str | bytes, params: Any = None, data: Any = None,
                headers: Any = None, cookies: Any = None, files: Any = None, auth: Any = None,
                timeout: Any = None, allow_redirects: bool = True, proxies: Any = None, hooks: Any = None,
                stream: Any = None, verify: Any = None, cert: Any = None, json: Any = None) -> requests.Response:
        plain = not (cookies or files or auth or proxies or hooks or stream or cert or self.proxies or self.auth
                     or verify not in (None, self.verify) or self.verify is False)
        if not plain or not isinstance(url, str):
            return super().request(method, url, params=params, data=data, headers=headers, cookies=cookies,
                                   files=files, auth=auth, timeout=timeout, allow_redirects=allow_redirects,
                                   proxies=proxies, hooks=hooks, stream=stream, verify=verify, cert=cert, json=json)
        sent = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", "Accept": "*/*", **(headers or {})}
        body: bytes | None
        if json is not None:
            body = jsonlib.dumps(json).encode()
            sent.setdefault("Content-Type", "application/json")
        elif isinstance(data, dict | list):
            body = urlencode(data, doseq=True).encode()
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        else:
            body = data.encode() if isinstance(data, str) else data
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params, doseq=True)
        limit = urllib3.Timeout(*timeout) if isinstance(timeout, tuple) else urllib3.Timeout(timeout, timeout)
        try:
            raw = self.pool.urlopen(method.upper(), url, body=body, headers=sent, timeout=limit, retries=_NO_RETRY)
        except (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.MaxRetryError) as exc:
            cause = getattr(exc, "reason", exc)
            if isinstance(cause, urllib3.exceptions.ConnectTimeoutError):
                raise requests.ConnectTimeout(exc) from exc
            raise requests.ConnectionError(exc) from exc
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise requests.ReadTimeout(exc) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise requests.ConnectionError(exc) from exc
        response = requests.Response()
        response.status_code = raw.status
        response.reason = raw.reason or ""
        response.headers = CaseInsensitiveDict(raw.headers)
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response._content = raw.data
        response.url = url
        return response


USER_AGENT = f"onecard python-requests/{requests.__version__}"
#: As requests' HTTPAdapter: no retry of a request that reached the server, redirects not followed
#: by urllib3 (our services answer where they are asked).
_NO_RETRY = urllib3.Retry(0, read=False, redirect=False)


class HttpJsonClient:
    """A small JSON-over-HTTP client: 5xx and network trouble are transient, 4xx permanent."""

    def __init__(self, base_url: str, *, timeout: float = 5.0, session: requests.Session | None = None,
                 pool_size: int = 16) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.session = session or outgoing_session(self.base_url, pool_size)

    def _send(self, method: str, path: str, timeout: float | None, kwargs: dict[str, Any]) -> requests.Response:
        try:
            return self.session.request(method, self.base_url + path.lstrip("/"),
                                        timeout=self.timeout if timeout is None else timeout, **kwargs)
        except requests.Timeout as exc:
            raise TransientError(f"{method} {path}: timed out") from exc
        except requests.RequestException as exc:
            raise TransientError(f"{method} {path}: {type(exc).__name__}") from exc

    def send(self, method: str, path: str, *, timeout: float | None = None, **kwargs: Any) -> requests.Response:
        """The raw answer, whatever its status (network trouble still raises TransientError), for
        clients whose errors carry meaning in their body (WeChat Pay's `ORDER_NOT_EXIST`)."""
        return self._send(method, path, timeout, kwargs)

    @staticmethod
    def _check(method: str, path: str, response: requests.Response) -> None:
        if response.status_code >= 500:
            raise TransientError(f"{method} {path}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise PermanentError(f"{method} {path}: HTTP {response.status_code} {response.text[:200]}")

    def request(self, method: str, path: str, *, ok_404: bool = False, timeout: float | None = None,
                **kwargs: Any) -> Any:
        """The decoded JSON answer (None for a 404 when `ok_404`); `timeout` overrides the client's."""
        response = self._send(method, path, timeout, kwargs)
        if ok_404 and response.status_code == 404:
            return None
        self._check(method, path, response)
        try:
            return response.json()
        except ValueError as exc:
            raise TransientError(f"{method} {path}: answer is not JSON") from exc

    def get_bytes(self, path: str, *, timeout: float | None = None, **kwargs: Any) -> bytes:
        """The raw body of a GET, for the few answers that are not JSON (a bank's CSV statement)."""
        response = self._send("GET", path, timeout, kwargs)
        self._check("GET", path, response)
        return response.content
