"""WeChat Pay APIv3 over HTTP: requests signed by the merchant key, answers verified with the platform's."""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.http import HttpJsonClient
from adapters.wechatpay import signing
from adapters.wechatpay.port import NOT_FOUND, Payment, Refund
from events.errors import PermanentError, TransientError

_MISSING = frozenset({"ORDER_NOT_EXIST", "RESOURCE_NOT_EXISTS", "NOT_FOUND"})
#: WeChat Pay's answers (HTTP 400) for a day without trades, and for a bill it has not generated yet.
NO_BILL, BILL_NOT_READY = "NO_STATEMENT_EXIST", "STATEMENT_CREATING"
#: How the bill is asked for: packed (WeChat Pay then answers a gzip file, unpacked here).
TAR_TYPE = "GZIP"


class HttpWeChatPay:
    def __init__(self, base_url: str, *, appid: str, mchid: str, serial: str, key: rsa.RSAPrivateKey,
                 platform: signing.PlatformKeys, notify_url: str, timeout: float = 5.0) -> None:
        self.http = HttpJsonClient(base_url, timeout=timeout)
        self.prefix = urlsplit(self.http.base_url).path.rstrip("/")
        self.appid, self.mchid, self.serial, self.key = appid, mchid, serial, key
        self.platform, self.notify_url = platform, notify_url

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
              params: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        """(status, answer) of a signed call; 5xx, an unsigned or forged answer: TransientError."""
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":")) if body is not None else ""
        target = path + ("?" + urlencode(params) if params else "")
        headers = {"Accept": "application/json", "Content-Type": "application/json",
                   "Authorization": signing.authorization(method, f"{self.prefix}/{target}", text, mchid=self.mchid,
                                                          serial=self.serial, key=self.key)}
        response = self.http.send(method, target, data=text.encode() if text else None, headers=headers)
        if response.status_code >= 500:
            raise TransientError(f"WeChat Pay {method} {path}: HTTP {response.status_code}")
        answer = response.content.decode("utf-8", "replace")
        try:
            self.platform.verify(dict(response.headers), answer)
        except signing.SignatureRefused as exc:  # not the platform's answer: we learnt nothing
            raise TransientError(f"WeChat Pay {method} {path}: {exc.reason}") from exc
        data = json.loads(answer) if answer.strip() else {}
        return response.status_code, data if isinstance(data, dict) else {}

    def _ok(self, method: str, path: str, body: dict[str, Any] | None = None,
            params: dict[str, str] | None = None) -> dict[str, Any]:
        status, data = self._call(method, path, body, params)
        if status >= 400:
            raise PermanentError(f"WeChat Pay {path}: {data.get('code', status)} {data.get('message', '')}"[:200])
        return data

    def jsapi(self, out_trade_no: str, *, description: str, amount_fen: int, openid: str, expires_at: str) -> str:
        data = self._ok("POST", "v3/pay/transactions/jsapi", {
            "appid": self.appid, "mchid": self.mchid, "description": description, "out_trade_no": out_trade_no,
            "time_expire": expires_at, "notify_url": self.notify_url,
            "amount": {"total": amount_fen, "currency": "CNY"}, "payer": {"openid": openid}})
        return str(data["prepay_id"])

    def pay_request(self, prepay_id: str) -> dict[str, str]:
        return signing.jsapi_params(self.appid, prepay_id, self.key)

    def query(self, out_trade_no: str) -> Payment:
        status, data = self._call("GET", f"v3/pay/transactions/out-trade-no/{quote(out_trade_no)}",
                                  params={"mchid": self.mchid})
        if status == 404 and data.get("code") in _MISSING:
            return Payment(out_trade_no, NOT_FOUND)
        if status >= 400:
            raise PermanentError(f"WeChat Pay query {out_trade_no}: {data.get('code', status)}")
        amount = data.get("amount") or {}
        return Payment(out_trade_no, str(data["trade_state"]), data.get("transaction_id"),
                       int(amount["total"]) if "total" in amount else None)

    def close(self, out_trade_no: str) -> None:
        self._ok("POST", f"v3/pay/transactions/out-trade-no/{quote(out_trade_no)}/close", {"mchid": self.mchid})

    def refund(self, out_refund_no: str, *, out_trade_no: str, amount_fen: int, total_fen: int,
               reason: str) -> Refund:
        return _refund(self._ok("POST", "v3/refund/domestic/refunds", {
            "out_trade_no": out_trade_no, "out_refund_no": out_refund_no, "reason": reason,
            "notify_url": self.notify_url, "amount": {"refund": amount_fen, "total": total_fen, "currency": "CNY"}}))

    def query_refund(self, out_refund_no: str) -> Refund:
        status, data = self._call("GET", f"v3/refund/domestic/refunds/{quote(out_refund_no)}")
        if status == 404 and data.get("code") in _MISSING:
            return Refund(out_refund_no, NOT_FOUND)
        if status >= 400:
            raise PermanentError(f"WeChat Pay refund query {out_refund_no}: {data.get('code', status)}")
        return _refund(data)

    def tradebill(self, bill_date: str) -> str | None:
        """Ask for the bill's download URL, fetch it (gzip), unpack it and check its SHA1.

        Two refusals are not errors of ours (常见问题, pay.weixin.qq.com/doc/v3/merchant/4013071254):
        400 NO_STATEMENT_EXIST "请求的账单文件不存在" is a day without a trade or a refund ("请检查商户号
        当日是否有产生交易或退款"), so None: a bill with no rows, which reconciliation still matches our
        orders against; 400 STATEMENT_CREATING "账单生成中" is a bill not generated yet ("建议在次日上午
        10点后再申请账单，如仍返回该报错可间隔半小时再重试"), so TransientError: ask again later.
        """
        status, where = self._call("GET", "v3/bill/tradebill", params={"bill_date": bill_date, "bill_type": "ALL",
                                                                        "tar_type": TAR_TYPE})
        if status == 400 and where.get("code") == NO_BILL:
            return None
        if status == 400 and where.get("code") == BILL_NOT_READY:
            raise TransientError(f"WeChat Pay is still generating the bill of {bill_date[:10]} ({BILL_NOT_READY})")
        if status >= 400:
            raise PermanentError(f"WeChat Pay bill {bill_date[:10]}: {where.get('code', status)} "
                                 f"{where.get('message', '')}"[:200])
        if where.get("hash_type") != "SHA1":
            raise PermanentError(f"WeChat Pay bill hash type {str(where.get('hash_type'))[:20]!r} is not SHA1")
        url = str(where["download_url"])
        if not url.startswith(self.http.base_url):
            raise PermanentError("WeChat Pay bill download URL is not on the API's host")
        target = url.removeprefix(self.http.base_url)
        headers = {"Authorization": signing.authorization("GET", f"{self.prefix}/{target}", "", mchid=self.mchid,
                                                          serial=self.serial, key=self.key)}
        raw = self.http.get_bytes(target, headers=headers, timeout=max(self.http.timeout, 30))
        return unpacked_bill(raw, str(where.get("hash_value", "")), gzipped=TAR_TYPE == "GZIP")


