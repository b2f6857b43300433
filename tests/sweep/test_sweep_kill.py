"""A sweep killed with SIGKILL (twice) and resumed loses no committed run and duplicates none;
Ctrl-C (SIGINT) commits what finished and says how to resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from sweep_helpers import WriteSpec

from hmt_sim.sweep import load_results, read_manifest, run_sweep

SLOW = """\
scenario: airbase_swarm
set: {run.duration_s: 900}
factors:
  autonomy.level: [5, 8]
seeds: {start: 1, count: 12}
"""


def _start(spec: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "hmt_sim.cli", "sweep", str(spec), "--out", str(out),
           "--workers", "2", "--chunk-size", "1", "--part-rows", "2", "-q", *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, cwd=Path(__file__).parents[2])


def _wait_for_parts(proc: subprocess.Popen[bytes], out: Path, n: int) -> None:
    deadline = time.monotonic() + 60
    while len(list(out.glob("part-*.parquet"))) < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no parts written in 60 s"
        time.sleep(0.02)


def _committed(out: Path) -> pd.DataFrame:
    return pd.concat([pd.read_parquet(p) for p in sorted(out.glob("part-*.parquet"))])


def test_kill_9_then_resume_gives_exactly_one_row_per_run(write_spec: WriteSpec,
                                                          tmp_path: Path) -> None:
    spec, out = write_spec(SLOW), tmp_path / "out"
    proc = _start(spec, out)
    _wait_for_parts(proc, out, 2)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, mid-run
    proc.wait()
    first = _committed(out)
    assert 0 < len(first) < 24

    proc = _start(spec, out, "--resume")  # killed again, during the resume
    _wait_for_parts(proc, out, len(list(out.glob("part-*.parquet"))) + 2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    second = _committed(out)
    assert len(second) > len(first)

    summary = run_sweep(spec, out, workers=2, resume=True)
    assert summary.skipped == len(second) and summary.ran == 24 - len(second)
    df = load_results(out)
    assert len(df) == 24
    assert sorted(zip(df["point"], df["seed"], strict=True)) == [
        (p, s) for p in (0, 1) for s in range(1, 13)]
    assert (df["status"] == "ok").all()
    # what was committed before the kills is still there, unchanged
    keep = [c for c in first.columns if c != "wall_s"]
    merged = first[keep].merge(df[keep], how="left", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert not list(out.glob(".*.tmp*"))  # no temp file of the atomic writer is left
    assert read_manifest(out)["status"] == "complete"


def test_ctrl_c_commits_finished_runs(write_spec: WriteSpec, tmp_path: Path) -> None:
    spec, out = write_spec(SLOW), tmp_path / "out"
    proc = _start(spec, out, "--flush-s", "0.2")
    _wait_for_parts(proc, out, 1)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"--resume" in err
    assert read_manifest(out)["status"] == "interrupted"
    done = _committed(out)
    assert done.duplicated(["point", "seed"]).sum() == 0
    summary = run_sweep(spec, out, workers=2, resume=True)
    assert summary.skipped == len(done) and len(load_results(out)) == 24
