"""Checks 4, 6 and 7: WeChat takes our credentials, shows our menu, and has the templates the notices need.

Each asks the WeChat API through the platform's own client (`adapters.wechat.client.WechatpyApi`),
so what passes here is what the workers will meet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from adapters.wechat.client import CredentialsAnswer
from adapters.wechat.port import WeChatApi
from events.menu import menu_json
from onecard.doctor.check import Check, describe, fail, network_reason, ok
from store.uow import UowFactory
from workers.delivery.template_report import report
from workers.delivery.templates import sync

TOKEN, MENU, TEMPLATES = "微信凭据", "公众号菜单", "模板消息"

#: WeChat's refusals of a token request, with the setting or console page that fixes each.
CREDENTIAL_REMEDIES = {
    40013: "AppID 不对：检查 ONECARD_WECHAT_APPID",
    40125: "AppSecret 不对：检查 ONECARD_WECHAT_SECRET（公众平台 → 基本配置，重置后旧的立即失效）",
    40001: "AppSecret 不对：检查 ONECARD_WECHAT_SECRET",
    40164: "本机 IP 不在白名单：在公众平台 → 基本配置 → IP白名单 加入服务器的出口 IP",
    89503: "本机 IP 调用需管理员确认：在公众平台 → 基本配置 → IP白名单 加入服务器的出口 IP",
}


class Account(Protocol):
    """What these checks ask of the WeChat API client."""

    def check_credentials(self) -> CredentialsAnswer: ...
    def shared_token(self) -> str: ...
    def menu(self) -> dict[str, Any] | None: ...


def check_token(account: Account) -> tuple[list[Check], CredentialsAnswer | None]:
    """WeChat takes the appid and secret, and the platform holds a token; the answer, for the clock check."""
    try:
        answer = account.check_credentials()
    except Exception as exc:  # network trouble: WeChat cannot be reached from here
        return [fail(TOKEN, f"连不上微信接口：{network_reason(exc)}",
                      "检查本机能否访问 ONECARD_WECHAT_API_BASE（防火墙、代理）")], None
    if answer.errcode:
        remedy = CREDENTIAL_REMEDIES.get(answer.errcode, "按微信返回的错误码检查公众号设置")
        return [fail(TOKEN, f"微信拒绝了公众号的凭据（{answer.errcode} {answer.errmsg}）", remedy)], answer
    try:
        account.shared_token()
    except Exception as exc:  # the database holding the shared token, most likely
        return [fail(TOKEN, f"凭据有效，但平台取不到共享的 access token：{describe(exc)}",
                      "检查数据库（见「数据库」一行）")], answer
    return [ok(TOKEN, "微信接受 AppID 和 AppSecret，已取得 access token")], answer


def normalized(menu: Any) -> Any:
    """A menu as WeChat keeps it, without what `menu/get` adds and `menu/create` never took (empty
    `sub_button` lists on items), so ours and WeChat's compare equal when they are the same."""
    if isinstance(menu, dict):
        return {k: normalized(v) for k, v in menu.items() if not (k == "sub_button" and not v)}
    if isinstance(menu, list):
        return [normalized(v) for v in menu]
    return menu


def check_menu(account: Account, public_url: str) -> list[Check]:
    ours = menu_json(public_url)
    theirs = account.menu()
    remedy = "运行 onecard menu sync 发布本平台的菜单"
    if theirs is None:
        return [fail(MENU, "公众号还没有自定义菜单", remedy)]
    if normalized(theirs) == normalized(ours):
        return [ok(MENU, f"已发布，与本平台的菜单一致（{len(ours['button'])} 个按钮）")]
    differing = [b["name"] for b in ours["button"] if normalized(b) not in normalized(theirs.get("button", []))]
    what = f"不同的按钮：{'、'.join(differing)}" if differing else "按钮的顺序或数量不同"
    return [fail(MENU, f"公众号的菜单与本平台的不同（{what}），可能链接指向旧地址", remedy)]


def check_templates(uow_factory: UowFactory, wechat: WeChatApi,
                    forget: Callable[[], None] | None = None) -> list[Check]:
    """Every notice kind has a template it can go out as: listed from WeChat and kept, as `onecard
    templates check` and the 模板消息 page's 从微信同步 do (`forget`: this process reads the new list)."""
    book = sync(uow_factory, wechat)
    if forget is not None:
        forget()
    missing = [r.name for r in report(book) if r.choice is None]
    if missing:
        return [fail(TEMPLATES, f"{len(missing)} 类通知没有可用的模板：{'、'.join(missing)}",
                     "运行 onecard templates check 查看每类需要的标题和字段，在微信公众平台添加，"
                     "或在后台「模板消息」页面为其选定模板")]
    return [ok(TEMPLATES, f"公众号有 {len(book.templates)} 个模板，{len(report(book))} 类通知都有可用的模板")]
