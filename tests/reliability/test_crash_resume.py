"""Kill-and-resume, many times: a sweep (``hmt-sim sweep --resume``) and a live session (the
session file ``play --resume`` reads) are killed with SIGKILL at random moments, resumed - and
killed again during the resume - until they finish. The end result must equal one uninterrupted
run: no committed run lost or duplicated, no input lost or duplicated, the same numbers.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from hmt_sim import sessionfile
from hmt_sim.errors import InputError
from hmt_sim.events import read_jsonl
from hmt_sim.session import Session
from hmt_sim.sweep import load_results, read_manifest, run_sweep

from .conftest import ROOT, TALLY

HERE = Path(__file__).parent
SPEC = """\
scenario: airbase_swarm
set: {run.duration_s: 600}
factors:
  autonomy.level: [5, 7, 9]
seeds: {start: 1, count: 16}
"""
RUNS = 48


def _kill_group(proc: subprocess.Popen[bytes], delay: float) -> bool:
    """SIGKILL the process and its children after ``delay`` s; False if it finished first."""
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return True


def _kill_when(proc: subprocess.Popen[bytes], ready: Callable[[], bool], jitter: float) -> bool:
    """SIGKILL once ``ready()`` holds (polled), plus ``jitter`` s; False if it finished first."""
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if ready():
                break
        except (OSError, ValueError, InputError):  # a file being created or appended
            pass
        time.sleep(0.005)
    return _kill_group(proc, jitter)


# ----------------------------------------------------------------------- sweep


def _sweep(spec: Path, out: Path, resume: bool) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "hmt_sim.cli", "sweep", str(spec), "--out", str(out),
           "--workers", "2", "--chunk-size", "1", "--part-rows", "3", "-q"]
    if resume:
        cmd.append("--resume")
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True, cwd=ROOT)


def _committed(out: Path) -> pd.DataFrame:
    parts = sorted(out.glob("part-*.parquet"))
    if not parts:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)


def _sweep_trials(tmp_path: Path, kills: int, seed: int) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    reference = run_sweep(spec, tmp_path / "reference", workers=2).results()
    keep = [c for c in reference.columns if c != "wall_s"]
    reference = reference[keep].sort_values(["point", "seed"]).reset_index(drop=True)

    rng = random.Random(seed)
    out = tmp_path / "killed"
    before = pd.DataFrame()
    landed = 0
    start = time.perf_counter()
    proc = _sweep(spec, out, resume=False)
    proc.wait()
    full = time.perf_counter() - start  # one whole sweep, start-up included, for the delays
    assert proc.returncode == 0
    shutil.rmtree(out)
    for k in range(kills):
        proc = _sweep(spec, out, resume=k > 0)
        if k % 2 == 0:  # at a random wall time: may land in start-up, mid-run or after
            landed += _kill_group(proc, rng.uniform(0.3 * full, 1.0 * full))
        else:  # after a random number of further commits, at a random moment after that
            target = len(list(out.glob("part-*.parquet"))) + rng.randint(1, 6)
            landed += _kill_when(proc, lambda t=target: len(list(out.glob("part-*.parquet")))
                                 >= t, rng.uniform(0.0, 0.2))
        now = _committed(out)
        if len(now):
            assert not now.duplicated(["point", "seed"]).any()  # none duplicated
        if len(before):  # what was committed before this kill is still there, unchanged
            merged = before[keep].merge(now[keep], how="left", indicator=True)
            assert (merged["_merge"] == "both").all()
        before = now
        # a kill may leave the atomic writer's temp files (the resume clears them), nothing else
        assert all(".tmp" in p.name for p in out.glob(".*"))
    summary = run_sweep(spec, out, workers=2, resume=True)
    assert summary.skipped == len(before) and summary.ran == RUNS - len(before)
    final = load_results(out)
    assert len(final) == RUNS
    final = final[keep].sort_values(["point", "seed"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(final, reference, check_dtype=False)  # no run lost, same numbers
    assert read_manifest(out)["status"] == "complete"
    TALLY["sweep kill trials (SIGKILL to the sweep and its workers)"] += kills
    TALLY["sweep kill trials that stopped it before it finished"] += landed
    TALLY["sweep runs lost or duplicated"] += 0  # either fails an assertion above


def test_sweep_killed_at_random_moments_and_resumed(tmp_path: Path) -> None:
    _sweep_trials(tmp_path, kills=3, seed=1)


@pytest.mark.slow
def test_sweep_killed_many_times(tmp_path: Path) -> None:
    _sweep_trials(tmp_path, kills=12, seed=2)


# ----------------------------------------------------------------------- live session


def _driver(folder: Path, mode: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(HERE / "session_driver.py"), mode,
                             str(folder), "0.015"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True, cwd=ROOT)


def _canonical(obj: object) -> object:
    return json.loads(json.dumps(obj))


def _session_trials(tmp_path: Path, kills: int, seed: int) -> None:
    sys.path.insert(0, str(HERE))
    try:
        import session_driver
    finally:
        sys.path.remove(str(HERE))
    ref = session_driver.reference()
    ref_inputs, ref_events = _canonical(ref.inputs), _canonical(ref.events)

    rng = random.Random(seed)
    folder = tmp_path / "room"
    folder.mkdir()
    start = time.perf_counter()
    (tmp_path / "probe").mkdir()
    assert _driver(tmp_path / "probe", "new").wait(timeout=120) == 0
    full = time.perf_counter() - start
    path = folder / "session.jsonl"
    landed = 0
    seen_inputs: list[object] = []
    for k in range(kills):
        proc = _driver(folder, "resume" if path.exists() else "new")
        if k % 2 == 0:  # at a random wall time
            landed += _kill_group(proc, rng.uniform(0.3 * full, 1.0 * full))
        else:  # once the room reaches a random later simulated time, plus a random moment
            reached = sessionfile.read(path).resume_time if path.exists() else 0.0
            target = rng.uniform(reached, ref.duration)
            landed += _kill_when(proc, lambda t=target: sessionfile.read(path).clock >= t,
                                 rng.uniform(0.0, 0.03))
        if not path.exists():
            continue
        record = sessionfile.read(path)  # a torn last line is dropped, nothing else is wrong
        inputs = _canonical(record.inputs)
        assert inputs == ref_inputs[: len(inputs)]  # in order, none duplicated
        assert len(inputs) >= len(seen_inputs)  # nothing written before a kill is lost
        seen_inputs = inputs
        # the state a resume rebuilds is the reference run's state at that time
        resumed = Session(record.scenario(), seed=record.seed, human_seats=record.human_seats,
                          inputs=record.inputs)
        resumed.run_to(record.resume_time)
        mine = _canonical(resumed.events)
        assert mine == ref_events[: len(mine)]
    final = _driver(folder, "resume" if path.exists() else "new")
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()
    assert _canonical(sessionfile.read(path).inputs) == ref_inputs  # none lost, none doubled
    assert read_jsonl(folder / "events.jsonl") == ref_events  # the same exercise, event by event
    TALLY["session kill trials (SIGKILL during play, then resume)"] += kills
    TALLY["session kill trials that stopped it before it finished"] += landed
    TALLY["session inputs lost or duplicated"] += 0


def test_session_killed_at_random_moments_and_resumed(tmp_path: Path) -> None:
    _session_trials(tmp_path, kills=4, seed=3)


@pytest.mark.slow
def test_session_killed_many_times(tmp_path: Path) -> None:
    _session_trials(tmp_path, kills=15, seed=4)
