"""Why a message never reached the phone, in the words the chat shows (one place for the wording).

WeChat refuses a send for its own rules, and a real student sees nothing: no bubble, no error.
The chat simulator shows a grey line instead, so whoever plays the student sees that an answer
was due and why WeChat kept it back. The WeChat API simulator lists these sends at
`/_sim/refusals`; the page and the terminal word them with `refusal_note`.
"""

from __future__ import annotations

from typing import Any

#: errcode → what the student's chat says about it (see ../shared/WECHAT.md for the rules).
NOTES = {
    45015: "不在客服消息时限内（45015）：需要你先发一条消息或点菜单",
    45047: "客服消息额度已用完（45047）：公众号在你上次互动后最多发 5 条（点菜单为 1 分钟内 3 条）",
    43101: "你已拒收该公众号的模板消息（43101）",
    47003: "模板消息的内容不合模板字段的要求（47003），微信没有发出",
    40037: "模板不存在（40037），微信没有发出这条模板消息",
    43116: "该模板已被微信封禁（43116），微信没有发出这条模板消息",
}


def refusal_note(refusal: dict[str, Any]) -> str:
    """The grey line for one entry of `/_sim/refusals`."""
    errcode = int(refusal.get("errcode", 0))
    return NOTES.get(errcode, f"微信拒收了一条消息（{errcode}）")
