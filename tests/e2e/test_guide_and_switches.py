"""The service guide by keyword, help per module, and functions paused in the back-office."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from store.tables import FeatureSwitch
from tests.harness import Stack
from workers.topics.guide import publish_article


def test_the_guide_is_searched_by_keyword(live: Stack, openid: str) -> None:
    publish_article(live.platform.uow, "guide", "补办校园卡", "携带身份证到校园卡服务中心（行政楼101），工本费20元。",
                    "admin", keywords="补卡 丢卡 补办")
    publish_article(live.platform.uow, "guide", "校园卡充值方式", "可在微信、自助充值机或银行圈存充值。", "admin",
                    keywords="充值 圈存")
    assert live.ask(openid, "指南 补卡").startswith("《补办校园卡》\n携带身份证")
    listing = live.ask(openid, "指南")
    assert "· 补办校园卡" in listing and "· 校园卡充值方式" in listing
    assert "没有找到与“火箭”相关的指南" in live.ask(openid, "指南 火箭")


@pytest.mark.parametrize(("module", "expected"), [("校园卡", "挂失"), ("公共信息", "课表"), ("报修", "我的报修"),
                                                   ("服务指南", "指南"), ("通知", "退订")])
def test_each_module_has_its_own_short_help(live: Stack, openid: str, module: str, expected: str) -> None:
    reply = live.ask(openid, f"帮助 {module}")
    assert reply.startswith(f"{module}：") and expected in reply and len(reply) < 500


def _switch(live: Stack, feature: str, enabled: bool) -> None:
    # Write first (delete, then insert): on SQLite a read-then-write transaction can be refused as locked.
    with live.platform.uow() as uow:
        uow.session.execute(delete(FeatureSwitch).where(FeatureSwitch.feature == feature))
        uow.session.add(FeatureSwitch(feature=feature, enabled=enabled))
        uow.commit()


@pytest.mark.parametrize(("feature", "text"), [("bill", "账单"), ("timetable", "课表"), ("repair", "报修"),
                                                ("lost", "挂失"), ("guide", "指南")])
def test_a_paused_function_answers_that_it_is_paused(live: Stack, openid: str, feature: str, text: str) -> None:
    _switch(live, feature, False)
    try:
        assert "暂停服务" in live.ask(openid, text)
    finally:
        _switch(live, feature, True)
    assert "暂停服务" not in live.ask(openid, text)
