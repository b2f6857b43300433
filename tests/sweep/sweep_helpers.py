"""Shared bits of the sweep tests (a module, not conftest, so tests can import it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hmt_sim.metrics import flatten
from hmt_sim.scenario.schema import Scenario
from hmt_sim.session import simulate

TINY = """\
scenario: airbase_swarm
set: {run.duration_s: 40}
factors:
  autonomy.level: [5, 8]
  ai.reliability: [0.6, 0.9]
seeds: {start: 1, count: 3}
"""

WriteSpec = Callable[..., Path]


def failing_runner(sc: Scenario, seed: int) -> dict[str, Any]:
    """The engine's run, except that seed 2 raises (a real exception in a real worker)."""
    if seed == 2:
        raise RuntimeError(f"boom at seed {seed}")
    return flatten(simulate(sc, seed=seed).metrics)


def dying_runner(sc: Scenario, seed: int) -> dict[str, Any]:
    """Seed 2 kills its worker process outright (as a segfault or the OOM killer would)."""
    import os

    if seed == 2 and sc.autonomy.levels["engage"] == 8:
        os._exit(7)
    return flatten(simulate(sc, seed=seed).metrics)


def late_metric_runner(sc: Scenario, seed: int) -> dict[str, Any]:
    """The engine's metrics, plus one that only seed 3 reports (as a region with no cases
    reports no false-positive rate)."""
    flat = flatten(simulate(sc, seed=seed).metrics)
    if seed == 3:
        flat["zz.rare_metric"] = 1.5
    return flat


def early_metric_runner(sc: Scenario, seed: int) -> dict[str, Any]:
    """The engine's metrics, plus one that only seed 3 reports and whose name sorts before
    every other metric: a new column must not shift the values of rows already built."""
    flat = flatten(simulate(sc, seed=seed).metrics)
    if seed == 3:
        flat["aa.early_metric"] = 2.5
    return flat


def known_runner(sc: Scenario, seed: int) -> dict[str, Any]:
    """Known answers without simulating: casualties are 0 at level 5 and, at level 8, 366 for
    seed 2 only (one seed drives the mean, as in a real sweep); a review rate of 1 everywhere
    except 0.5 at level 8 with seed 1; 3 of 4 hostiles defeated in every run."""
    level8 = sc.autonomy.levels["engage"] == 8
    return {
        "harm.civilian_casualties": 366.0 if level8 and seed == 2 else 0.0,
        "control.meaningful_review_rate": 0.5 if level8 and seed == 1 else 1.0,
        "mission.threats_neutralised": 3.0,
        "mission.leakers": 1.0,
        "mission.defence_rate": 0.75,
    }


def cache_runner(sc: Scenario, seed: int) -> dict[str, Any]:
    """Reports how many design points this worker process has had to validate itself (its
    scenario cache's misses beyond the ones it inherited), plus one engine metric."""
    from hmt_sim.sweep.worker import _scenario

    return {"worker.points_loaded": float(_scenario.cache_info().misses),
            "mission.leakers": 1.0}
