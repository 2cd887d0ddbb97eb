"""The SMS gateway's checks: a malformed number is refused (nothing is sent), and — only with
`--send-sms --phone` — one real text reaches the number given."""

from __future__ import annotations

from onecard.conformance.options import Options
from onecard.conformance.probe import Probe

SEND = "/send"
TEXT = "【onecard】接口测试短信，请忽略。"


def code_is(body: object, accepted: bool) -> list[str]:
    code = body.get("code") if isinstance(body, dict) else None
    if accepted:
        return [] if code == 0 else [f"code 应为 0（已受理），实为 {code!r}"]
    return [] if isinstance(code, int) and code != 0 else [f"code 应为非 0 的错误码，实为 {code!r}"]


def check_sms(probe: Probe, options: Options) -> None:
    answer = probe.call("POST", SEND, body={"phone": "1234", "text": TEXT})
    probe.check("拒收格式错误的手机号", answer, 200, "手机号不是 11 位时须答复 HTTP 200 且 code 非 0（拒绝），不得发送",
                code_is(answer.body, accepted=False))
    if options.send_sms and options.phone:
        answer = probe.call("POST", SEND, body={"phone": options.phone, "text": TEXT})
        probe.check(f"发送测试短信到 {options.phone}", answer, 200, "合法的手机号与内容须受理（code 为 0）并送达",
                    code_is(answer.body, accepted=True))
    else:
        probe.report.skip("发送一条真实短信", "加 --send-sms --phone 手机号 才发送（会发出一条真实短信）")
