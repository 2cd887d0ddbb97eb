"""`onecard run` (what `make run` starts): every Procfile process comes up, a student is answered,
and Ctrl-C stops the whole platform."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from adapters.wechat.callbacks import CallbackSender, text_xml
from onecard.procfile import processes
from onecard.serve import free_port
from tests.backends import private_broker, private_database
from tests.harness import OUTPUT, new_openid


def _wait_for(predicate: Callable[[], object], timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen in {timeout}s:\n{log.read_text(errors='replace')[-4000:]}")


def test_onecard_run_starts_every_process_answers_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    http_port, sim_port, ops_port = free_port(), free_port(), free_port()
    OUTPUT.mkdir(exist_ok=True)
    log = OUTPUT / "onecard-run.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONECARD_")}
    env |= {"ONECARD_DATA_DIR": str(tmp_path / "var"), "ONECARD_HTTP_PORT": str(http_port),
            "ONECARD_SIMULATOR_PORT": str(sim_port), "ONECARD_OPS_PORT": str(ops_port),
            "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}"}
    with private_database(tmp_path) as database_url, private_broker(tmp_path) as (broker_url, namespace, _keep):
        if os.environ.get("ONECARD_TEST_DATABASE_URL"):
            env["ONECARD_DATABASE_URL"] = database_url
        if os.environ.get("ONECARD_TEST_BROKER_URL"):
            env |= {"ONECARD_BROKER_URL": broker_url, "ONECARD_BROKER_NAMESPACE": namespace}
        with log.open("wb") as out:
            run = subprocess.Popen([sys.executable, "-m", "onecard.cli", "run"], env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_for(lambda: all(f"{name} started" in log.read_text(errors="replace") for name in processes()),
                      60, "every Procfile process starting", log)
            banner = log.read_text(errors="replace")
            assert f"http://127.0.0.1:{http_port}/wechat" in banner and "20240001" in banner
            _wait_for(lambda: requests.get(f"http://127.0.0.1:{http_port}/healthz", timeout=2).ok, 60,
                      "the ingress answering", log)
            openid = new_openid()
            sender = CallbackSender(f"http://127.0.0.1:{http_port}/wechat", "onecard",
                                    wechat_sim=f"http://127.0.0.1:{sim_port}/wechat-api")
            assert sender.post(text_xml(openid, "帮助")).text == "success"
            inbox = f"http://127.0.0.1:{sim_port}/wechat-api/_sim/messages"
            _wait_for(lambda: requests.get(inbox, params={"touser": openid}, timeout=5).json(), 60,
                      "the reply reaching the WeChat API simulator", log)
            assert "可用功能" in requests.get(inbox, params={"touser": openid}, timeout=5).json()[0]["content"]
            # The chat simulator is served beside the WeChat API simulator, and the banner says where.
            chat = f"http://127.0.0.1:{sim_port}/chat/"
            assert f"Chat simulator      : {chat}" in banner
            said = requests.post(f"{chat}api/say", json={"openid": openid, "text": "余额"}, timeout=10).json()
            assert said["accepted"], said
            _wait_for(lambda: len(requests.get(inbox, params={"touser": openid}, timeout=5).json()) == 2, 60,
                      "the chat simulator's message answered", log)
            # Readiness and metrics on the operations listener only, which the banner names.
            assert f"127.0.0.1:{ops_port}/readyz" in banner
            assert requests.get(f"http://127.0.0.1:{ops_port}/readyz", timeout=10).status_code == 200
            assert requests.get(f"http://127.0.0.1:{http_port}/metrics", timeout=10).status_code == 404
            # Every file of the data folder (database, Redis AOF, SMS sink, password) is the owner's alone.
            data = tmp_path / "var"
            exposed = [f"{p.relative_to(data)} {p.stat().st_mode & 0o777:o}" for p in [data, *data.rglob("*")]
                       if not p.is_symlink() and p.stat().st_mode & 0o077]
            assert exposed == [], exposed
        finally:
            os.killpg(run.pid, signal.SIGINT)
            try:
                code = run.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(run.pid, signal.SIGKILL)
                raise
        assert code in (0, -signal.SIGINT, 128 + signal.SIGINT), log.read_text(errors="replace")[-3000:]
        _wait_for(lambda: not _port_open(http_port), 10, "the ingress port closing", log)


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def held_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def onecard(tmp_path: Path, *args: str, **settings: int) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONECARD_")}
    env |= {"ONECARD_DATA_DIR": str(tmp_path / "var")} | {f"ONECARD_{k.upper()}": str(v) for k, v in settings.items()}
    return subprocess.run([sys.executable, "-m", "onecard.cli", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def test_a_taken_port_is_named_with_the_setting_that_moves_it_and_nothing_starts(tmp_path: Path) -> None:
    free = {"http_port": free_port(), "ops_port": free_port(), "simulator_port": free_port()}
    for setting, name in (("http_port", "ONECARD_HTTP_PORT"), ("simulator_port", "ONECARD_SIMULATOR_PORT")):
        with held_port() as port:
            done = onecard(tmp_path, "run", **(free | {setting: port}))
        assert done.returncode == 2, done.stderr
        assert f"端口 {port} 已被占用（{name} 可改）" in done.stderr and "Address already in use" not in done.stderr
        assert not (tmp_path / "var" / "onecard.db").exists()  # not migrated, not seeded: nothing started
    with held_port() as port:
        done = onecard(tmp_path, "web", **(free | {"ops_port": port}))
    assert (done.returncode, done.stderr.strip().splitlines()[0]) == (
        2, f"端口 {port} 已被占用（ONECARD_OPS_PORT 可改） / port {port} on 127.0.0.1 is already in use: "
           "set ONECARD_OPS_PORT to another port, or stop the program using it")
    with held_port() as port:
        web = onecard(tmp_path, "web", "--port", str(port), ops_port=free["ops_port"])
        sims = onecard(tmp_path, "simulators", "--port", str(port))
    assert web.returncode == sims.returncode == 2
    for done in (web, sims):
        assert f"端口 {port} 已被占用（--port 可改）" in done.stderr
    same = onecard(tmp_path, "web", http_port=free["http_port"], ops_port=free["http_port"])
    assert same.returncode == 2 and "ONECARD_HTTP_PORT 和 ONECARD_OPS_PORT 同时使用" in same.stderr
