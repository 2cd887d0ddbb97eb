"""The WeChat simulator's web authorization behaves as WeChat's: codes once, for five minutes."""

from __future__ import annotations

import pytest

from adapters.wechat import oauth_simulator
from adapters.wechat.oauth import authorize_url
from adapters.wechat.oauth_simulator import CODE_TTL_SECONDS, OAuthSimulator


def test_a_code_is_traded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    sim = OAuthSimulator("wxa", "s")
    code = sim.issue("oA")
    assert sim.exchange(code)["openid"] == "oA"
    assert sim.exchange(code)["errcode"] == 40163
    assert sim.exchange("never-issued")["errcode"] == 40029
    assert [(e["step"], e["errcode"]) for e in sim.journal[1:]] == [("access_token", 0), ("access_token", 40163)]


def test_a_code_dies_after_five_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    sim = OAuthSimulator("wxa", "s")
    code = sim.issue("oA")
    later = oauth_simulator.time.time() + CODE_TTL_SECONDS + 1
    monkeypatch.setattr(oauth_simulator.time, "time", lambda: later)
    assert sim.exchange(code)["errcode"] == 40029


def test_the_authorize_url_is_wechats() -> None:
    url = authorize_url("https://open.weixin.qq.com/", "wxa", "https://card.example.edu.cn/m/auth", "st")
    assert url == ("https://open.weixin.qq.com/connect/oauth2/authorize?appid=wxa&redirect_uri=https%3A%2F%2F"
                   "card.example.edu.cn%2Fm%2Fauth&response_type=code&scope=snsapi_base&state=st#wechat_redirect")
