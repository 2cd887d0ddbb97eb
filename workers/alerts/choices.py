"""A holder's alert choices as they are kept and shown: shared by the 提醒 commands and by the SMS
code that switches automatic top-up on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from store.tables import AlertSetting
from workers.text.format import yuan


def of(session: Session, openid: str, now: datetime) -> AlertSetting:
    """The user's row, created with everything off on first use."""
    setting = session.get(AlertSetting, openid)
    if setting is None:
        setting = AlertSetting(openid=openid, spend_on=False, spend_min_fen=0, low_armed=True, topup_state="off",
                               topup_armed=True, daily_summary=False, updated_at=now)
        session.add(setting)
    setting.updated_at = now
    return setting


def confirm_topup(session: Session, openid: str, now: datetime) -> str:
    """The SMS code proved the holder set up automatic top-up: it is on from now; what to tell them."""
    setting = of(session, openid, now)
    if setting.topup_state != "pending" or setting.topup_fen is None or setting.topup_below_fen is None:
        return "没有待确认的自动充值设置，请重新发送“自动充值 50 低于 20”。"
    setting.topup_state, setting.topup_confirmed_at, setting.topup_armed = "on", now, True
    return f"自动充值已开启：{topup_text(setting)}。发送“自动充值 关”可随时关闭。"


def topup_text(setting: AlertSetting) -> str:
    assert setting.topup_fen is not None and setting.topup_below_fen is not None
    return f"余额低于 {yuan(setting.topup_below_fen)} 元时自动充值 {yuan(setting.topup_fen)} 元（每天最多一次）"


def describe(setting: AlertSetting | None) -> str:
    """提醒设置: every choice on one screen, with how to change it."""
    if setting is None:
        setting = AlertSetting(spend_on=False, spend_min_fen=0, topup_state="off", daily_summary=False)
    spending = "关" if not setting.spend_on else (
        f"开（{yuan(setting.spend_min_fen)} 元及以上）" if setting.spend_min_fen else "开（每笔）")
    low = "关" if setting.low_balance_fen is None else f"低于 {yuan(setting.low_balance_fen)} 元时提醒"
    topup = {"on": lambda: topup_text(setting), "pending": lambda: "等待短信验证码确认"}.get(
        setting.topup_state, lambda: "关")()
    return ("您的提醒设置：\n"
            f"消费提醒：{spending}\n余额提醒：{low}\n自动充值：{topup}\n"
            f"每日账单：{'开（每晚 21:00）' if setting.daily_summary else '关'}\n"
            "可疑交易（挂失卡被刷、频繁刷卡、大额、异地校区）总会即时提醒。\n发送“帮助 提醒”查看如何修改。")
