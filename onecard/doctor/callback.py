"""Check 5: the callback URL answers as WeChat's URL check expects, from outside, through the public
address: `GET {public_url}/wechat` signed with our token answers the `echostr` it was given.

This is what WeChat does when the callback URL is saved in 服务器配置, and a reverse proxy that
does not forward `/wechat`, a wrong port or a web process run with another token each fail it here.
"""

from __future__ import annotations

import secrets
import time

import requests

from ingress.verify import plain_signature
from onecard.doctor.check import Check, fail, network_reason, ok

NAME = "回调地址"


def check_callback(public_url: str, token: str, *, timeout: float = 5.0) -> list[Check]:
    url = f"{public_url.rstrip('/')}/wechat"
    timestamp, nonce, echostr = str(int(time.time())), secrets.token_hex(8), secrets.token_hex(12)
    query = {"signature": plain_signature(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
             "echostr": echostr}
    try:
        answer = requests.get(url, params=query, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        return [fail(NAME, f"{url} 访问不到：{network_reason(exc)}",
                     "检查 ONECARD_PUBLIC_URL、域名解析、反向代理和 onecard web 是否在运行")]
    if answer.status_code == 403:
        return [fail(NAME, f"{url} 拒绝了签名（403）",
                     "Web 进程的 ONECARD_WECHAT_TOKEN 应与这里和公众平台「服务器配置」的相同")]
    if answer.status_code != 200 or answer.text != echostr:
        return [fail(NAME, f"{url} 没有按微信的校验回答（HTTP {answer.status_code}）",
                     "确认反向代理把 /wechat 原样转发给 onecard web")]
    return [ok(NAME, f"{url} 按微信的校验正确回答")]
