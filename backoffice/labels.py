"""How the audit log reads in Chinese: each action's fields and values named by the tables that define them.

No label is written here a second time: the value names come from where each value is defined
(routing.FEATURE_LABELS, repair.STATUS, review.KINDS, …); this module only says which table names which
field of which action. The raw JSON stays one click away on the audit page, for an engineer.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from backoffice import statuses
from backoffice.roles import ROLE_LABELS
from backoffice.seed import STARTED_BY
from workers.text.format import yuan

#: What each field of an audit snapshot is called.
FIELDS = {
    "enabled": "状态", "message": "关闭时提示", "kind": "类型", "title": "标题", "status": "状态", "body": "正文",
    "openid": "微信用户标识", "student_no": "学号", "name": "姓名", "reply": "回复", "order_no": "订单号",
    "platform_fen": "平台金额", "bank_fen": "银行金额", "decision": "处理决定", "operator": "操作员",
    "note": "说明", "count": "条数", "message_id": "消息编号", "last_error": "错误", "username": "用户名",
    "role": "角色", "disabled": "账号", "broadcast": "推送编号", "date": "对账日期", "run": "对账批次",
    "automatic": "匹配方式", "template_id": "模板编号", "keys": "字段对应", "titles": "模板", "result": "结果",
    "source": "对账来源",
    "blockers": "未通过", "warnings": "警告",
}
ON_OFF = {True: "开启", False: "已关闭"}
DISABLED = {True: "已停用", False: "正常"}
AUTOMATIC = {True: "自动匹配", False: "人工选定"}
#: Who acted, where it was not an operator signed in to the back-office.
#: (`demo`: the author of the demo guides in a data folder made before they named the service centre.)
ACTORS = {STARTED_BY: "系统（启动脚本）", "system": "系统", "demo": "校园卡服务中心"}
#: The noun of each audit target's prefix ("article 3" reads 文章 3).
TARGETS = {"article": "文章", "ticket": "报修单", "discrepancy": "对账差异", "binding": "绑定", "queue": "队列",
           "outbound": "消息", "reconciliation": "对账"}


@cache
def _values() -> dict[str, dict[str, Mapping[Any, str]]]:
    """Action prefix -> field -> the table naming its values (the workers' tables imported late, when
    first needed: the web app's templating imports this module before any worker module is loaded)."""
    from events.notices import FIELD_LABELS
    from workers.money.reconcile.resolve import DECISIONS
    from workers.money.reconcile.review import KINDS as DISCREPANCY_KINDS
    from workers.money.reconcile.review import STATUSES as DISCREPANCY_STATUSES
    from workers.money.reconcile.run import SOURCES
    from workers.topics.guide import KINDS as ARTICLE_KINDS
    from workers.topics.repair import STATUS as TICKET_STATUSES

    return {
        "feature": {"enabled": ON_OFF},
        "article": {"kind": ARTICLE_KINDS, "status": statuses.ARTICLE},
        "ticket": {"status": TICKET_STATUSES},
        "discrepancy": {"kind": DISCREPANCY_KINDS, "status": DISCREPANCY_STATUSES, "decision": DECISIONS},
        "operator": {"role": ROLE_LABELS, "disabled": DISABLED},
        "send": {"status": {**statuses.FAILED_SENDS, "pending": "待发送"}},
        "reconciliation": {"source": {code: name for code, (_kind, name) in SOURCES.items()}},
        "template": {"automatic": AUTOMATIC, "keys": {f.value: shown for f, (shown, _) in FIELD_LABELS.items()}},
    }


def describe_value(action: str, field: str, value: Any) -> str:
    """One value as a clerk reads it: a named status, yuan for fen, 是/否, or the text itself; each
    value of a list or a mapping ({template key: our field}) so too."""
    if isinstance(value, Mapping):
        return "；".join(f"{k} → {describe_value(action, field, v)}" for k, v in value.items()) or "（空）"
    if isinstance(value, list):
        return "、".join(describe_value(action, field, v) for v in value) or "（空）"
    table = _values().get(action.split(" ")[0], {}).get(field)
    if table is not None and value in table:
        return table[value]
    if value is None or value == "":
        return "（空）"
    if field.endswith("_fen") and isinstance(value, int):
        return f"{yuan(value)} 元"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def describe_change(action: str, before: Mapping[str, Any] | None,
                    after: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    """(field, before, after) for each field an entry names; of a change, only the fields that changed."""
    both = before is not None and after is not None
    before, after = before or {}, after or {}
    fields = [f for f in dict.fromkeys([*before, *after]) if not both or before.get(f) != after.get(f)]
    return [(FIELDS.get(f, f), describe_value(action, f, before[f]) if f in before else "",
             describe_value(action, f, after[f]) if f in after else "") for f in fields]


def describe_target(action: str, target: str | None) -> str:
    """`article 3` as 文章 3, a feature switch by its title, a notice kind by its name."""
    from events.notices import KINDS
    from events.routing import FEATURE_LABELS
    from events.topics import TOPIC_LABELS

    if not target:
        return ""
    if action == "feature switch":
        return FEATURE_LABELS.get(target, target)
    kinds = {kind.value: spec.name for kind, spec in KINDS.items()}
    if action.startswith("template ") and target in kinds:
        return kinds[target]
    noun, _, rest = target.partition(" ")
    if noun == "queue":
        rest = TOPIC_LABELS.get(rest, rest)
    return f"{TARGETS[noun]} {rest}" if noun in TARGETS and rest else target


def describe_actor(actor: str | None) -> str:
    """Who did something, as a clerk reads it: an operator by their username, the start script as
    系统（启动脚本）, a command run on the server as 命令行（its user）."""
    if not actor:
        return ""
    if actor.startswith("cli:"):
        return f"命令行（{actor.removeprefix('cli:')}）"
    return ACTORS.get(actor, actor.removeprefix("admin:"))
