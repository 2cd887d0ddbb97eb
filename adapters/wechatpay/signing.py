"""WeChat Pay APIv3 signatures and AES-256-GCM resources, one place for client, simulator and notify.

The primitives are wechatpayv3's (`wechatpayv3.utils`): RSA-SHA256 signing and verifying and the
APIv3 key's AES-GCM decryption, as WeChat Pay's own SDKs do them. What they leave out is here: the
freshness of a signed timestamp, which key a serial names, and encryption (the simulator's side).
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from wechatpayv3.utils import aes_decrypt, build_authorization, rsa_sign, rsa_verify

SCHEMA = "WECHATPAY2-SHA256-RSA2048"
#: Notifications and answers signed longer ago (or later) than this are refused as replays.
MAX_SKEW_SECONDS = 300


class SignatureRefused(ValueError):
    """A signature, key serial, timestamp or ciphertext that does not hold: `status` to answer with."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def new_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_private(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("a WeChat Pay key is RSA")
    return key


def load_public(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("a WeChat Pay key is RSA")
    return key


def nonce() -> str:
    return secrets.token_hex(16).upper()


def authorization(method: str, path: str, body: str, *, mchid: str, serial: str, key: rsa.RSAPrivateKey) -> str:
    """The merchant's `Authorization` header over method, path (with its query) and body."""
    return str(build_authorization(path, method, mchid, serial, key, data=body))


def sign(key: rsa.RSAPrivateKey, *lines: str) -> str:
    """Base64 RSA-SHA256 over the lines, each ended by a newline (WeChat Pay's message format)."""
    return str(rsa_sign(key, "".join(f"{line}\n" for line in lines)))


def signed_headers(key: rsa.RSAPrivateKey, serial: str, body: str, now: float | None = None) -> dict[str, str]:
    """The `Wechatpay-*` headers a notification or an answer carries (the simulator's side)."""
    timestamp, once = str(int(time.time() if now is None else now)), nonce()
    return {"Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": once, "Wechatpay-Serial": serial,
            "Wechatpay-Signature": sign(key, timestamp, once, body), "Wechatpay-Signature-Type": SCHEMA}


@dataclass(frozen=True)
class PlatformKeys:
    """The platform's public keys by serial (a 微信支付公钥 ID or a certificate serial): during a
    rotation WeChat Pay signs with the new one while the old one is still listed."""

    keys: dict[str, rsa.RSAPublicKey]
    max_skew: int = MAX_SKEW_SECONDS

    def verify(self, headers: dict[str, str], body: str, now: float | None = None) -> None:
        """Refuse (401) what the platform did not sign, with a key we know, recently."""
        get = {k.lower(): v for k, v in headers.items()}.get
        timestamp, once = get("wechatpay-timestamp", ""), get("wechatpay-nonce", "")
        serial, signature = get("wechatpay-serial", ""), get("wechatpay-signature", "")
        if not (timestamp.isdigit() and once and serial and signature):
            raise SignatureRefused(401, "missing Wechatpay signature headers")
        if abs((time.time() if now is None else now) - int(timestamp)) > self.max_skew:
            raise SignatureRefused(401, "stale Wechatpay-Timestamp")
        key = self.keys.get(serial)
        if key is None:
            raise SignatureRefused(401, "unknown Wechatpay-Serial")
        if not rsa_verify(timestamp, once, body, signature, key):
            raise SignatureRefused(401, "bad Wechatpay-Signature")


def decrypt(resource: dict[str, Any], apiv3_key: str) -> dict[str, Any]:
    """The notification's `resource` opened with the APIv3 key; 400 if tampered with or not JSON."""
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise SignatureRefused(400, "unknown resource algorithm")
    try:
        plain = aes_decrypt(str(resource["nonce"]), str(resource["ciphertext"]),
                            str(resource.get("associated_data", "")), apiv3_key)
    except (KeyError, ValueError) as exc:
        raise SignatureRefused(400, "unreadable resource") from exc
    if plain is None:
        raise SignatureRefused(400, "resource fails its AES-GCM tag")
    try:
        data = json.loads(plain)
    except ValueError as exc:
        raise SignatureRefused(400, "resource is not JSON") from exc
    if not isinstance(data, dict):
        raise SignatureRefused(400, "resource is not an object")
    return data


def encrypt(data: dict[str, Any], apiv3_key: str, associated_data: str) -> dict[str, str]:
    """A `resource` as the platform sends it (the simulator's side of `decrypt`)."""
    once = secrets.token_hex(6)
    sealed = AESGCM(apiv3_key.encode()).encrypt(once.encode(), json.dumps(data, ensure_ascii=False).encode(),
                                                associated_data.encode())
    return {"algorithm": "AEAD_AES_256_GCM", "ciphertext": base64.b64encode(sealed).decode(),
            "associated_data": associated_data, "nonce": once, "original_type": "transaction"}


def jsapi_params(appid: str, prepay_id: str, key: rsa.RSAPrivateKey, now: float | None = None) -> dict[str, str]:
    """What the page hands to `WeixinJSBridge.invoke('getBrandWCPayRequest', …)`, `paySign` included:
    RSA over appId, timeStamp, nonceStr and package, each on its own line."""
    timestamp, once, package = str(int(time.time() if now is None else now)), nonce(), f"prepay_id={prepay_id}"
    return {"appId": appid, "timeStamp": timestamp, "nonceStr": once, "package": package, "signType": "RSA",
            "paySign": sign(key, appid, timestamp, once, package)}


def verify_pay_sign(params: dict[str, str], key: rsa.RSAPublicKey) -> bool:
    """The simulator's pay sheet checks the page's `paySign` as WeChat does."""
    message = "".join(f"{params.get(k, '')}\n" for k in ("appId", "timeStamp", "nonceStr", "package"))
    return verify_message(message, params.get("paySign", ""), key)


def verify_message(message: str, signature: str, key: rsa.RSAPublicKey) -> bool:
    try:
        key.verify(base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def parse_authorization(header: str) -> dict[str, str]:
    """The fields of a merchant's `Authorization` header (the simulator checks them)."""
    schema, _, rest = header.partition(" ")
    if schema != SCHEMA:
        return {}
    fields = {}
    for part in rest.split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = value.strip('"')
    return fields
