"""Parsing and verification: WeChat's own test vectors, and what we refuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from events.errors import BadCallback
from events.messages import to_message
from ingress.parse import parse_xml
from ingress.verify import check_plain, decrypt, plain_signature

FIXTURES = Path(__file__).parent.parent / "fixtures" / "wechat"
# WeChat's official safe-mode sample (WXBizMsgCrypt), also in ../shared/conformance/official-sample.json.
OFFICIAL = {
    "token": "spamtest",
    "encoding_aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "appid": "wx2c2769f8efd9abc2",
    "timestamp": "1409735669",
    "nonce": "1320562132",
    "msg_signature": "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
}
OFFICIAL_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrX"
    "pbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjl"
    "pKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1"
    "BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)


def test_the_official_plain_signature_vector() -> None:
    assert plain_signature("test", "1410685589", "test") == "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"


def test_the_official_safe_mode_sample_decrypts_to_its_text_message() -> None:
    o = OFFICIAL
    xml = decrypt(o["token"], (o["encoding_aes_key"],), o["appid"], OFFICIAL_ENCRYPT, o["msg_signature"],
                  o["timestamp"], o["nonce"])
    message = to_message(parse_xml(xml.encode()))
    assert message.content == "abcdteT"
    assert message.msg_id == "6054768590064713728"
    assert message.from_user == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"


def test_the_shared_copy_of_the_official_sample_matches_ours() -> None:
    shared = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "official-sample.json"
    if not shared.exists():
        pytest.skip("../shared is not beside this checkout")
    sample = json.loads(shared.read_text())
    assert sample["encrypt"] == OFFICIAL_ENCRYPT
    assert {k: sample[k] for k in OFFICIAL} == OFFICIAL


def test_a_rotated_key_still_opens_messages_sealed_with_the_previous_one() -> None:
    o = OFFICIAL
    new_key = "B" * 43
    xml = decrypt(o["token"], (new_key, o["encoding_aes_key"]), o["appid"], OFFICIAL_ENCRYPT, o["msg_signature"],
                  o["timestamp"], o["nonce"])
    assert "abcdteT" in xml


def test_a_wrong_msg_signature_is_refused_with_403() -> None:
    o = OFFICIAL
    with pytest.raises(BadCallback) as refused:
        decrypt(o["token"], (o["encoding_aes_key"],), o["appid"], OFFICIAL_ENCRYPT, "0" * 40, o["timestamp"],
                o["nonce"])
    assert refused.value.status == 403


def test_a_message_for_another_appid_is_refused() -> None:
    o = OFFICIAL
    with pytest.raises(BadCallback) as refused:
        decrypt(o["token"], (o["encoding_aes_key"],), "wxSomeoneElse", OFFICIAL_ENCRYPT, o["msg_signature"],
                o["timestamp"], o["nonce"])
    assert refused.value.status == 400


def test_a_stale_timestamp_is_refused_even_with_a_good_signature() -> None:
    signature = plain_signature("tok", "1000", "n")
    with pytest.raises(BadCallback, match="stale"):
        check_plain("tok", signature, "1000", "n", max_skew=300, now=2000.0)
    check_plain("tok", signature, "1000", "n", max_skew=300, now=1100.0)


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<xml><Content>&b;</Content></xml>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>',
        b"<xml><ToUserName>unclosed",
        b"not xml at all",
        b"<notxml><a>1</a></notxml>",
        b"<xml>text only</xml>",
        "<xml><Content>中文</Content></xml>".encode("gbk"),
    ],
)
def test_hostile_or_broken_xml_is_refused_with_400(body: bytes) -> None:
    with pytest.raises(BadCallback) as refused:
        to_message(parse_xml(body))
    assert refused.value.status == 400


def test_a_callback_missing_its_sender_is_refused() -> None:
    with pytest.raises(BadCallback):
        to_message(parse_xml(b"<xml><ToUserName>gh</ToUserName><MsgType>text</MsgType><CreateTime>1</CreateTime></xml>"))


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.xml")))
def test_our_fixtures_parse(name: str) -> None:
    message = to_message(parse_xml((FIXTURES / name).read_bytes()))
    assert message.from_user.startswith("oFixture")
    assert message.dedup_key()


def test_messages_and_events_have_distinct_identities() -> None:
    text = to_message(parse_xml((FIXTURES / "text.xml").read_bytes()))
    click = to_message(parse_xml((FIXTURES / "click.xml").read_bytes()))
    assert text.dedup_key() == "m:oFixtureStudent0001:1764000000:24000000000000001"
    assert click.dedup_key() == "e:oFixtureStudent0001:1764000001:event:CLICK:BALANCE"
