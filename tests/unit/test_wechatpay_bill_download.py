"""The trade bill's download: the SHA1 WeChat Pay gives is of the unpacked bill, not of the gzip bytes.

WeChat Pay's `hash_value` is "原始账单（gzip需要解压缩）的摘要值" (申请交易账单,
pay.weixin.qq.com/doc/v3/merchant/4012556654). The bill served here is `tests/fixtures/wechatpay/
tradebill-all.csv`, built on WeChat's documented sample (its README says how), packed with gzip as
WeChat Pay packs a bill asked for with `tar_type=GZIP`; the real client fetches it through a
transport that answers as WeChat Pay does (the address signed by the platform, the file not).

Instead of an address, WeChat Pay may answer 400 with one of two codes that are not failures of
ours: NO_STATEMENT_EXIST (no trade that day, so no bill) and STATEMENT_CREATING (not generated yet).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3
from cryptography.hazmat.primitives.asymmetric import rsa
from requests.adapters import BaseAdapter, HTTPAdapter

from adapters.wechatpay import signing
from adapters.wechatpay.client import HttpWeChatPay
from events.errors import PermanentError, TransientError

BASE = "https://api.mch.weixin.qq.com/"
SERIAL = "PUB_KEY_ID_0114232134912410000000000000"
SAMPLE = (Path(__file__).parent.parent / "fixtures" / "wechatpay" / "tradebill-all.csv").read_bytes()
PLATFORM = signing.new_private_key()
MERCHANT = signing.new_private_key()


class WeChatPayOnTheWire(BaseAdapter):
    """WeChat Pay's two answers: the bill's address and hash (signed), then the file (unsigned, as
    its FAQ says: 下载账单微信不返回签名头信息)."""

    def __init__(self, file: bytes, hash_value: str, hash_type: str = "SHA1",
                 refusal: dict[str, str] | None = None) -> None:
        super().__init__()
        self.file, self.answer = file, {"hash_type": hash_type, "hash_value": hash_value,
                                        "download_url": f"{BASE}v3/billdownload/file?token=t0k3n"}
        #: WeChat Pay's 400 answer instead of the bill's address (its error body, signed as all answers are).
        self.refusal = refusal
        self.asked: list[str] = []

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        url = str(request.url)
        self.asked.append(url.removeprefix(BASE))
        assert signing.parse_authorization(str(request.headers["Authorization"]))["mchid"] == "1900000109"
        if "/v3/bill/tradebill?" in url:
            body = json.dumps(self.refusal or self.answer, ensure_ascii=False)
            return _response(request, body.encode(), signing.signed_headers(PLATFORM, SERIAL, body),
                             400 if self.refusal else 200)
        return _response(request, self.file, {"Content-Type": "application/octet-stream"})

    def close(self) -> None:
        pass


def _response(request: requests.PreparedRequest, body: bytes, headers: dict[str, str],
              status: int = 200) -> requests.Response:
    raw = urllib3.HTTPResponse(body=io.BytesIO(body), headers=headers, status=status, preload_content=False)
    return HTTPAdapter().build_response(request, raw)


def _client(wire: WeChatPayOnTheWire, key: rsa.RSAPrivateKey = PLATFORM) -> HttpWeChatPay:
    client = HttpWeChatPay(BASE, appid="wxfdc955f7104ad557", mchid="1900000109", serial="5157F09EFDC096DE15E",
                           key=MERCHANT, platform=signing.PlatformKeys({SERIAL: key.public_key()}),
                           notify_url="https://onecard.example.edu/wechatpay/notify")
    session = requests.Session()
    session.mount(BASE, wire)
    client.http.session = session
    return client


def test_a_gzipped_bill_is_checked_against_the_sha1_of_its_unpacked_text() -> None:
    wire = WeChatPayOnTheWire(gzip.compress(SAMPLE), hashlib.sha1(SAMPLE).hexdigest().upper())
    assert _client(wire).tradebill("2022-03-21") == SAMPLE.decode()
    assert wire.asked == ["v3/bill/tradebill?bill_date=2022-03-21&bill_type=ALL&tar_type=GZIP",
                          "v3/billdownload/file?token=t0k3n"]


def test_a_hash_of_the_gzip_bytes_is_not_wechat_pays_and_the_download_is_done_again() -> None:
    packed = gzip.compress(SAMPLE)
    with pytest.raises(TransientError, match="does not match its SHA1: download again"):
        _client(WeChatPayOnTheWire(packed, hashlib.sha1(packed).hexdigest())).tradebill("2022-03-21")


@pytest.mark.parametrize(("file", "said"), [
    (gzip.compress(SAMPLE)[:-20], "does not unpack"),  # cut short on the way
    (SAMPLE, "does not unpack"),  # not packed although GZIP was asked for
    (gzip.compress(SAMPLE.replace(b"`0.01,`0.00,`0,`0", b"`1.01,`0.00,`0,`0")), "does not match"),
])
def test_a_bill_that_is_not_the_one_hashed_is_downloaded_again(file: bytes, said: str) -> None:
    with pytest.raises(TransientError, match=said):
        _client(WeChatPayOnTheWire(file, hashlib.sha1(SAMPLE).hexdigest())).tradebill("2022-03-21")


def test_a_hash_of_a_kind_we_cannot_check_is_refused() -> None:
    wire = WeChatPayOnTheWire(gzip.compress(SAMPLE), hashlib.sha256(SAMPLE).hexdigest(), hash_type="SHA256")
    with pytest.raises(PermanentError, match="not SHA1"):
        _client(wire).tradebill("2022-03-21")


def test_an_address_the_platform_did_not_sign_is_not_followed() -> None:
    wire = WeChatPayOnTheWire(gzip.compress(SAMPLE), hashlib.sha1(SAMPLE).hexdigest())
    with pytest.raises(TransientError, match="WeChat Pay GET v3/bill/tradebill"):
        _client(wire, key=signing.new_private_key()).tradebill("2022-03-21")
    assert wire.asked == ["v3/bill/tradebill?bill_date=2022-03-21&bill_type=ALL&tar_type=GZIP"]


def _refusing(code: str, message: str) -> WeChatPayOnTheWire:
    packed = gzip.compress(SAMPLE)
    return WeChatPayOnTheWire(packed, hashlib.sha1(SAMPLE).hexdigest(), refusal={"code": code, "message": message})


def test_a_day_without_trades_has_no_bill_and_that_is_an_answer_not_an_error() -> None:
    # WeChat Pay's answer, verbatim from its FAQ (pay.weixin.qq.com/doc/v3/merchant/4013071254)
    wire = _refusing("NO_STATEMENT_EXIST", "请求的账单文件不存在")
    assert _client(wire).tradebill("2022-03-21") is None
    assert wire.asked == ["v3/bill/tradebill?bill_date=2022-03-21&bill_type=ALL&tar_type=GZIP"]


def test_a_bill_still_being_generated_is_asked_for_again_later() -> None:
    with pytest.raises(TransientError, match="still generating the bill of 2022-03-21"):
        _client(_refusing("STATEMENT_CREATING", "账单生成中")).tradebill("2022-03-21")


def test_any_other_refusal_of_the_bill_is_permanent() -> None:
    with pytest.raises(PermanentError, match="PARAM_ERROR"):
        _client(_refusing("PARAM_ERROR", "账单日期格式不正确")).tradebill("2022-03-21")
