"""The 提醒 commands: what a bound student wants to be told about their card as it happens.

Spending alerts, a low-balance warning, automatic top-up (switched on by an SMS code the first
time) and the 21:00 daily summary. The alerts themselves are sent by the alerts pool
(`workers/alerts`); these handlers only keep the choices.
"""

from __future__ import annotations

import re

from events import commands as c
from store.tables import Binding, SmsChallenge
from workers.alerts import choices
from workers.money.amounts import BadAmount, check_limits, parse_fen
from workers.runtime.registry import handles_bound
from workers.runtime.turn import Turn
from workers.text.format import yuan
from workers.topics import card_changes

ON, OFF = ("开", "on", "打开", "开启"), ("关", "off", "关闭")
#: Automatic top-up (自动充值) is switched on by the holder's SMS code the first time.
AUTOTOPUP = "autotopup"
_TOPUP = re.compile(r"^(\S+)\s*低于\s*(\S+)$")


@handles_bound(c.ShowAlertSettings)
def show(cmd: c.ShowAlertSettings, turn: Turn, binding: Binding) -> None:
    turn.say(choices.describe(choices.of(turn.session, turn.openid, turn.now)))


@handles_bound(c.SetSpendingAlert)
def spending(cmd: c.SetSpendingAlert, turn: Turn, binding: Binding) -> None:
    setting = choices.of(turn.session, turn.openid, turn.now)
    arg = cmd.args.lower()
    if arg in OFF:
        setting.spend_on = False
        turn.say("消费提醒已关闭。")
        return
    if arg in ON:
        setting.spend_on, setting.spend_min_fen = True, 0
        turn.say("消费提醒已开启：每笔消费都会即时提醒。发送“消费提醒 20”只提醒 20 元及以上的消费。")
        return
    try:
        fen = parse_fen(arg) if arg else None
    except BadAmount as exc:
        fen, problem = None, str(exc)
    else:
        problem = "格式：消费提醒 开、消费提醒 关 或 消费提醒 20"
    if fen is None:
        turn.say(problem)
        return
    setting.spend_on, setting.spend_min_fen = True, fen
    turn.say(f"消费提醒已开启：单笔 {yuan(fen)} 元及以上的消费会即时提醒。")


@handles_bound(c.SetLowBalanceAlert)
def low_balance(cmd: c.SetLowBalanceAlert, turn: Turn, binding: Binding) -> None:
    setting = choices.of(turn.session, turn.openid, turn.now)
    if cmd.args.lower() in OFF:
        setting.low_balance_fen = None
        turn.say("余额提醒已关闭。")
        return
    try:
        fen = parse_fen(cmd.args) if cmd.args else None
    except BadAmount as exc:
        turn.say(str(exc))
        return
    if fen is None:
        turn.say("格式：余额提醒 20（余额低于 20 元时提醒）或 余额提醒 关")
        return
    setting.low_balance_fen, setting.low_armed = fen, True
    turn.say(f"余额提醒已开启：余额低于 {yuan(fen)} 元时提醒您一次，充值到 {yuan(fen)} 元以上后再次生效。")


@handles_bound(c.SetAutoTopup)
def auto_topup(cmd: c.SetAutoTopup, turn: Turn, binding: Binding) -> None:
    setting = choices.of(turn.session, turn.openid, turn.now)
    if cmd.args.lower() in OFF:
        setting.topup_state = "off"
        turn.say("自动充值已关闭，不会再自动充值。")
        return
    match = _TOPUP.match(cmd.args)
    if match is None:
        turn.say("格式：自动充值 50 低于 20（余额低于 20 元时自动充值 50 元），或 自动充值 关")
        return
    try:
        amount, below = parse_fen(match.group(1)), parse_fen(match.group(2))
        check_limits(amount, 0, turn.ports.limits)
    except BadAmount as exc:
        turn.say(f"{exc} 自动充值未设置。")
        return
    setting.topup_fen, setting.topup_below_fen, setting.topup_armed = amount, below, True
    if setting.topup_confirmed_at is not None:
        setting.topup_state = "on"
        turn.say(f"自动充值已更新：{choices.topup_text(setting)}。")
        return
    setting.topup_state = "pending"
    card_changes.send_code(turn, binding, binding.phone, AUTOTOPUP, "开启自动充值")


def finish_auto_topup(turn: Turn, binding: Binding, challenge: SmsChallenge) -> None:
    """The right code for 自动充值: automatic top-up is on, as the holder set it."""
    turn.say(choices.confirm_topup(turn.session, turn.openid, turn.now))


@handles_bound(c.SetDailySummary)
def daily_summary(cmd: c.SetDailySummary, turn: Turn, binding: Binding) -> None:
    arg = cmd.args.lower()
    if arg not in ON + OFF:
        turn.say("格式：每日账单 开 或 每日账单 关")
        return
    choices.of(turn.session, turn.openid, turn.now).daily_summary = arg in ON
    turn.say("每日账单已开启：每晚 21:00 推送当天的消费汇总。" if arg in ON else "每日账单已关闭。")