def unpacked_bill(raw: bytes, sha1: str, *, gzipped: bool) -> str:
    """The bill's text, once the SHA1 of its unpacked bytes is the one WeChat Pay gave.

    WeChat Pay hashes the bill before packing it: `hash_value` is "原始账单（gzip需要解压缩）的摘要值"
    (申请交易账单, pay.weixin.qq.com/doc/v3/merchant/4012556654), and its own Java SDK digests the
    unpacked stream (wechatpay-java `BillDownloadServiceExtension` wraps the download in a
    `GZIPInputStream` under `DigestBillEntity`): a hash over the gzip bytes never matches it. A body
    that does not unpack or does not match is a download gone wrong: TransientError, download again.
    """
    try:
        plain = gzip.decompress(raw) if gzipped else raw
    except (OSError, EOFError, zlib.error) as exc:
        raise TransientError("WeChat Pay bill does not unpack as gzip: download again") from exc
    if hashlib.sha1(plain).hexdigest() != sha1.lower():
        raise TransientError("WeChat Pay bill does not match its SHA1: download again")
    return plain.decode("utf-8-sig")


def _refund(data: dict[str, Any]) -> Refund:
    amount = data.get("amount") or {}
    return Refund(str(data["out_refund_no"]), str(data["status"]), data.get("refund_id"),
                  int(amount["refund"]) if "refund" in amount else None)
