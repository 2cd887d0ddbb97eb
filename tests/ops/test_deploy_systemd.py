"""`onecard deploy systemd`: the units it writes are ones systemd accepts, and they run the Procfile.

`systemd-analyze verify` loads each unit as systemd would and reports what it would refuse or
ignore (an unknown key, a bad value: only a warning, with exit 0, so the test reads the output too)
and an ExecStart that is not an executable file: the units point at this test run's own venv, whose
`bin/onecard` is the real command. It does not ask whether the User exists, nor need root.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from onecard.deploy.host import METRICS_PORT_BASE, platform_processes
from onecard.settings import Settings
from tests.ops.deploy import onecard
from tests.ops.tools import tool

VENV = Path(sys.prefix)


def _write(folder: Path, *options: str) -> dict[str, str]:
    assert onecard("deploy", "systemd", "--output", str(folder), "--venv", str(VENV), *options) == 0
    return {path.name: path.read_text() for path in folder.iterdir()}


def _keys(unit: str, key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in unit.splitlines() if line.startswith(f"{key}=")]


def test_the_generated_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    assert (VENV / "bin" / "onecard").exists(), "the test venv has onecard installed"
    files = _write(tmp_path)
    units = sorted(name for name in files if name.endswith((".service", ".target", ".timer")))
    result = subprocess.run([tool("systemd-analyze"), "verify", *units], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr

    # What verify says of a unit systemd would half-ignore: the check above can fail.
    broken = tmp_path / "onecard-broken.service"
    broken.write_text(files["onecard-web.service"].replace("Restart=on-failure", "Restart=on-failur"))
    said = subprocess.run([tool("systemd-analyze"), "verify", broken.name], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert "on-failur" in said.stdout + said.stderr


def test_every_procfile_process_has_a_unit_that_comes_after_the_migration(tmp_path: Path) -> None:
    files = _write(tmp_path, "--web-workers", "4", "--scale", "query=3")
    pools = [p.name for p in platform_processes() if p.role == "worker"]
    for process in platform_processes():
        unit = files[f"onecard-{process.name}.service"]
        command = _keys(unit, "ExecStart")[0].split()
        assert command[:1 + len(process.args)] == [str(VENV / "bin" / "onecard"), *process.args]
        scaled = {"web": ["--workers", "4"], "query": ["--processes", "3"]}.get(process.name, [])
        if process.role == "worker":
            scaled += ["--metrics-port", str(METRICS_PORT_BASE + pools.index(process.name))]
        assert command[1 + len(process.args):] == scaled
        assert _keys(unit, "Requires") == ["onecard-migrate.service"]
        assert "onecard-migrate.service" in _keys(unit, "After")[0].split()
        assert _keys(unit, "Restart") == ["on-failure"] and _keys(unit, "User") == ["onecard"]
        assert _keys(unit, "ReadWritePaths") == ["/var/lib/onecard"]
    assert _keys(files["onecard-migrate.service"], "ExecStart") == [f"{VENV}/bin/onecard db upgrade"]


def test_the_target_starts_every_process_but_the_card_feed_unless_the_host_names_it(tmp_path: Path) -> None:
    everything = _write(tmp_path / "all")
    started = _keys(everything["onecard.target"], "Wants")[0].split()
    assert "onecard-card-feed.service" in everything and "onecard-card-feed.service" not in started
    assert "onecard-migrate.service" in started and "onecard-scheduler.service" in started

    host = _write(tmp_path / "b", "--pools", "query,reply,card-feed")
    assert sorted(_keys(host["onecard.target"], "Wants")[0].split()) == [
        "onecard-card-feed.service", "onecard-migrate.service", "onecard-query.service", "onecard-reply.service"]
    assert "onecard-web.service" not in host
    # A pool's metrics port is the same whatever subset a host runs: Prometheus' targets stay put.
    assert _keys(host["onecard-query.service"], "ExecStart") == _keys(everything["onecard-query.service"], "ExecStart")


def test_an_unknown_process_is_refused_with_the_procfile_names(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert onecard("deploy", "systemd", "--output", str(tmp_path), "--pools", "web,queries") == 2
    assert "queries" in capsys.readouterr().err and not any(tmp_path.iterdir())


def test_the_environment_file_lists_every_production_setting_and_is_the_owners_alone(tmp_path: Path) -> None:
    text = _write(tmp_path)["onecard.env"]
    assert (tmp_path / "onecard.env").stat().st_mode & 0o777 == 0o600
    named = {line.lstrip("#").split("=", 1)[0] for line in text.splitlines() if line.lstrip("#").startswith("ONECARD_")}
    assert named == {f"ONECARD_{name.upper()}" for name in Settings.model_fields} - {
        "ONECARD_SIMULATOR_URL", "ONECARD_SIMULATOR_PORT"}
    assert "ONECARD_DATABASE_URL=FILL-ME-IN" in text.splitlines()
    secret_key = _keys(text, "ONECARD_SECRET_KEY")
    assert len(secret_key[0]) >= 32 and len(_keys(text, "ONECARD_WECHAT_AES_KEY")[0]) == 43

    # Written again (an upgrade, another pool): the school's values and the keys stay.
    (tmp_path / "onecard.env").write_text(text.replace("FILL-ME-IN", "filled"))
    assert "FILL-ME-IN" not in _write(tmp_path)["onecard.env"]
