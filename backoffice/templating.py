"""The back-office's Jinja environment: its filters, the navigation, and where the shared assets live."""

from __future__ import annotations

import json

from starlette.templating import Jinja2Templates

import webassets
from backoffice import labels
from workers.text.format import local_time, mask_phone, yuan

#: The left navigation: (path under /admin, title, permission needed to see it).
NAV = (
    ("/", "概览", "view"),
    ("/features", "功能开关", "view"),
    ("/articles", "信息发布", "view"),
    ("/bindings", "信息查询", "view"),
    ("/tickets", "报修工单", "view"),
    ("/analytics", "数据分析", "view"),
    ("/orders", "订单", "view"),
    ("/reconciliation", "对账", "view"),
    ("/suspicious", "可疑交易", "view"),
    ("/operations", "运行监控", "view"),
    ("/templates", "模板消息", "view"),
    ("/operators", "系统设置", "admin"),
    ("/audit", "审计日志", "audit"),
)


def current_section(path: str, base: str) -> str:
    """The navigation entry a page belongs to (`/articles/3` and `/broadcasts/1` under 信息发布)."""
    inner = path[len(base):] if path.startswith(base) else path
    inner = "/articles" if inner.startswith("/broadcasts") else inner
    matches = [p for p, _, _ in NAV if p != "/" and (inner == p or inner.startswith(p + "/"))]
    return matches[0] if matches else "/"


def create(directory: str) -> Jinja2Templates:
    templates = Jinja2Templates(directory=directory)
    templates.env.filters.update(
        local=lambda t: local_time(t) if t else "", yuan=yuan, mask_phone=mask_phone,
        pretty=lambda v: json.dumps(v, ensure_ascii=False), change=labels.describe_change,
        target=labels.describe_target, actor=labels.describe_actor)
    templates.env.globals.update(nav=NAV, current_section=current_section, echarts=webassets.ECHARTS)
    return templates
