"""`onecard chat` in a real subprocess: lines typed on its standard input, answers read from its output."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from onecard.serve import free_port
from tests.harness import ROOT, Stack, new_openid

ONECARD = Path(sys.executable).parent / "onecard"


def chat_env(stack: Stack, **extra: str) -> dict[str, str]:
    """What a shell beside `onecard run` has: the settings, the ingress port, the simulators' URL."""
    return {**os.environ, **stack.env, "ONECARD_HTTP_PORT": str(urlsplit(stack.ingress_url).port),
            "ONECARD_SIMULATOR_URL": stack.simulator_url, "PYTHONIOENCODING": "utf-8", **extra}


class Terminal:
    """A running `onecard chat` whose output lines are read as they come."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([str(ONECARD), "chat", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=env, cwd=ROOT, text=True, encoding="utf-8")
        self.lines: queue.Queue[str] = queue.Queue()
        self.transcript: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def type(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, pattern: str, timeout: float = 20.0) -> re.Match[str]:
        """The first line printed so far or within `timeout` that matches (answers and SMS race)."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for line in self.transcript[seen:]:
                if match := re.search(pattern, line):
                    return match
            seen = len(self.transcript)
            try:
                self.transcript.append(self.lines.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.transcript)) from None

    def end_input(self, timeout: float = 20.0) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(timeout=timeout)


def test_a_student_binds_and_asks_the_balance_in_the_terminal(live: Stack) -> None:
    chat = Terminal("--linger", "1", env=chat_env(live))
    try:
        openid = chat.expect(r"Chatting with 校园一卡通 as (sim_\S+);").group(1)
        chat.expect(r"« 校园一卡通: 欢迎关注")  # a new follower follows first
        chat.type("绑定 20240004")
        chat.expect(r"« 校园一卡通: 验证码已发送至 138\*\*\*\*0004")
        code = chat.expect(r"\[SMS to 13800000004\] .*验证码 (\d{6})").group(1)
        chat.type(code)
        chat.expect(r"« 校园一卡通: 绑定成功！赵六")
        chat.type("/click BALANCE")
        chat.expect(r"« 校园一卡通: 赵六，您的校园卡余额为 0\.00 元")
        assert chat.end_input() == 0
    finally:
        chat.proc.kill()
    # What the terminal printed is what the WeChat API simulator received for this follower.
    assert [m["content"][:6] for m in live.sent_to(openid)] == ["欢迎关注校园", "验证码已发送", "绑定成功！赵",
                                                                 "赵六，您的校"]


def test_piped_lines_are_answered_before_the_chat_ends(live: Stack) -> None:
    openid = new_openid()
    done = subprocess.run([str(ONECARD), "chat", "--openid", openid, "--linger", "2"], input="余额\n/menu\n",
                          capture_output=True, text=True, encoding="utf-8", env=chat_env(live), timeout=60)
    assert done.returncode == 0, done.stderr
    assert "« 校园一卡通: 您还未绑定校园卡" in done.stdout
    assert re.search(r"1\. 余额 +\(BALANCE\)", done.stdout) and "帮助  (HELP)" in done.stdout
    assert "欢迎关注" not in done.stdout  # an existing follower does not follow again


def test_the_terminal_chat_refuses_when_the_platform_talks_to_the_real_wechat_api(live: Stack) -> None:
    env = chat_env(live, ONECARD_WECHAT_API_BASE="https://api2.weixin.qq.com/cgi-bin/")
    done = subprocess.run([str(ONECARD), "chat"], input="余额\n", capture_output=True, text=True, encoding="utf-8",
                          env=env, timeout=60)
    assert done.returncode == 2
    assert "only exists beside the WeChat API simulator" in done.stderr and done.stdout == ""


def test_the_terminal_chat_says_so_when_no_simulator_answers(live: Stack) -> None:
    env = {k: v for k, v in chat_env(live).items() if k != "ONECARD_WECHAT_API_BASE"}
    env["ONECARD_SIMULATOR_URL"] = f"http://127.0.0.1:{free_port()}"
    done = subprocess.run([str(ONECARD), "chat"], input="", capture_output=True, text=True, encoding="utf-8",
                          env=env, timeout=60)
    assert done.returncode == 1 and "Is `make run` running?" in done.stderr
