"""Is this callback from WeChat? Plain signatures and safe-mode (AES) decryption."""

from __future__ import annotations

import hmac
import time
from collections.abc import Sequence

from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import WeChatSigner

from events.errors import BadCallback


def plain_signature(token: str, timestamp: str, nonce: str) -> str:
    """SHA-1 over the sorted token, timestamp and nonce: what WeChat puts in `signature`."""
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce)
    return str(signer.signature)


def check_plain(
    token: str, signature: str, timestamp: str, nonce: str, *, max_skew: int, now: float | None = None
) -> None:
    """Raise BadCallback(403) unless the query was signed with our token, recently."""
    if not (signature and timestamp and nonce):
        raise BadCallback(403, "missing signature, timestamp or nonce")
    if not hmac.compare_digest(plain_signature(token, timestamp, nonce), signature.lower()):
        raise BadCallback(403, "bad signature")
    if max_skew:
        try:
            skew = abs((now or time.time()) - int(timestamp))
        except ValueError as exc:
            raise BadCallback(403, "bad timestamp") from exc
        if skew > max_skew:
            raise BadCallback(403, "stale timestamp")


def decrypt(
    token: str, aes_keys: Sequence[str], appid: str, encrypt: str, msg_signature: str, timestamp: str, nonce: str
) -> str:
    """The plaintext XML of a safe-mode message, trying the current key and then the previous one."""
    if not aes_keys:
        raise BadCallback(400, "safe-mode message but no EncodingAESKey configured")
    if not msg_signature:
        raise BadCallback(403, "missing msg_signature")
    last: Exception | None = None
    for key in aes_keys:
        crypto = WeChatCrypto(token, key, appid)
        try:
            plaintext: str = crypto.decrypt_message(
                {"Encrypt": encrypt}, msg_signature, timestamp, nonce
            )
            return plaintext
        except InvalidSignatureException as exc:
            raise BadCallback(403, "bad msg_signature") from exc
        except InvalidAppIdException as exc:
            last = exc
        except Exception as exc:  # padding, base64, unicode: all mean "not ours"
            last = exc
    raise BadCallback(400, f"cannot decrypt message ({type(last).__name__})")
