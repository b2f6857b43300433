"""Session files: the format, torn lines, resume after a kill, replay."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import scripted_session as script

from hmt_sim import sessionfile
from hmt_sim.errors import InputError
from hmt_sim.events import read_jsonl
from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
PY = sys.executable


def _norm(events):
    return [json.loads(json.dumps(e)) for e in events]


def _scripted(tmp_path: Path, until: float) -> tuple[Session, Path]:
    sc = load_scenario(script.SCENARIO)
    s = Session(sc, seed=script.SEED, human_seats=["operator"])
    writer = sessionfile.open(tmp_path / "s.jsonl", sc, script.SEED, ["operator"])
    script.play(s, writer, until)
    writer.close()
    return s, tmp_path / "s.jsonl"


def test_header_inputs_and_resume_rebuild_exact_state(tmp_path):
    s, path = _scripted(tmp_path, 500.0)
    rec = sessionfile.read(path)
    assert rec.header["format"] == "hmt-sim-session" and rec.header["seed"] == script.SEED
    assert rec.header["scenario_id"] == script.SCENARIO
    assert rec.inputs == s.inputs and len(s.inputs) >= 2
    assert rec.resume_time == pytest.approx(s.now)
    resumed, _, writer = sessionfile.resume(path)
    writer.close()
    assert resumed.now == pytest.approx(s.now)
    assert _norm(resumed.events) == _norm(s.events)
    assert resumed.pending_decisions() == s.pending_decisions()


def test_torn_last_line_is_dropped_and_cut_before_appending(tmp_path):
    s, path = _scripted(tmp_path, 300.0)
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"t": 251.0, "type": "book')  # a crash mid-write
    rec = sessionfile.read(path)
    assert rec.torn and rec.inputs == s.inputs
    resumed, _, writer = sessionfile.resume(path)
    writer.append(resumed.bookmark("after the crash"))
    writer.close()
    rec2 = sessionfile.read(path)
    assert not rec2.torn and rec2.inputs[-1]["label"] == "after the crash"
    assert path.read_bytes().startswith(whole)


def test_bad_files_give_clear_errors(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"hello": 1}\n')
    with pytest.raises(InputError, match="not an hmt-sim session file"):
        sessionfile.read(bad)
    _, path = _scripted(tmp_path, 200.0)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], "not json", *lines[1:]]) + "\n")
    with pytest.raises(InputError, match=r"s\.jsonl:2: not a session line"):
        sessionfile.read(path)
    with pytest.raises(InputError, match="no such session file"):
        sessionfile.read(tmp_path / "missing.jsonl")
    (tmp_path / "x").mkdir()
    _, path2 = _scripted(tmp_path / "x", 50.0)
    other = load_scenario(script.SCENARIO, overrides={"autonomy.levels.engage": 7})
    with pytest.raises(InputError, match="different version of scenario"):
        sessionfile.resume(path2, scenario=other)
    with pytest.raises(InputError, match="already exists"):
        sessionfile.open(path2, other, 1)


def test_kill_mid_run_then_resume_is_identical_and_continues(tmp_path):
    proc = subprocess.Popen([PY, str(HERE / "scripted_session.py"), str(tmp_path)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(HERE)})
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            time.sleep(0.2)
            path = tmp_path / "session.jsonl"
            if path.exists():
                rec = sessionfile.read(path)
                if rec.clock >= 260 and len(rec.inputs) >= 2:
                    break
        else:
            pytest.fail("the scripted session did not get far enough")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    killed = read_jsonl(tmp_path / "events.jsonl")
    resumed, rec, writer = sessionfile.resume(tmp_path / "session.jsonl")
    assert resumed.now == pytest.approx(rec.resume_time) and resumed.now >= 200
    mine = _norm(resumed.events)
    assert len(mine) > 50
    assert killed[:len(mine)] == mine  # identical up to the kill point
    # the run continues from there, with new inputs appended to the same file
    script.play(resumed, writer, until=resumed.duration)
    writer.close()
    assert resumed.finished and resumed.events[-1]["kind"] == "run_ended"
    assert len(resumed.inputs) > len(rec.inputs)
    replayed = Session(resumed.scenario, seed=rec.seed, human_seats=rec.human_seats,
                       inputs=sessionfile.read(tmp_path / "session.jsonl").inputs)
    replayed.run_to_end()
    assert _norm(replayed.events) == _norm(resumed.events)


def test_cli_autoplay_killed_then_resumed(tmp_path):
    session = tmp_path / "auto.jsonl"
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    cmd = [PY, "-m", "hmt_sim.cli", "play", "airbase_swarm", "--autoplay", "--until", "600",
           "--speed", "60", "--session", str(session), "--size", "1024x640"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            time.sleep(0.2)
            if session.exists() and sessionfile.read(session).clock >= 60:
                break
            assert proc.poll() is None, proc.stderr.read().decode()
        else:
            pytest.fail("autoplay did not get far enough")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    killed_at = sessionfile.read(session).resume_time
    assert 60 <= killed_at < 600
    shot = tmp_path / "resumed.png"
    done = subprocess.run(
        [PY, "-m", "hmt_sim.cli", "play", "--resume", str(session), "--autoplay", "--until",
         str(killed_at + 30), "--speed", "60", "--screenshot", str(shot), "--size", "1024x640"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rec = sessionfile.read(session)
    assert rec.clock == pytest.approx(killed_at + 30)
    assert shot.stat().st_size > 10_000
    reference = Session(rec.scenario(), seed=rec.seed).run_to(rec.clock)
    assert reference == pytest.approx(rec.clock)


def test_replay_cli_scrubs_and_screenshots(tmp_path):
    _, path = _scripted(tmp_path, 300.0)
    shot = tmp_path / "replay.png"
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    done = subprocess.run([PY, "-m", "hmt_sim.cli", "replay", str(path), "--until", "250",
                           "--screenshot", str(shot), "--size", "1024x640"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "replayed to t=250.0" in done.stdout
    assert shot.stat().st_size > 10_000


def test_cli_bad_input_exit_2(tmp_path):
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    for args in (["play"], ["play", "airbase_swarm", "--until", "5"],
                 ["replay", str(tmp_path / "nope.jsonl")],
                 ["play", "airbase_swarm", "--size", "big"]):
        done = subprocess.run([PY, "-m", "hmt_sim.cli", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr


def test_replay_scrubber_resimulates_back_and_forth(tmp_path):
    import pygame
    from ui_driver import SIZE, click

    from visualiser.app import App
    from visualiser.controller import LiveRun

    original, path = _scripted(tmp_path, 400.0)
    session, rec = sessionfile.replay_session(path)
    live = LiveRun(session, None, read_only=True, record=rec, auto_slow=False)
    app = App(live, size=SIZE, replay=True, settle_s=0.0)
    try:
        live.scrub(350.0)
        while live.scrub_target is not None:
            app.frame(0.0)
        assert live.session.now == pytest.approx(350.0)
        at_350 = _norm(live.session.events)
        assert at_350 == [e for e in _norm(original.events) if e["t"] < 350.0]
        old = live.session
        click(app, app.sliders["scrub"].left_button.rect.center, frames=3)  # back 10 s
        while live.scrub_target is not None:
            app.frame(0.0)
        assert live.session is not old  # going back re-simulates from the start
        assert live.session.now == pytest.approx(340.0)
        assert _norm(live.session.events) == [e for e in at_350 if e["t"] < 340.0]
        n_inputs = len(live.session.inputs)
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_b, mod=0))
        app.frame(0.0)
        assert len(live.session.inputs) == n_inputs  # a replay records nothing
        assert "read-only" in live.status_text()
    finally:
        app.close()
