"""The audit log: every operator action, in the same transaction as the action itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from store.tables import AuditEntry, utcnow

#: Every action the log records, and the name the audit page shows for it.
ACTIONS = {
    "sign-in": "登录", "sign-in refused": "登录被拒", "sign-out": "退出登录",
    "feature switch": "功能开关", "unbind": "解除绑定",
    "article created": "新建文章", "article edited": "修改文章", "article published": "发布文章",
    "article pushed": "推送文章", "ticket reply": "回复报修", "ticket status": "报修状态",
    "discrepancy resolved": "处理对账差异", "reconciliation started": "发起对账",
    "dead letters retried": "重试死信", "send retried": "重发消息",
    "operator created": "新建操作员", "operator reset": "重置操作员", "operator role": "修改角色",
    "operator disabled": "停用操作员", "operator enabled": "启用操作员", "operator unlocked": "解除登录限制",
    "password changed": "修改密码",
    "templates synced": "同步模板", "template chosen": "选定通知模板", "template automatic": "恢复自动匹配模板",
    "template test sent": "测试模板消息", "deployment checked": "上线检查",
}


def record(
    session: Session,
    operator: str,
    action: str,
    target: str | None = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str | None = None,
    detail: str | None = None,
) -> AuditEntry:
    """Add one entry; committed (or rolled back) with the change it describes."""
    entry = AuditEntry(at=utcnow(), operator=operator, action=action, target=target, before=before,
                       after=after, ip=ip, detail=detail)
    session.add(entry)
    return entry
