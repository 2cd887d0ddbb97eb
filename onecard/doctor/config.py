"""Check 1: the settings production needs are set, and none contradicts another.

Production is where WeChat is the real one (`ONECARD_WECHAT_API_BASE` the official API): there the
demo credentials, the development secrets, a missing public address or an SMS backend writing to a
file would each fail students. On the embedded default (simulators) only contradictions count.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from onecard.doctor.check import Check, fail, ok, warn
from onecard.settings import OFFICIAL_API_BASE, Settings

NAME = "设置"
#: WeChat's EncodingAESKey is always this long.
AES_KEY_LENGTH = 43


def is_production(settings: Settings) -> bool:
    """Production: WeChat is the real one, not a simulator."""
    return settings.wechat_api_base == OFFICIAL_API_BASE


def _default(name: str) -> object:
    value = Settings.model_fields[name].default
    return value.get_secret_value() if hasattr(value, "get_secret_value") else value


def _unchanged(settings: Settings, name: str) -> bool:
    value = getattr(settings, name)
    return (value.get_secret_value() if hasattr(value, "get_secret_value") else value) == _default(name)


def _credentials(s: Settings) -> Check | None:
    demo = [f"ONECARD_{n.upper()}" for n in ("wechat_appid", "wechat_secret") if _unchanged(s, n)]
    if demo:
        return fail(NAME, f"{'、'.join(demo)} 仍是演示值",
                    "填入公众号的 AppID 和 AppSecret（微信公众平台 → 设置与开发 → 基本配置）")
    return None


def _secrets(s: Settings) -> Check | None:
    dev = [f"ONECARD_{n.upper()}" for n in ("wechat_token", "secret_key", "card_events_secret") if _unchanged(s, n)]
    if dev:
        return fail(NAME, f"{'、'.join(dev)} 仍是开发用的默认值",
                    "各设一个随机值（如 python -c \"import secrets; print(secrets.token_urlsafe(32))\"）；"
                    "ONECARD_WECHAT_TOKEN 与公众平台「服务器配置」的 Token 相同，"
                    "ONECARD_CARD_EVENTS_SECRET 与卡务系统约定")
    return None


def _public_url(s: Settings) -> Check | None:
    if not s.public_url:
        return fail(NAME, "没有设置 ONECARD_PUBLIC_URL（手机访问本平台的地址）",
                    "设为 https://你的域名，菜单链接、网页授权回调都用它")
    if urlsplit(s.public_url).scheme != "https":
        return fail(NAME, f"ONECARD_PUBLIC_URL 不是 https：{s.public_url}",
                    "在反向代理上配置证书，并改为 https:// 地址")
    return None


def _outside_systems(s: Settings) -> Check | None:
    if not s.card_system_url:
        return fail(NAME, "没有设置 ONECARD_CARD_SYSTEM_URL，查余额、绑定都无法使用", "设为卡务系统接口的地址")
    urls = ("card_system_url", "campus_data_url", "bank_url", "fees_url", "sms_url")
    simulated = [f"ONECARD_{n.upper()}" for n in urls
                 if s.simulator_url and (getattr(s, n) or "").startswith(s.simulator_url.rstrip("/"))]
    if simulated:
        return fail(NAME, f"{'、'.join(simulated)} 指向模拟器", "改为学校真实系统的地址")
    return None


def _sms(s: Settings) -> Check | None:
    if s.sms_backend == "http" and not s.sms_url:
        return fail(NAME, "ONECARD_SMS_BACKEND=http 但没有设置 ONECARD_SMS_URL", "设为学校短信平台的地址")
    return None


def _sms_to_phones(s: Settings) -> Check | None:
    if s.sms_backend != "http":
        return fail(NAME, "短信写入文件（ONECARD_SMS_BACKEND=file），验证码到不了学生手机",
                    "设 ONECARD_SMS_BACKEND=http 和 ONECARD_SMS_URL")
    return None


def _optional_systems(s: Settings) -> Check | None:
    off = []
    if not s.campus_data_url:
        off.append("公共信息（ONECARD_CAMPUS_DATA_URL）")
    if not (s.bank_url and s.fees_url):
        off.append("充值与缴费（ONECARD_BANK_URL、ONECARD_FEES_URL）")
    if off:
        return warn(NAME, f"未配置，功能关闭：{'、'.join(off)}", "如需这些功能，设置对应系统的地址")
    return None


def _shared_backends(s: Settings) -> Check | None:
    single = []
    if not s.database_url:
        single.append("数据库为本机 SQLite（ONECARD_DATABASE_URL 未设置）")
    if not s.broker_url:
        single.append("消息队列为内嵌 Redis（ONECARD_BROKER_URL 未设置）")
    if single:
        return warn(NAME, "；".join(single), "多台服务器或多个进程池时设 PostgreSQL 和 Redis/RabbitMQ 的地址")
    return None


def _replay_window(s: Settings) -> Check | None:
    if s.max_clock_skew_seconds == 0:
        return warn(NAME, "ONECARD_MAX_CLOCK_SKEW_SECONDS=0，回调的重放检查已关闭", "恢复默认值 300")
    return None


def _ports(s: Settings) -> Check | None:
    if s.ops_port == s.http_port:
        return fail(NAME, f"运维端口 ONECARD_OPS_PORT 与对外端口 ONECARD_HTTP_PORT 相同（{s.http_port}）",
                    "给 ONECARD_OPS_PORT 换一个端口")
    return None


def _simulator_port(s: Settings) -> Check | None:
    if s.simulator_port in (s.http_port, s.ops_port):
        return fail(NAME, f"模拟器端口 ONECARD_SIMULATOR_PORT（{s.simulator_port}）与本平台的端口相同",
                    "给 ONECARD_SIMULATOR_PORT 换一个端口")
    return None


def _aes_key(s: Settings) -> Check | None:
    bad = [f"ONECARD_{n.upper()}" for n in ("wechat_aes_key", "wechat_previous_aes_key")
           if (key := getattr(s, n)) is not None and len(key.get_secret_value()) != AES_KEY_LENGTH]
    if bad:
        return fail(NAME, f"{'、'.join(bad)} 不是 {AES_KEY_LENGTH} 位", "从公众平台「服务器配置」复制 EncodingAESKey")
    return None


WECHATPAY = ("wechatpay_mchid", "wechatpay_cert_serial", "wechatpay_private_key", "wechatpay_apiv3_key",
             "wechatpay_platform_public_key", "wechatpay_platform_key_id")


def _wechatpay(s: Settings) -> Check | None:
    given = [n for n in WECHATPAY if getattr(s, n)]
    if given and len(given) < len(WECHATPAY):
        missing = "、".join(f"ONECARD_{n.upper()}" for n in WECHATPAY if n not in given)
        return warn(NAME, f"微信支付只设置了一部分，仍然关闭：缺 {missing}", "补全或全部删去")
    return None


def _wechatpay_notify(s: Settings) -> Check | None:
    if not s.wechatpay_enabled:
        return None
    url = s.resolved_wechatpay_notify_url
    if urlsplit(url).scheme != "https":
        return fail(NAME, f"微信支付通知地址不是 https：{url}", "设 ONECARD_WECHATPAY_NOTIFY_URL=https://你的域名/wechatpay/notify")
    if s.public_url and not url.startswith(s.public_url.rstrip("/") + "/"):
        return warn(NAME, f"微信支付通知地址 {url} 不在 ONECARD_PUBLIC_URL 之下",
                    "确认它能到达本平台的 /wechatpay/notify")
    return None


Rule = Callable[[Settings], Check | None]
#: What holds wherever the platform runs.
ALWAYS: tuple[Rule, ...] = (_ports, _sms, _aes_key, _wechatpay)
#: What production needs besides.
PRODUCTION: tuple[Rule, ...] = (_credentials, _secrets, _public_url, _outside_systems, _sms_to_phones,
                                _wechatpay_notify, _replay_window, _optional_systems, _shared_backends)
#: What the embedded default (simulators) needs besides.
EMBEDDED: tuple[Rule, ...] = (_simulator_port,)


def check_settings(settings: Settings) -> list[Check]:
    """One line per problem, blockers first; one ✔ line when there is none."""
    rules = ALWAYS + (PRODUCTION if is_production(settings) else EMBEDDED)
    found = [c for rule in rules if (c := rule(settings)) is not None]
    if not found:
        where = "生产配置" if is_production(settings) else "内嵌演示配置（微信等外部系统为模拟器）"
        return [ok(NAME, f"{where}：所需的设置齐全，没有互相矛盾")]
    return sorted(found, key=lambda c: not c.blocker)
