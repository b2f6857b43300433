"""A sweep worker's run (``run_headless``) equals ``simulate`` exactly, without Mesa's collector."""

from __future__ import annotations

import gc
import math

import pandas as pd
import pytest

from hmt_sim.metrics import flatten
from hmt_sim.model import HMTModel
from hmt_sim.scenario import load_scenario
from hmt_sim.scenario.library import bundled_dir
from hmt_sim.session import simulate
from hmt_sim.sweep.headless import run_headless
from hmt_sim.sweep.worker import Chunk, canonical, run_chunk


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


@pytest.mark.parametrize(("scenario", "overrides", "seed"), [
    ("airbase_swarm", {"run.duration_s": 120, "autonomy.level": 5}, 1),
    ("airbase_swarm", {"run.duration_s": 120, "autonomy.level": 8, "ai.reliability": 0.6}, 7),
    ("deception_drift", {"run.duration_s": 300}, 3),
    ("urban_nomination", {"run.duration_s": 300}, 2),
])
def test_headless_run_has_simulate_s_metrics_and_series(scenario: str, overrides: dict[str, object],
                                                       seed: int) -> None:
    sc = load_scenario(scenario, overrides=overrides)
    direct = simulate(sc, seed=seed)
    expected = flatten(direct.metrics)
    flat, series = run_headless(sc, seed, with_series=True)
    assert list(flat) == list(expected)
    assert all(_same(flat[k], expected[k]) for k in expected), [
        k for k in expected if not _same(flat[k], expected[k])]
    assert expected["mission.leakers"] is not None  # the runs did something to compare
    assert isinstance(series, pd.DataFrame) and len(series) > 0
    pd.testing.assert_frame_equal(series, direct.timeseries)
    assert run_headless(sc, seed)[1] is None  # no series unless asked


def _chunk(items: tuple[tuple[int, str, int], ...]) -> Chunk:
    text = (bundled_dir() / "airbase_swarm.yaml").read_text(encoding="utf-8")
    return Chunk(text, "airbase_swarm", items, ("harm.civilian_casualties",), frozenset())


def test_a_worker_s_runs_leave_no_model_behind_and_the_collector_on() -> None:
    # The collector is off during each run and back on after it: every run's model must still
    # be freed (their reference cycles need the collector), or a long sweep would grow.
    def models() -> int:
        return sum(isinstance(o, HMTModel) for o in gc.get_objects())

    gc.collect()  # models other tests left for the collector
    alive = models()  # any another test still holds
    overrides = canonical({"run.duration_s": 20, "autonomy.level": 7})
    result = run_chunk(_chunk(tuple((0, overrides, seed) for seed in range(1, 13))))
    assert [row[2] for row in result.rows] == ["ok"] * 12
    assert gc.isenabled()
    # no collection asked for: the collector's own schedule has freed all but the last one or
    # two (a worker that left it off would hold all 12)
    assert models() - alive <= 3
    gc.collect()
    assert models() <= alive  # none of ours kept alive (another test's may go meanwhile)
    # a failing run too (a bad override fails in the worker, as a failed row)
    bad = canonical({"run.duration_s": -5})
    failed = run_chunk(_chunk(((0, bad, 1),)))
    assert failed.rows[0][2] == "failed" and gc.isenabled()
