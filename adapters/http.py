"""Shared HTTP plumbing for the real clients: one session, timeouts, errors mapped to our tree."""

from __future__ import annotations

import io
import json as jsonlib
import os
import threading
from typing import Any
from urllib.parse import urlencode

import certifi
import pycurl
import requests
from requests.structures import CaseInsensitiveDict

from events.errors import PermanentError, TransientError


def outgoing_session(base_url: str, pool_size: int = 16) -> requests.Session:
    """A session for calls to one service, with the environment's settings read once.

    With `trust_env` on, requests reads proxies, `no_proxy` and CA bundles from the environment on
    every call (a tenth of a reply's CPU in the reply worker). They are read here instead, for the
    one base URL this session talks to. Without a proxy, the calls go straight to libcurl
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
    """requests' interface over libcurl (pycurl), for the plain calls our clients make.

    A request through `requests.Session` is prepared by hooks, cookies, auth and settings merges
    that our clients never use (measured: 0.7 of the 1.1 ms of CPU a WeChat send cost the reply
    worker), and urllib3 with `http.client` under it still cost about three times what libcurl
    does for the same call (0.56 ms against 1.5 ms of CPU a call, measured on a 2-core bench machine).
    A balance query and its reply make one call each. Here a call with only params, a body,
    headers and a timeout goes to libcurl and comes back as a `requests.Response` (errors as
    requests' exceptions), so wechatpy and `HttpJsonClient` see no difference; anything else takes
    requests' own path. Certificates are checked against certifi's bundle, as requests does.

    libcurl's handles are not shared between threads: a call takes one from a stack (its kept-
    alive connection with it) and puts it back; at most `pool_size` wait there, as urllib3's pool.
    One difference: `timeout=(connect, read)` bounds the whole call by connect + read, where
    requests bounds each read.
    """

    def __init__(self, ca_bundle: str | None = None, pool_size: int = 16) -> None:
        super().__init__()
        self.ca_bundle = ca_bundle or certifi.where()
        self.pool_size = pool_size
        self._idle: list[pycurl.Curl] = []
        self._lock = threading.Lock()

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
        sent = {"User-Agent": USER_AGENT, "Accept": "*/*", **(headers or {})}
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
        connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        curl = self._take()
        try:
            status, reason, received, content = self._perform(curl, method.upper(), url, body, sent, connect, read)
        finally:
            self._give_back(curl)
        response = requests.Response()
        response.status_code = status
        response.reason = reason
        response.headers = received
        response.encoding = requests.utils.get_encoding_from_headers(received)
        # The body as the file-like `raw` requests reads `content` from (its documented attribute),
        # not its private `_content`.
        response.raw = io.BytesIO(content)
        response.url = url
        return response

    def _perform(self, curl: pycurl.Curl, method: str, url: str, body: bytes | None, headers: dict[str, str],
                 connect: float | None, read: float | None) -> tuple[int, str, CaseInsensitiveDict[str], bytes]:
        status_line: list[str] = [""]
        received: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        chunks: list[bytes] = []

        def header(line: bytes) -> None:
            text = line.decode("iso-8859-1").rstrip("\r\n")
            if text.startswith("HTTP/"):  # a new answer (after a 100 Continue): its headers only
                status_line[0] = text
                received.clear()
            elif ":" in text:
                name, _, value = text.partition(":")
                value = value.strip()
                received[name] = f"{received[name]}, {value}" if name in received else value

        curl.setopt(pycurl.URL, url)
        # Empty values tell libcurl to send none of its own Content-Type and Expect.
        curl.setopt(pycurl.HTTPHEADER, [f"{k}: {v}" for k, v in headers.items()] + ["Expect:"]
                    + ([] if "Content-Type" in headers or body is None else ["Content-Type:"]))
        curl.setopt(pycurl.ACCEPT_ENCODING, "gzip, deflate")
        if body is not None:
            curl.setopt(pycurl.POSTFIELDSIZE, len(body))
            curl.setopt(pycurl.COPYPOSTFIELDS, body)
        if method == "HEAD":
            curl.setopt(pycurl.NOBODY, 1)
        elif method != ("POST" if body is not None else "GET"):
            curl.setopt(pycurl.CUSTOMREQUEST, method)
        if connect is not None:
            curl.setopt(pycurl.CONNECTTIMEOUT_MS, max(1, int(connect * 1000)))
        if connect is not None and read is not None:
            curl.setopt(pycurl.TIMEOUT_MS, max(1, int((connect + read) * 1000)))
        curl.setopt(pycurl.HEADERFUNCTION, header)
        curl.setopt(pycurl.WRITEFUNCTION, chunks.append)
        try:
            curl.perform()
        except pycurl.error as exc:
            raise _as_requests_error(curl, exc) from exc
        _version, _, rest = status_line[0].partition(" ")
        return curl.getinfo(pycurl.RESPONSE_CODE), rest.partition(" ")[2], received, b"".join(chunks)

    def _take(self) -> pycurl.Curl:
        with self._lock:
            curl = self._idle.pop() if self._idle else None
        if curl is None:
            curl = pycurl.Curl()
        curl.setopt(pycurl.NOSIGNAL, 1)
        curl.setopt(pycurl.CAINFO, self.ca_bundle)
        return curl

    def _give_back(self, curl: pycurl.Curl) -> None:
        # Options and the last call's callbacks go; the kept-alive connection stays.
        curl.reset()
        with self._lock:
            if len(self._idle) < self.pool_size:
                self._idle.append(curl)
                return
        curl.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for curl in idle:
            curl.close()
        super().close()


def _as_requests_error(curl: pycurl.Curl, exc: pycurl.error) -> requests.RequestException:
    """libcurl's error as the requests exception the same failure raises there."""
    code, message = exc.args[0], exc.args[1] if len(exc.args) > 1 else ""
    if code == pycurl.E_OPERATION_TIMEDOUT:
        if not curl.getinfo(pycurl.CONNECT_TIME):
            return requests.ConnectTimeout(message)
        return requests.ReadTimeout(message)
    if code in (pycurl.E_SSL_CONNECT_ERROR, pycurl.E_PEER_FAILED_VERIFICATION, pycurl.E_SSL_CACERT_BADFILE):
        return requests.exceptions.SSLError(message)
    return requests.ConnectionError(f"libcurl error {code}: {message}")


USER_AGENT = f"onecard python-requests/{requests.__version__}"


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
