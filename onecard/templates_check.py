"""`onecard templates check` and `onecard templates sync`: for IT staff setting up a school's account.

`check` lists the account's templates from WeChat (keeping them, as the 模板消息 page's 从微信同步
does), then prints, per notice kind, the template and which of our fields each key holds, or what
is missing and what to add in the WeChat console. Its exit status lets a deployment script stop
on a gap: 0 every kind has a usable template, 1 some kind has none, 2 WeChat could not be asked.
"""

from __future__ import annotations

import sys
from typing import TextIO

from adapters.wechat.port import WeChatApi
from events.errors import OnecardError
from onecard.bootstrap import build_wechat
from onecard.settings import Settings
from store import templates as store_templates
from store.db import make_engine, make_session_factory
from store.uow import UnitOfWork, UowFactory
from workers.delivery.template_report import report, wanted
from workers.delivery.templates import TemplateBook, sync

#: Exit statuses.
USABLE, MISSING, UNREACHABLE = 0, 1, 2


def _synced(uow_factory: UowFactory, wechat: WeChatApi, err: TextIO) -> TemplateBook | None:
    try:
        return sync(uow_factory, wechat)
    except OnecardError as exc:
        print(f"无法从微信获取公众号的模板：{exc}", file=err)
        return None


def sync_only(uow_factory: UowFactory, wechat: WeChatApi, out: TextIO, err: TextIO) -> int:
    book = _synced(uow_factory, wechat, err)
    if book is None:
        return UNREACHABLE
    titles = "、".join(t.title for t in book.templates) or "（无）"
    print(f"已从微信同步 {len(book.templates)} 个模板：{titles}", file=out)
    return USABLE


def check(uow_factory: UowFactory, wechat: WeChatApi, out: TextIO, err: TextIO) -> int:
    """Sync, then say per kind what goes out or what is missing; MISSING when any kind has no template."""
    book = _synced(uow_factory, wechat, err)
    if book is None:
        return UNREACHABLE
    with uow_factory() as uow:
        held = store_templates.held(uow.session)
    print(f"已从微信同步 {len(book.templates)} 个模板。\n", file=out)
    missing = []
    kinds = report(book)
    for r in kinds:
        if r.choice is None:
            missing.append(r.name)
            print(f"[不可用] {r.name}（{r.kind.value}）：{r.reason}", file=out)
            print(f"    需要：{wanted(r.kind)}", file=out)
        else:
            how = "人工选定" if r.chosen else "自动匹配"
            print(f"[可用] {r.name}（{r.kind.value}）：模板「{r.choice.template.title}」"
                  f"（ID {r.choice.template.template_id}），{how}", file=out)
            for k in r.rows:
                print(f"    {k.label} {k.key}（{k.type_name}） ← {k.field_name}", file=out)
        if held.get(r.kind.value):
            print(f"    暂存的此类通知：{held[r.kind.value]} 条（有了模板后自动补发）", file=out)
    total = len(kinds)
    if missing:
        print(f"\n{total} 类通知中 {len(missing)} 类没有可用的模板：{'、'.join(missing)}。"
              "请在微信公众平台添加上面所说的模板后再运行本命令，或在后台「模板消息」页面为其选定模板。", file=out)
        return MISSING
    print(f"\n{total} 类通知都有可用的模板。", file=out)
    return USABLE


def main(action: str) -> int:
    """The command: the settings' database and WeChat, as the other operator commands use them."""
    settings = Settings()
    engine = make_engine(settings.resolved_database_url)
    sessions = make_session_factory(engine)
    try:
        run = check if action == "check" else sync_only
        return run(lambda: UnitOfWork(sessions), build_wechat(settings), sys.stdout, sys.stderr)
    finally:
        engine.dispose()
