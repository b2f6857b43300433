"""Fixtures for the exploration tests: small real sweeps, run once per session in a real
process pool and shared by the tests that only read them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

# A Saltelli design over AI reliability and a null factor: ``run.seed`` is only the default
# seed when none is given, and a sweep always gives one, so the engine ignores it.
SALTELLI = """\
name: sa_null
scenario: urban_nomination
set: {run.duration_s: 300}
design: {saltelli: 8}
factors:
  ai.reliability: {min: 0.5, max: 0.95}
  run.seed: {min: 0, max: 1000}
seeds: [1]
metrics: [harm]
"""

# Morris trajectories over the same null factor, reliability and autonomy (4 x 4 points).
MORRIS = """\
name: morris
scenario: urban_nomination
set: {run.duration_s: 300}
design: {morris: 4}
factors:
  ai.reliability: {min: 0.5, max: 0.95}
  autonomy.level: {min: 4, max: 9}
  run.seed: {min: 0, max: 1000}
seeds: [1]
metrics: [harm, control]
"""

# A small grid where a low precaution score concentrates at high reliability and autonomy.
GRID = """\
name: grid
scenario: urban_nomination
set: {run.duration_s: 400}
factors:
  autonomy.level: [5, 7, 9]
  ai.reliability: [0.5, 0.7, 0.95]
seeds: {start: 1, count: 4}
metrics: [harm]
"""


def _run(tmp: Path, text: str) -> Path:
    from hmt_sim.sweep import run_sweep

    spec = tmp / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    out = tmp / "results"
    summary = run_sweep(spec, out, workers=2)
    assert summary.failed == 0
    return out


@pytest.fixture(scope="session")
def saltelli_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished Saltelli sweep folder (32 points x 1 seed)."""
    return _run(tmp_path_factory.mktemp("saltelli"), SALTELLI)


@pytest.fixture(scope="session")
def grid_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished 3 x 3 grid sweep folder (9 points x 4 seeds)."""
    return _run(tmp_path_factory.mktemp("grid"), GRID)


@pytest.fixture(scope="session")
def morris_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished Morris sweep folder (4 trajectories x 4 points x 1 seed)."""
    return _run(tmp_path_factory.mktemp("morris"), MORRIS)
