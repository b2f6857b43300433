"""Killing only a sweep's parent process (SIGKILL: no handler runs) leaves no worker behind:
each worker dies with its parent (PR_SET_PDEATHSIG on Linux, a parent-pid watchdog elsewhere),
and what was committed before the kill resumes to a complete sweep (issue 15)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sweep_helpers import WriteSpec

from hmt_sim.sweep import load_results, run_sweep

SLOW = """\
scenario: airbase_swarm
set: {run.duration_s: 900}
factors:
  autonomy.level: [5, 8]
seeds: {start: 1, count: 6}
"""
GONE_WITHIN_S = 5.0

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc to find the workers")


def _reap(proc: subprocess.Popen[bytes]) -> None:
    """Kill the test's process group, whatever is left of it, so a failure leaks nothing."""
    if proc.poll() is None:
        proc.kill()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _children(pid: int) -> set[int]:
    """Live processes whose parent is ``pid`` (from /proc)."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _alive(int(entry.name)) and _ppid(int(entry.name)) == pid:
            found.add(int(entry.name))
    return found


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # state, ppid, ... (the name may hold spaces)


def _ppid(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[1]) if fields else None


def _alive(pid: int) -> bool:
    """Running or sleeping; a zombie (exited, not yet reaped) holds no memory and runs nothing."""
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def test_workers_die_with_a_killed_parent_and_the_sweep_resumes(write_spec: WriteSpec,
                                                                 tmp_path: Path) -> None:
    spec, out = write_spec(SLOW), tmp_path / "out"
    cmd = [sys.executable, "-m", "hmt_sim.cli", "sweep", str(spec), "--out", str(out),
           "--workers", "2", "--chunk-size", "1", "--part-rows", "1", "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True, cwd=Path(__file__).parents[2])
    try:
        deadline = time.monotonic() + 60
        while not list(out.glob("part-*.parquet")):  # workers are busy with later runs
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no part written in 60 s"
            time.sleep(0.02)
        workers = _children(proc.pid)
        assert len(workers) >= 2, workers  # the pool (and perhaps its resource tracker)

        os.kill(proc.pid, signal.SIGKILL)  # the parent only: its group is left alone
        proc.wait()
        deadline = time.monotonic() + GONE_WITHIN_S
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = sorted(pid for pid in workers if _alive(pid))
        assert not left, f"workers still alive {GONE_WITHIN_S} s after their parent died: {left}"
    finally:
        _reap(proc)

    committed = len(load_results(out))
    assert 0 < committed < 12
    summary = run_sweep(spec, out, workers=2, resume=True)
    assert summary.skipped == committed and summary.ran == 12 - committed
    df = load_results(out)
    assert sorted(zip(df["point"], df["seed"], strict=True)) == [
        (p, s) for p in (0, 1) for s in range(1, 7)]
    assert (df["status"] == "ok").all()


WATCHDOG_ONLY = """\
import multiprocessing, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from hmt_sim.sweep.executors import die_with_parent

if __name__ == "__main__":
    pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context(sys.argv[1]),
                               initializer=die_with_parent, initargs=(os.getpid(), False))
    busy = [pool.submit(time.sleep, 120) for _ in range(2)]
    time.sleep(120)
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_the_watchdog_alone_ends_orphaned_workers(method: str, tmp_path: Path) -> None:
    """The portable fallback, without PR_SET_PDEATHSIG: what macOS and Windows rely on."""
    script = tmp_path / "pool.py"
    script.write_text(WATCHDOG_ONLY, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), method], start_new_session=True,
                            cwd=Path(__file__).parents[2], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while len(workers := _children(proc.pid)) < 2:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the pool did not start in 30 s"
            time.sleep(0.05)
        time.sleep(1.0)  # the initializers have run (a spawned worker imports hmt_sim first)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + GONE_WITHIN_S
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in workers if _alive(pid)]
    finally:
        _reap(proc)
