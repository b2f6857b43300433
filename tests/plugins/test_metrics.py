"""Metric plugins run beside the built-in groups, in runs and in sweep rows; a failing one
reports its error and loses nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hmt_sim import plugins, simulate, sweep
from hmt_sim.metrics import GROUPS, compute_metrics, flatten
from hmt_sim.plugins import PluginMetricWarning
from hmt_sim.rundir import prepare_out_dir, write_run
from hmt_sim.scenario import load_scenario, load_scenario_text
from tests.plugins.scenarios import CUED


def warnings_and_force(events: list[dict[str, Any]]) -> dict[str, Any]:
    kinds = [e.get("action") for e in events if e["kind"] == "engagement"]
    return {"warnings": kinds.count("warn"), "by_action": {a: kinds.count(a) for a in
                                                             sorted(set(kinds))}}


def _events() -> list[dict[str, Any]]:
    return simulate(load_scenario_text(CUED, "cued.yaml"), seed=1).events


def test_a_registered_metric_is_a_group_of_its_own() -> None:
    events = _events()
    plain = compute_metrics(events)
    plugins.register_metric("force_mix", warnings_and_force)
    with_plugin = compute_metrics(events)
    assert list(with_plugin) == [*GROUPS, "force_mix"]
    assert with_plugin["force_mix"] == warnings_and_force(events)
    assert {k: v for k, v in with_plugin.items() if k != "force_mix"} == plain
    flat = flatten(with_plugin)
    assert flat["force_mix.warnings"] == with_plugin["force_mix"]["warnings"]
    assert "force_mix.by_action.engage" in flat


@pytest.mark.parametrize(("fn", "error"), [
    (lambda events: 1 / 0, "ZeroDivisionError: division by zero"),
    (lambda events: [1, 2], "TypeError: returned list; a metric returns a dict"),
    (lambda events: {"when": object()},
     "ValueError: when is object, not a number, text, list or mapping"),
])
def test_a_failing_metric_reports_its_error_and_loses_nothing(fn: Any, error: str) -> None:
    events = _events()
    plain = compute_metrics(events)
    plugins.register_metric("broken", fn)
    plugins.register_metric("works", lambda ev: {"n": len(ev)})
    with pytest.warns(PluginMetricWarning, match="metric plugin 'broken' failed"):
        got = compute_metrics(events)
    assert got["broken"] == {"error": error}
    assert got["works"] == {"n": len(events)}
    assert {k: got[k] for k in GROUPS} == plain


def test_a_metric_cannot_change_the_log() -> None:
    events = _events()
    before = json.dumps(events)

    def vandal(ev: list[dict[str, Any]]) -> dict[str, Any]:
        for e in ev:
            e["kind"] = "gone"
        ev.clear()
        return {"ok": True}

    plugins.register_metric("vandal", vandal)
    plugins.register_metric("after", lambda ev: {"n": len(ev)})
    got = compute_metrics(events)
    assert json.dumps(events) == before
    assert got["after"] == {"n": len(events)}


def test_plugin_metrics_reach_metrics_json(tmp_path: Path) -> None:
    plugins.register_metric("force_mix", warnings_and_force)
    result = simulate(load_scenario_text(CUED, "cued.yaml"), seed=1)
    out = prepare_out_dir(tmp_path / "run", force=False)
    write_run(result, out)
    saved = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert saved["force_mix"] == warnings_and_force(result.events)


@pytest.mark.filterwarnings("ignore::hmt_sim.plugins.PluginMetricWarning")
def test_plugin_metrics_are_sweep_columns(tmp_path: Path) -> None:
    """Registered in the parent, computed in forked workers, stored as NAME.KEY columns."""
    plugins.register_metric("force_mix", warnings_and_force)
    plugins.register_metric("broken", lambda events: 1 / 0)
    spec = {"scenario": "airbase_swarm", "set": {"run.duration_s": 120},
            "factors": {"autonomy.level": [5, 8]}, "seeds": [1, 2]}
    df = sweep(spec, out=tmp_path / "sw", workers=2, progress=None)
    assert list(df["status"]) == ["ok"] * 4
    assert "force_mix.warnings" in df.columns
    assert set(df["broken.error"]) == {"ZeroDivisionError: division by zero"}
    for _, row in df.iterrows():
        sc = load_scenario("airbase_swarm", overrides={
            "run.duration_s": 120, "autonomy.level": int(row["autonomy.level"])})
        expected = warnings_and_force(simulate(sc, seed=int(row["seed"])).events)
        assert row["force_mix.warnings"] == expected["warnings"]
