"""Check 9: every clock our signature checks compare with is within the skew they allow.

A signature is refused when its time is too far from ours, so a drifting clock on either side turns
every delivery into a "replay". The windows are the ones the checks themselves use, named where
they are defined: the card system's webhook (`events.card_events.SIGNATURE_WINDOW_SECONDS`, which
the contract's other systems are held to as well), WeChat Pay's answers and notifications
(`onecard.bootstrap.wechatpay_skew`), and WeChat's callbacks (`ONECARD_MAX_CLOCK_SKEW_SECONDS`).
Half a window off is a warning: the next drift is a blocker.
"""

from __future__ import annotations

from datetime import datetime

from onecard.doctor.check import Check, fail, ok, warn

NAME = "时钟"


def check_clock(system: str, theirs: datetime, ours: datetime, window_seconds: int, window_setting: str) -> Check:
    """`theirs` (the system's time) against `ours` at the same moment, within `window_seconds`."""
    name = f"{NAME}·{system}"
    skew = (theirs - ours).total_seconds()
    apart = f"{'快' if skew > 0 else '慢'} {abs(skew):.0f} 秒" if abs(skew) >= 1 else "相差不到 1 秒"
    found = f"{system}的时间{apart}（签名允许 {window_seconds} 秒：{window_setting}）"
    remedy = f"校准{system}或本机的时钟（NTP：chronyc tracking / timedatectl）"
    if window_seconds and abs(skew) > window_seconds:
        return fail(name, f"{found}，签名会被拒绝", remedy)
    if window_seconds and abs(skew) > window_seconds / 2:
        return warn(name, f"{found}，已过一半", remedy)
    return ok(name, found)
