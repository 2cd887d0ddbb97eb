"""What a page says after an action: a fixed catalogue, chosen by a code in the URL.

`?ok=unbound` shows 已解除绑定并通知用户; an unknown code shows nothing, so a link crafted with
`?err=<any text>` can never put its words inside the site's own alert box. A message may carry a
number (`n`, `id`) or a name looked up in a label table (`feature`, `role`, `state`, `verdict`, a `notice`
kind, a `wechat` errcode), nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping

from adapters.wechat.port import REFUSALS
from backoffice.accounts import ACCOUNT_ERRORS
from backoffice.roles import ROLE_LABELS
from events.notices import KINDS
from events.routing import FEATURE_LABELS
from workers.alerts.messages import DECISION_LABELS
from workers.money.reconcile import review

MESSAGES: dict[str, str] = {
    # done
    "unbound": "已解除绑定并通知用户",
    "ticket_replied": "已回复并通知用户",
    "ticket_status": "状态已更新并通知用户",
    "requeued": "{n} 条消息已重新入队",
    "resent": "消息 {id} 已重新发送",
    "checked": "上线检查已完成",
    "draft_saved": "草稿已保存",
    "saved": "已保存",
    "published": "已发布",
    "push_started": "推送已开始",
    "resolved": "差异 {id} 已处理",
    "reconcile_started": "第 {id} 次对账已开始",
    "suspicious_decided": "可疑交易 {id}：{verdict}",
    "feature_on": "{feature} 已开启",
    "feature_off": "{feature} 已关闭",
    "operator_created": "操作员已创建，首次登录时需修改密码",
    "role_changed": "角色已改为 {role}",
    "operator_disabled": "操作员已停用",
    "operator_enabled": "操作员已启用",
    "password_changed": "密码已修改",
    "templates_synced": "已从微信同步 {n} 个模板",
    "template_chosen": "「{notice}」已改用选定的模板",
    "template_automatic": "「{notice}」已恢复自动匹配",
    "template_test_sent": "「{notice}」的测试消息微信已接收，请在手机上查看",
    # refused
    "reason_needed": "请填写解绑原因",
    "reply_empty": "回复不能为空",
    "unknown_status": "未知状态",
    "not_failed": "消息 {id} 不在失败状态，无需重试",
    "not_draft_edit": "只有草稿可以修改",
    "article_invalid": "请选择类别并填写标题和正文",
    "not_draft_publish": "只有草稿可以发布",
    "not_published": "只能推送已发布的文章",
    "decision_needed": "请选择处理决定并填写说明",
    "cannot_resolve": "差异 {id}（{state}）无法再处理",
    "own_role": "不能修改自己的角色",
    "own_disable": "不能停用自己",
    "reconcile_no_date": "请选择要对账的日期",
    "verdict_needed": "请选择处理决定",
    "suspicious_decided_before": "可疑交易 {id} 已经处理过（{verdict}）",
    "reconcile_future": "不能对未来的日期对账",
    "reconcile_bill_not_ready": "微信支付次日 10:00 后才生成前一天的交易账单，请到时再对这一天的账",
    "reconcile_unconfigured": "未配置银行、卡务或缴费系统的地址，无法对账",
    "templates_sync_failed": "暂时无法从微信获取模板，请稍后再试",
    "openid_invalid": "请填写正确的 openid（6–64 位字母、数字、- 或 _）",
    "template_missing": "「{notice}」没有可用的模板，无法发送测试消息",
    "template_test_refused": "微信拒绝了「{notice}」的测试消息：{wechat}",
    "template_test_failed": "微信拒绝了「{notice}」的测试消息（错误码 {n}）",
    "template_test_rejected": "微信拒绝了「{notice}」的测试消息（原因见审计日志）",
    "template_test_unreachable": "「{notice}」的测试消息未发出：暂时无法连接微信，请稍后再试",
    **ACCOUNT_ERRORS,
}

#: Parameters a message may carry, each turned into its text or refused (None).
_NUMBER = 12
_LABELS: dict[str, Mapping[str, str]] = {"feature": FEATURE_LABELS, "role": ROLE_LABELS,
                                         "state": review.STATUSES, "verdict": DECISION_LABELS,
                                         "notice": {kind.value: spec.name for kind, spec in KINDS.items()},
                                         "wechat": {str(code): text for code, text in REFUSALS.items()}}
PARAMS = ("n", "id", *_LABELS)


def text(code: str | None, query: Mapping[str, str]) -> str | None:
    """The message for `code` with its parameters, or None when anything is not as issued."""
    if not code or code not in MESSAGES:
        return None
    values: dict[str, str] = {}
    for name in PARAMS:
        raw = query.get(name)
        if raw is None:
            continue
        if name in _LABELS:
            if raw not in _LABELS[name]:
                return None
            values[name] = _LABELS[name][raw]
        elif raw.isascii() and raw.isdigit() and len(raw) <= _NUMBER:
            values[name] = raw
        else:
            return None
    try:
        return MESSAGES[code].format(**values)
    except KeyError:
        return None
