"""How the web process wires the pages: frames only where WeChat is simulated, links and URLs from one setting."""

from __future__ import annotations

from onecard.settings import Settings
from onecard.web import frame_ancestors


def test_nobody_frames_the_pages_behind_the_real_wechat() -> None:
    assert frame_ancestors(Settings(_env_file=None)) == "'none'"


def test_the_chat_simulator_beside_the_simulated_wechat_may_frame_them() -> None:
    simulated = Settings(_env_file=None, wechat_oauth_base="http://127.0.0.1:8090/wechat-api/")
    assert frame_ancestors(simulated) == "http://127.0.0.1:*"


def test_the_public_url_defaults_to_the_web_process_and_loses_its_slash() -> None:
    assert Settings(_env_file=None, http_port=9000).resolved_public_url == "http://127.0.0.1:9000"
    chosen = Settings(_env_file=None, public_url="https://card.example.edu.cn/")
    assert chosen.resolved_public_url == "https://card.example.edu.cn"
