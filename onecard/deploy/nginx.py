"""`onecard deploy nginx`: the TLS proxy in front of the web process's public listener.

WeChat calls the callback only on 80 or 443, and the pages inside WeChat must be https; nginx ends
TLS and passes each request to `ONECARD_HTTP_HOST:ONECARD_HTTP_PORT` with the headers uvicorn reads
from a trusted proxy (`ONECARD_FORWARDED_ALLOW_IPS`, 127.0.0.1 by default: nginx on the same host).
The operations listener (`/readyz`, `/metrics`) is never proxied: monitoring reaches it directly.
"""

from __future__ import annotations

from dataclasses import dataclass

#: What outside systems post to: WeChat's callback, WeChat Pay's notifications, the card system's webhook.
#: Each refuses a body above ONECARD_MAX_BODY_BYTES itself; nginx refuses it before it is read.
CALLBACKS = ("/wechat", "/wechatpay/notify", "/cardsystem/events")
#: WeChat proves a 网页授权域名 (and a JS接口安全域名) by fetching a file it gives the admin,
#: `MP_verify_<code>.txt`, from the site's root: the admin puts it in this folder.
WECHAT_VERIFY_DIR = "/var/www/onecard-wechat"


@dataclass(frozen=True)
class Site:
    server_name: str
    upstream: str  # host:port of the public listener
    certificate: str
    certificate_key: str
    max_body_bytes: int
    #: Networks allowed to reach /admin (the back-office); empty: anyone who can reach the site.
    admin_from: tuple[str, ...] = ()


def _proxy(read_timeout: str) -> str:
    return f"""        proxy_pass http://onecard;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        # nginx is the edge: the client is the peer it saw, never what a client wrote itself.
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_connect_timeout 5s;
        proxy_send_timeout {read_timeout};
        proxy_read_timeout {read_timeout};"""


def nginx_site(site: Site) -> str:
    """The site's text, for /etc/nginx/sites-available/ (or conf.d/): an `http {}` block includes it."""
    callbacks = "\n\n".join(f"""    location = {path} {{
        client_max_body_size {site.max_body_bytes};
{_proxy("10s")}
    }}""" for path in CALLBACKS)
    admin_rules = "".join(f"        allow {net};\n" for net in site.admin_from) + (
        "        deny all;\n" if site.admin_from else "")
    return f"""# Written by `onecard deploy nginx`; docs/production.md says how to install it.
upstream onecard {{
    server {site.upstream};
    keepalive 32;
}}

server {{
    listen 80;
    listen [::]:80;
    server_name {site.server_name};
    server_tokens off;
    # Certificate renewals (ACME http-01) answer here; everything else moves to https.
    location /.well-known/acme-challenge/ {{
        root /var/www/acme;
    }}
    location / {{
        return 301 https://$host$request_uri;
    }}
}}

server {{
    listen 443 ssl;
    listen [::]:443 ssl;
    server_name {site.server_name};
    server_tokens off;

    ssl_certificate {site.certificate};
    ssl_certificate_key {site.certificate_key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers off;
    ssl_session_cache shared:onecard_tls:10m;
    ssl_session_timeout 1d;
    ssl_session_tickets off;
    add_header Strict-Transport-Security "max-age=31536000" always;

    # The back-office's forms are small; nothing is uploaded.
    client_max_body_size 1m;

{callbacks}

    location ~ "^/MP_verify_[A-Za-z0-9]+\\.txt$" {{
        root {WECHAT_VERIFY_DIR};
    }}

    location /admin {{
{admin_rules}{_proxy("60s")}
    }}

    location / {{
{_proxy("60s")}
    }}
}}
"""
