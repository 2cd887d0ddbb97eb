"""`onecard.env`: every production setting in the one file the units read (`EnvironmentFile=`).

Written from `Settings` itself, so a setting added to onecard is in the next file written: what only
the school knows reads FILL-ME-IN (a process given it fails loudly instead of running on a demo
value), the keys onecard and one partner share are generated here, every other setting is listed
commented out at its default. It holds secrets: the file is written 0600, for root to own.
"""

from __future__ import annotations

import secrets
import string
from pathlib import PurePosixPath

from pydantic import SecretStr

from onecard.settings import Settings

PLACEHOLDER = "FILL-ME-IN"
#: Only `make run` and the chat simulator use these.
DEVELOPMENT_ONLY = frozenset({"simulator_url", "simulator_port"})
#: What only the school knows, with where to find it or an example.
FILL_IN = {
    "database_url": "PostgreSQL, e.g. postgresql://onecard:PASSWORD@db.internal:5432/onecard",
    "broker_url": "redis://mq.internal:6379/0 or amqp://onecard:PASSWORD@mq.internal:5672/onecard",
    "public_url": "the site as phones reach it, e.g. https://card.example.edu.cn (WeChat's 网页授权域名)",
    "wechat_appid": "公众平台 → 设置与开发 → 基本配置: AppID",
    "wechat_secret": "the same page: AppSecret",
    "card_system_url": "the card system's bridge (adapters/cardsystem/openapi.yaml)",
    "sms_url": "the SMS gateway",
    "campus_data_url": "the campus data store; delete the line if the school has none (those services are off)",
    "bank_url": "the bank's 银校接口; delete the line if none (top-up by 圈存 is off)",
    "fees_url": "the fee systems' gateway; delete the line if none (fee payments are off)",
}
#: Keys onecard chooses: copy the first two into 公众平台 (服务器配置, 安全模式), the third to the
#: card system's webhook; SECRET_KEY is onecard's own.
GENERATED = {
    "wechat_token": "公众平台 → 服务器配置: Token (copy it there)",
    "wechat_aes_key": "公众平台 → 服务器配置: EncodingAESKey, 安全模式 (copy it there)",
    "card_events_secret": "HMAC key of /cardsystem/events: give it to the card system",
    "secret_key": "signs SMS code hashes and page sessions; changing it signs everyone out of the pages",
}


def _generate(name: str) -> str:
    letters = string.ascii_letters + string.digits
    length = 43 if name == "wechat_aes_key" else 32  # WeChat: an EncodingAESKey is 43 letters and digits
    return "".join(secrets.choice(letters) for _ in range(length))


def _default(value: object) -> str:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return "" if value is None else str(value)


def env_file(data_dir: PurePosixPath) -> str:
    """The file's text, with new keys: written once per deployment, never over an existing one."""
    fixed = {"data_dir": str(data_dir), "http_host": "127.0.0.1", "sms_backend": "http"}
    lines = ["# onecard's settings (docs/settings.md says what each does). Written by `onecard deploy systemd`.",
             "# Keep it 0600 and owned by root: it holds the keys. systemd reads it; onecard's user cannot.",
             f"# Before the first start: fill every {PLACEHOLDER} (`grep {PLACEHOLDER}` prints nothing).", "",
             "# -- what only the school knows"]
    for name, note in FILL_IN.items():
        lines += [f"# {note}", f"ONECARD_{name.upper()}={PLACEHOLDER}"]
    lines += ["", "# -- keys generated for this deployment"]
    for name, note in GENERATED.items():
        lines += [f"# {note}", f"ONECARD_{name.upper()}={_generate(name)}"]
    lines += ["", "# -- this host: the web process behind the TLS proxy on the same machine (onecard deploy nginx)"]
    lines += [f"ONECARD_{name.upper()}={value}" for name, value in fixed.items()]
    lines += ["", "# -- everything else, at its default: uncomment to change"]
    named = FILL_IN.keys() | GENERATED.keys() | fixed.keys() | DEVELOPMENT_ONLY
    for name, spec in Settings.model_fields.items():
        if name not in named:
            lines.append(f"#ONECARD_{name.upper()}={_default(spec.default)}")
    return "\n".join(lines) + "\n"
