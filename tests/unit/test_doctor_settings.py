"""`onecard doctor`'s first check: what production needs is set, and nothing contradicts.

Settings are built here as the environment gives them (`_env_file=None`: no `.env` read), so each
test states the deployment it examines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from onecard.checks import Status
from onecard.doctor.config import check_settings, is_production
from onecard.settings import Settings

#: A school's production settings, complete.
PRODUCTION: dict[str, Any] = {
    "wechat_appid": "wx1234567890abcdef", "wechat_secret": "0123456789abcdef0123456789abcdef",
    "wechat_token": "a-token-of-the-school", "secret_key": "s3cr3t-k3y-of-the-school",
    "card_events_secret": "shared-with-the-card-vendor", "public_url": "https://card.example.edu.cn",
    "card_system_url": "http://card.internal/", "campus_data_url": "http://data.internal/",
    "bank_url": "http://bank.internal/", "fees_url": "http://fees.internal/",
    "sms_backend": "http", "sms_url": "http://sms.internal/",
    "database_url": "postgresql://onecard@db.internal/onecard", "broker_url": "redis://redis.internal:6379/0",
}


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


def findings(s: Settings) -> list[tuple[Status, str]]:
    return [(c.status, c.finding) for c in check_settings(s)]


def test_complete_production_settings_pass_in_one_line() -> None:
    s = settings(**PRODUCTION)
    assert is_production(s)
    assert findings(s) == [(Status.OK, "生产配置：所需的设置齐全，没有互相矛盾")]


def test_production_on_the_demo_defaults_names_every_setting_to_set_blockers_first() -> None:
    checks = check_settings(settings())
    text = "\n".join(c.line() for c in checks)
    for name in ("ONECARD_WECHAT_APPID", "ONECARD_WECHAT_SECRET", "ONECARD_WECHAT_TOKEN", "ONECARD_SECRET_KEY",
                 "ONECARD_CARD_EVENTS_SECRET", "ONECARD_PUBLIC_URL", "ONECARD_CARD_SYSTEM_URL", "ONECARD_SMS_BACKEND"):
        assert name in text, name
    statuses = [c.status for c in checks]
    assert statuses == sorted(statuses, key=lambda s: s is not Status.FAIL)  # blockers first
    assert all(c.line().startswith("✘ 设置：") for c in checks if c.blocker)


def test_production_needs_an_https_public_url() -> None:
    [check] = check_settings(settings(**PRODUCTION | {"public_url": "http://card.example.edu.cn"}))
    assert check.blocker and "不是 https" in check.finding


def test_the_ops_port_equal_to_the_public_port_is_a_blocker_anywhere() -> None:
    for values in (PRODUCTION, {}):
        checks = check_settings(settings(**values, http_port=8080, ops_port=8080))
        assert any(c.blocker and "ONECARD_OPS_PORT" in c.finding for c in checks)


def test_sms_over_http_needs_its_url_and_production_needs_sms_over_http() -> None:
    [check] = check_settings(settings(**PRODUCTION | {"sms_url": None}))
    assert check.blocker and "ONECARD_SMS_URL" in check.finding
    [check] = check_settings(settings(**PRODUCTION | {"sms_backend": "file"}))
    assert check.blocker and "验证码到不了学生手机" in check.finding


def test_outside_systems_pointing_at_the_simulators_in_production_are_blockers() -> None:
    values = PRODUCTION | {"simulator_url": "http://127.0.0.1:8090", "card_system_url": "http://127.0.0.1:8090/card/"}
    [check] = check_settings(settings(**values))
    assert check.blocker and "ONECARD_CARD_SYSTEM_URL 指向模拟器" in check.finding


def test_missing_optional_systems_and_single_host_backends_are_warnings_only() -> None:
    values = {k: v for k, v in PRODUCTION.items() if k not in ("bank_url", "campus_data_url", "database_url")}
    checks = check_settings(settings(**values))
    assert [c.status for c in checks] == [Status.WARN, Status.WARN]
    assert "充值与缴费" in checks[0].finding and "公共信息" in checks[0].finding
    assert "SQLite" in checks[1].finding


def test_half_configured_wechat_pay_is_a_warning_and_its_notify_url_must_be_https(tmp_path: Path) -> None:
    [check] = check_settings(settings(**PRODUCTION, wechatpay_mchid="1900000001"))
    assert check.status is Status.WARN and "ONECARD_WECHATPAY_APIV3_KEY" in check.finding
    key = tmp_path / "key.pem"
    key.write_text("not read by the check")
    pay = {"wechatpay_mchid": "1900000001", "wechatpay_cert_serial": "ABC", "wechatpay_private_key": key,
           "wechatpay_apiv3_key": "k" * 32, "wechatpay_platform_public_key": key,
           "wechatpay_platform_key_id": "PUB_KEY_ID_1"}
    [check] = check_settings(settings(**PRODUCTION, **pay))
    assert check.blocker and "微信支付通知地址不是 https" in check.finding
    notify = "https://card.example.edu.cn/wechatpay/notify"
    assert findings(settings(**PRODUCTION, **pay, wechatpay_notify_url=notify))[0][0] is Status.OK


def test_a_wrong_length_aes_key_is_a_blocker() -> None:
    [check] = check_settings(settings(**PRODUCTION, wechat_aes_key="too-short"))
    assert check.blocker and "ONECARD_WECHAT_AES_KEY" in check.finding
    assert findings(settings(**PRODUCTION, wechat_aes_key="a" * 43))[0][0] is Status.OK


def test_the_embedded_default_with_simulators_passes_but_its_ports_must_not_collide() -> None:
    simulated = {"wechat_api_base": "http://127.0.0.1:8090/wechat-api/cgi-bin/"}
    s = settings(**simulated)
    assert not is_production(s)
    assert findings(s) == [(Status.OK, "内嵌演示配置（微信等外部系统为模拟器）：所需的设置齐全，没有互相矛盾")]
    [check] = check_settings(settings(**simulated, simulator_port=8080))
    assert check.blocker and "ONECARD_SIMULATOR_PORT" in check.finding
