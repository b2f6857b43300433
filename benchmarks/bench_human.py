"""What the operator's own judgement (issue 11) costs in run time: the engine now against the
engine before it (commit ``BEFORE``, taken from git into a temporary folder), side by side.

Run: ``.venv/bin/python -m pytest -m benchmark benchmarks/bench_human.py -s``. Each round runs
both engines in fresh interpreters, alternating, each timing the same scenarios and seeds in
its own process (CPU time, after a warm-up run); the figure is the median of the rounds'
ratios, so a busy machine slows both sides alike.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.benchmark

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "e5ebca3"  # main before the human model (the end of issue 10)
ROUNDS = 5
CASES = [("airbase_swarm", {}), ("airbase_swarm", {"autonomy.level": 1}),
         ("urban_nomination", {})]

TIMER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from hmt_sim.scenario import load_scenario
from hmt_sim.session import simulate
cases = json.loads(sys.argv[2])
out = []
for sid, overrides in cases:
    sc = load_scenario(sid, overrides=overrides or None)
    simulate(sc, seed=1)  # warm-up
    t0 = time.process_time()
    for seed in range(1, 6):
        simulate(sc, seed=seed)
    out.append(time.process_time() - t0)
print(json.dumps(out))
"""


def engine_before(folder: Path) -> Path:
    """The ``hmt_sim`` package as it was at ``BEFORE``, unpacked under ``folder``."""
    archive = folder / "before.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), BEFORE, "hmt_sim"],
                   check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "before", filter="data")
    return folder / "before"


def cpu_times(root: Path) -> list[float]:
    """CPU seconds per case (5 seeds each) for the engine under ``root``."""
    done = subprocess.run([sys.executable, "-c", TIMER, str(root), json.dumps(CASES)],
                          check=True, capture_output=True, text=True)
    return [float(x) for x in json.loads(done.stdout.strip().splitlines()[-1])]


def test_the_human_model_costs_little_run_time() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        before = engine_before(Path(tmp))
        ratios: list[list[float]] = []
        for _ in range(ROUNDS):
            old = cpu_times(before)
            new = cpu_times(ROOT)
            ratios.append([n / o for n, o in zip(new, old, strict=True)])
    print()
    for i, (sid, overrides) in enumerate(CASES):
        median = statistics.median(r[i] for r in ratios)
        label = sid + "".join(f" {k}={v}" for k, v in overrides.items())
        print(f"{label}: run time now / before = {median:.2f} (median of {ROUNDS} rounds)")
    default = statistics.median(r[0] for r in ratios)
    assert default < 2.0, "the human model should not double a default run's time"
