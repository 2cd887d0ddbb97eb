"""Property-based fuzzing of the callback parser and the command grammar (hypothesis): whatever
arrives, the parser answers a dict or a clear BadCallback, and routing always finds an answer."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import commands as c
from events.errors import BadCallback
from events.messages import InboundMessage, to_message
from events.routing import route, route_text
from events.topics import Topic
from ingress.parse import parse_xml

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: Characters XML 1.0 allows (no other control characters, no surrogates).
XML_TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\ufffe\uffff",
                                 min_codepoint=0x20) | st.sampled_from("\t\n"), max_size=200)


def cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@FAST
@given(st.binary(max_size=2000))
def test_any_bytes_parse_to_a_dict_or_a_clear_refusal(body: bytes) -> None:
    try:
        fields = parse_xml(body)
    except BadCallback as exc:
        assert exc.status == 400
        return
    assert isinstance(fields, dict)
    try:
        to_message(fields)
    except BadCallback as exc:
        assert exc.status == 400


@FAST
@given(st.text(max_size=500))
def test_any_text_is_a_clear_refusal_or_a_message(body: str) -> None:
    try:
        to_message(parse_xml(body))
    except BadCallback as exc:
        assert exc.status == 400


@FAST
@given(sender=XML_TEXT.filter(str.strip), content=XML_TEXT, msg_id=st.integers(0, 2**64 - 1))
def test_a_text_message_keeps_its_content_whatever_it_holds(sender: str, content: str, msg_id: int) -> None:
    xml = (f"<xml><ToUserName>{cdata('gh_x')}</ToUserName><FromUserName>{cdata(sender)}</FromUserName>"
           f"<CreateTime>1700000000</CreateTime><MsgType>{cdata('text')}</MsgType>"
           f"<Content>{cdata(content)}</Content><MsgId>{msg_id}</MsgId></xml>")
    message = to_message(parse_xml(xml.encode()))
    assert message.msg_id == str(msg_id)
    # xmltodict strips surrounding whitespace; what is inside arrives unchanged.
    assert (message.content or "") == content.strip()
    assert route(message) is not None


@FAST
@given(st.text(max_size=300))
def test_any_text_routes_to_a_command_and_never_raises(text: str) -> None:
    routed = route_text(text)
    assert isinstance(routed.command, c.Command)
    assert isinstance(routed.topic, Topic)


@FAST
@given(msg_type=st.text(max_size=20).filter(str.strip), event=st.none() | st.text(max_size=20),
       key=st.none() | st.text(max_size=200), content=st.none() | st.text(max_size=100))
def test_any_message_or_event_routes_or_is_stored_only(msg_type: str, event: str | None, key: str | None,
                                                        content: str | None) -> None:
    message = InboundMessage(to_user="gh", from_user="o1", create_time=1, msg_type=msg_type, event=event,
                             event_key=key, content=content)
    routed = route(message)
    if msg_type != "event":
        assert routed is not None, "a user's message always gets an answer"


@FAST
@given(st.text(alphabet="0123456789", min_size=6, max_size=6))
def test_six_digits_are_a_verification_code(code: str) -> None:
    assert route_text(code).command == c.VerifyCode(code)


@given(st.sampled_from(["绑定", "bind", "BIND"]), st.text(max_size=40))
def test_a_bind_with_anything_after_it_is_a_bind_or_the_help(word: str, rest: str) -> None:
    command = route_text(f"{word} {rest}").command
    assert isinstance(command, (c.StartBind, c.NotUnderstood, c.VerifyCode))
    if isinstance(command, c.StartBind):
        assert command.student_no.isalnum() and command.student_no.isascii()
