"""Safe mode (AES): encrypted callbacks travel the whole path; a key rotation loses nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from adapters.wechat.callbacks import CallbackSender, event_xml, text_xml
from tests.harness import APPID, TOKEN, Stack, new_openid, running_stack

KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
OLD_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkj"


@pytest.fixture(scope="module")
def safe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("safe")
    with running_stack(tmp, aes_key=KEY, wechat_previous_aes_key=OLD_KEY) as stack:
        stack.start_workers(name="safe-mode")
        yield stack


def test_an_encrypted_dialogue_binds_and_answers(safe: Stack) -> None:
    openid = new_openid()
    sender = safe.sender(aes_key=KEY)
    since = len(safe.sms_to("13800000004"))
    assert sender.post(text_xml(openid, "绑定 20240004")).text == "success"
    assert "验证码已发送" in safe.replies(openid, 1)[0]
    sender.post(text_xml(openid, safe.code_sent("13800000004", since)))
    assert "绑定成功" in safe.replies(openid, 2)[1]
    sender.post(event_xml(openid, "CLICK", "BALANCE"))
    assert "0.00 元" in safe.replies(openid, 3)[2]


def test_a_message_sealed_with_the_previous_key_is_still_accepted(safe: Stack) -> None:
    openid = new_openid()
    answer = safe.sender(aes_key=OLD_KEY).post(text_xml(openid, "帮助"))
    assert (answer.status_code, answer.text) == (200, "success")
    assert "可用功能" in safe.replies(openid, 1)[0]


def test_a_message_sealed_with_an_unknown_key_is_refused(safe: Stack) -> None:
    stranger = CallbackSender(f"{safe.ingress_url}/wechat", TOKEN, APPID, "Q" * 43)
    assert stranger.post(text_xml(new_openid(), "帮助")).status_code == 400


def test_compatible_mode_carrying_both_plaintext_and_encrypt_is_accepted(safe: Stack) -> None:
    openid = new_openid()
    sender = safe.sender(aes_key=KEY)
    plain = text_xml(openid, "帮助")
    # Build the encrypted envelope, then put the plaintext fields beside <Encrypt> as WeChat does.
    from wechatpy.crypto import WeChatCrypto

    envelope = WeChatCrypto(TOKEN, KEY, APPID).encrypt_message(plain, "nonce1", "1700000000")
    encrypt = envelope.split("<Encrypt><![CDATA[")[1].split("]]></Encrypt>")[0]
    query = sender.signed_query(encrypt=encrypt)
    body = plain.replace("</xml>", f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
    safe.heard(plain)  # WeChat's part: it knows the user wrote
    answer = requests.post(f"{safe.ingress_url}/wechat", params=query, data=body.encode(), timeout=10)
    assert (answer.status_code, answer.text) == (200, "success")
    assert "可用功能" in safe.replies(openid, 1)[0]
