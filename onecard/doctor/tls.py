"""Check 10: the public address is served over TLS with a certificate phones accept, for a while yet.

WeChat opens menu links and the authorization callback only over https in production, and a school's
security scan flags plain http. The certificate is verified as a phone would (the system's trusted
roots, the host name), and one that expires within `WARN_DAYS` is a warning: renewal is due.
"""

from __future__ import annotations

import socket
import ssl
from datetime import UTC, datetime
from urllib.parse import urlsplit

from onecard.doctor.check import Check, describe, fail, ok, warn

NAME = "HTTPS 证书"
WARN_DAYS = 30


def check_tls(public_url: str, *, production: bool, context: ssl.SSLContext | None = None,
              timeout: float = 5.0, now: datetime | None = None) -> list[Check]:
    """`context`: the roots to trust (the system's by default; tests give their own CA)."""
    parts = urlsplit(public_url)
    if parts.scheme != "https":
        found = f"ONECARD_PUBLIC_URL 是明文 http（{public_url}）"
        remedy = ("在反向代理上配置证书（onecard deploy nginx 生成配置，见 docs/production.md），"
                  "并把 ONECARD_PUBLIC_URL 改为 https://")
        if production:
            return [fail(NAME, found, remedy)]
        return [warn(NAME, f"{found}，演示配置可以，上线前必须改", remedy)]
    host, port = parts.hostname or "", parts.port or 443
    context = context or ssl.create_default_context()
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw, \
                context.wrap_socket(raw, server_hostname=host) as tls:
            cert = tls.getpeercert() or {}
    except ssl.SSLCertVerificationError as exc:
        return [fail(NAME, f"{host}:{port} 的证书不被信任：{exc.verify_message}",
                     "换用受信任机构签发、含该域名、未过期的证书（自签名证书手机不接受）")]
    except (OSError, ssl.SSLError) as exc:
        return [fail(NAME, f"{host}:{port} 的 TLS 连接失败：{describe(exc)}", "检查反向代理的 443 端口和证书配置")]
    expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(str(cert["notAfter"])), UTC)
    days = (expires - (now or datetime.now(UTC))).days
    found = f"{host} 的证书有效，{expires:%Y-%m-%d} 到期（还有 {days} 天）"
    if days < WARN_DAYS:
        return [warn(NAME, f"{found}，不足 {WARN_DAYS} 天", "续期证书（如 certbot renew），并重新加载反向代理")]
    return [ok(NAME, found)]
