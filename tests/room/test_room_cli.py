"""``hmt-sim serve`` and ``play --serve`` on the command line: help without the engine or the
web stack, user mistakes as clear errors (exit 2), a session of another scenario named as such,
and Ctrl-C leaving the session file with the command that resumes it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from room_testing import wait_for

from hmt_sim import sessionfile
from hmt_sim.cli import main
from hmt_sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
WEB = ("starlette", "uvicorn", "websockets", "segno", "hmt_sim.room", "hmt_sim.session",
       "mesa", "numpy", "pygame")
PROBE = """
import io, json, sys
from contextlib import redirect_stdout
from hmt_sim.cli import main
with redirect_stdout(io.StringIO()) as out:
    rc = main(["serve", "--help"])
print(json.dumps({"rc": rc, "out": out.getvalue(), "loaded": sorted(
    m for m in sys.modules if any(m == w or m.startswith(w + ".") for w in sys.argv[1:]))}))
"""


def test_serve_help_loads_neither_the_engine_nor_the_web_stack() -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE, *WEB], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["rc"] == 0 and "--seats" in result["out"] and "--bind" in result["out"]
    assert result["loaded"] == []


@pytest.mark.parametrize(("argv", "fragment"), [
    (["serve"], "serve needs a SCENARIO"),
    (["serve", "overload", "--seats", "0"], "--seats 0: from 1 to 200"),
    (["serve", "overload", "--seats", "5"], "add --set operators.count=5"),
    (["serve", "overload", "--speed", "500"], "--speed 500"),
    (["serve", "overload", "--bind", "my-laptop"], "give an IP address"),
    (["serve", "--resume", "x.jsonl", "--seats", "2"], "--resume takes the scenario"),
    (["play", "overload", "--seats", "2"], "need --serve"),
    (["play", "overload", "--serve", "--autoplay"], "drop --autoplay"),
    (["play", "overload", "--serve", "--seats", "3"], "add --set operators.count=3"),
    (["serve", "overload", "--lang", "xx"], "no such language"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_mistakes_are_clear_errors(argv: list[str], fragment: str,
                                   capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert fragment in capsys.readouterr().err
    assert not (tmp_path / "sessions").exists()  # nothing written


def test_a_port_in_use_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        rc = main(["serve", "overload", "--port", str(port), "--session",
                   str(tmp_path / "s.jsonl")])
    assert rc == 2
    assert f"--port {port}: already in use" in capsys.readouterr().err


def test_resuming_another_scenarios_session_says_whose_it_is(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "sandbox.jsonl"
    sessionfile.open(path, load_scenario("training_sandbox"), 1, ["operator"]).close()
    assert main(["play", "overload", "--resume", str(path)]) == 2
    err = capsys.readouterr().err
    assert "belongs to scenario 'training_sandbox', not 'overload'" in err
    assert f"hmt-sim play --resume {path}" in err and "changed since" not in err


@pytest.mark.slow
def test_ctrl_c_in_serve_and_play_keeps_the_session_and_prints_the_resume_command(
        tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SDL_VIDEODRIVER": "dummy",
           "SDL_AUDIODRIVER": "dummy"}
    for command in (["serve", "training_sandbox", "--port", "0", "--no-qr", "--start"],
                    ["play", "training_sandbox"]):
        path = tmp_path / f"{command[0]}.jsonl"
        proc = subprocess.Popen([sys.executable, "-m", "hmt_sim.cli", *command, "--session",
                                 str(path)], cwd=tmp_path, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wait_for(path.exists, 60, f"{command[0]} to write its session file")
        time.sleep(2.0)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode in (0, 130), err
        assert f"resume with: hmt-sim {command[0]} --resume {path}" in out, (out, err)
        sessionfile.read(path)  # whole and readable
