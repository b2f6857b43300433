"""What ``validate`` accepts, ``run`` runs: a property-based test drawn from the JSON Schema.

Every numeric key of the scenario JSON Schema carries a range (``minimum``/``maximum`` or their
exclusive forms). The test walks a bundled scenario together with the schema, finds every numeric
key it holds (defaults included), and draws a few of them - values inside the range, at its
edges, or just outside it - as ``--set`` overrides; sometimes it also appends a scripted
``roe_change`` whose value is drawn from the ROE key's range. The property:

* refused: every problem is located (the file with line and column >= 1, or the override by
  name - never ``:0:0``);
* accepted: the run ends with ``run_ended`` at ``run.duration_s`` within ``CPU_BOUND_S`` of CPU
  time, and its files (``events.jsonl``, ``metrics.json``, ``run.json``) are written as strict
  JSON.

The keys that set the amount of work (duration, tick, sample interval, counts, re-judge and
reaction intervals) are drawn from a narrower part of their range, listed in ``COST_RANGES``,
so that 2,000 examples fit in a test run; the budget that bounds them (``MAX_STEPS``,
``MAX_TRACK_STEPS``) is tested on its own edges below.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmt_sim.errors import ScenarioError
from hmt_sim.rundir import write_run
from hmt_sim.scenario import load_scenario_text
from hmt_sim.scenario.jsonschema import scenario_json_schema
from hmt_sim.scenario.schema import MAX_STEPS, MAX_TRACK_STEPS
from hmt_sim.session import simulate

from .conftest import TALLY, bundled_scenarios

SCHEMA = scenario_json_schema()
DEFS: dict[str, Any] = SCHEMA.get("$defs", {})
TEXTS = {p.stem: p.read_text(encoding="utf-8") for p in bundled_scenarios()}
NAMES = sorted(TEXTS)
CPU_BOUND_S = 60.0
"""CPU seconds an accepted run of a bundled scenario with drawn values may take."""

COST_RANGES: dict[str, tuple[float, float]] = {
    "run.duration_s": (1.0, 1800.0),
    "run.tick_s": (0.25, 1e7),
    "run.sample_interval_s": (0.25, 1e7),
    "count": (0, 300),
    "ai.rejudge_s": (0.05, 1e7),
    "escalation.react_interval_s": (0.05, 1e7),
}
"""Where the work-setting keys are drawn from (the last segment ``count`` stands for every
wave, traffic and surge count)."""

DEFAULT = settings(max_examples=30, derandomize=True, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# The slow suite's size. 2,000 examples take about 9 minutes on 2 cores, more than `make test`
# can spend on one test; `make property` runs that many (HMT_PROPERTY_EXAMPLES=2000).
MANY = settings(DEFAULT, max_examples=int(os.environ.get("HMT_PROPERTY_EXAMPLES", "300")))


# ------------------------------------------------------------------ the schema's numeric keys


def _deref(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = DEFS[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _members(node: dict[str, Any]) -> list[dict[str, Any]]:
    node = _deref(node)
    for key in ("anyOf", "oneOf"):
        if key in node:
            return [m for sub in node[key] for m in _members(sub)]
    return [node]


def _numeric(node: dict[str, Any]) -> dict[str, Any] | None:
    for member in _members(node):
        if member.get("type") in ("number", "integer"):
            return member
    return None


def _child(node: dict[str, Any], key: str | int, value: Any) -> dict[str, Any] | None:
    """The schema of ``key`` under ``node`` (a model, a dict, a tuple or a tagged union)."""
    for member in _members(node):
        kind = member.get("properties", {}).get("kind", {}).get("const")
        if kind is not None and not (isinstance(value, dict) and value.get("kind") == kind):
            continue
        if isinstance(key, str) and key in member.get("properties", {}):
            return member["properties"][key]
        if isinstance(key, str) and isinstance(member.get("additionalProperties"), dict):
            return member["additionalProperties"]
        if isinstance(key, int) and "prefixItems" in member:
            return member["prefixItems"][key]
        if isinstance(key, int) and isinstance(member.get("items"), dict):
            return member["items"]
    return None


def numeric_leaves(data: Any, node: dict[str, Any], path: tuple[str | int, ...] = ()
                   ) -> list[tuple[str, dict[str, Any]]]:
    """Every numeric key a scenario holds, as (dotted path, schema with its range)."""
    out: list[tuple[str, dict[str, Any]]] = []
    if isinstance(data, dict):
        items: list[tuple[str | int, Any]] = list(data.items())
    elif isinstance(data, list):
        items = list(enumerate(data))
    else:
        num = _numeric(node)
        if num is not None and not isinstance(data, bool) and path:
            out.append((".".join(map(str, path)), num))
        return out
    for key, value in items:
        child = _child(node, key, data)
        if child is not None:
            out.extend(numeric_leaves(value, child, (*path, key)))
    return out


def bounds(num: dict[str, Any]) -> tuple[float, float, bool, bool]:
    """(low, high, low excluded, high excluded) of a numeric schema."""
    lo_x, hi_x = "exclusiveMinimum" in num, "exclusiveMaximum" in num
    lo = num.get("exclusiveMinimum", num.get("minimum"))
    hi = num.get("exclusiveMaximum", num.get("maximum"))
    assert lo is not None and hi is not None, num
    return float(lo), float(hi), lo_x, hi_x


def _all_numeric_schemas(node: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if node.get("type") in ("number", "integer"):
            out.append((where, node))
        for key, value in node.items():
            out.extend(_all_numeric_schemas(value, f"{where}.{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_all_numeric_schemas(value, f"{where}.{i}"))
    return out


def test_every_numeric_key_has_a_range_in_the_json_schema() -> None:
    unbounded = [where for where, num in _all_numeric_schemas(SCHEMA, "")
                 if not ({"minimum", "exclusiveMinimum"} & set(num)
                         and {"maximum", "exclusiveMaximum"} & set(num))]
    assert unbounded == []
    assert len(_all_numeric_schemas(SCHEMA, "")) > 100


# ------------------------------------------------------------------------------ strategies


def _cost_range(path: str) -> tuple[float, float] | None:
    last = path.rsplit(".", 1)[-1]
    return COST_RANGES.get(path) or COST_RANGES.get(last if last == "count" else "")


def values_for(path: str, num: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Inside the range (edges included), or just outside it."""
    lo, hi, lo_x, hi_x = bounds(num)
    integer = num.get("type") == "integer"
    outside = [lo - 1 if integer else (lo - 1e-3 if lo_x else lo - max(1.0, abs(lo)) * 1e-3),
               hi + 1 if integer else hi * 10 + 1]
    cost = _cost_range(path)
    if cost is not None:
        lo, hi = max(lo, cost[0]), min(hi, cost[1])
    if integer:
        inside: st.SearchStrategy[Any] = st.integers(math.ceil(lo), math.floor(hi))
    else:
        inside = st.floats(lo, hi, exclude_min=lo_x, exclude_max=hi_x, allow_nan=False)
    edges = [v for v, excluded in ((lo, lo_x), (hi, hi_x)) if not excluded]
    if integer:
        edges = [int(v) for v in edges]
    return st.one_of(inside, st.sampled_from(edges or [lo + (hi - lo) / 2]),
                     st.sampled_from(outside))


ROE_NUMERIC = numeric_leaves(
    {k: 0 for k in ("min_review_s", "proportionality_lambda", "doubt_p", "reliability_floor",
                    "fallback_level", "bias_gap_max", "warning_response_s", "kill_switch_s",
                    "human_only_from_rung")},
    _deref(SCHEMA["properties"]["roe"]),
)


def test_roe_change_values_promised_by_the_schema_hold_for_every_roe_key() -> None:
    # The JSON Schema says a roe_change value is a number in [0, MAX_SECONDS]; the loader checks
    # each against its ROE key's own range, which must lie inside that promise.
    promise = _deref(SCHEMA["$defs"]["ROEChange"])["properties"]["changes"]
    number = _numeric(promise["additionalProperties"])
    assert number is not None
    lo, hi, _, _ = bounds(number)
    assert len(ROE_NUMERIC) == 9
    for _, num in ROE_NUMERIC:
        key_lo, key_hi, _, _ = bounds(num)
        assert lo <= key_lo and key_hi <= hi


@st.composite
def drawn_scenarios(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A bundled scenario and a few overrides drawn from the schema's ranges."""
    name = draw(st.sampled_from(NAMES))
    data = _full_data(name)
    leaves = LEAVES[name]
    chosen = draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=4,
                           unique_by=lambda leaf: leaf[0]))
    overrides = {path: draw(values_for(path, num)) for path, num in chosen}
    if draw(st.booleans()):
        key, num = draw(st.sampled_from(ROE_NUMERIC))
        at = draw(st.floats(0.0, 900.0))
        inject = {"kind": "roe_change", "at_s": at, "changes": {key: draw(values_for(key, num))}}
        overrides["injects"] = [*data.get("injects", []), inject]
    return name, overrides


_FULL: dict[str, dict[str, Any]] = {}


def _full_data(name: str) -> dict[str, Any]:
    if name not in _FULL:
        _FULL[name] = load_scenario_text(TEXTS[name], f"{name}.yaml").model_dump(mode="json")
    return _FULL[name]


LEAVES = {name: numeric_leaves(_full_data(name), SCHEMA) for name in NAMES}


# ------------------------------------------------------------------------------ property


def _validate_then_run(name: str, overrides: dict[str, Any]) -> None:
    filename = f"{name}.yaml"
    try:
        sc = load_scenario_text(TEXTS[name], filename, overrides)
    except ScenarioError as exc:
        assert exc.problems
        for p in exc.problems:
            if p.file.startswith("--set "):
                assert p.file.removeprefix("--set ") in overrides, p
                assert ":0:0" not in str(p), p
            else:
                assert p.file == filename and p.line >= 1 and p.column >= 1, p
        TALLY["validate-runs: refused, located"] += 1
        return
    t0 = time.process_time()
    result = simulate(sc)
    cpu = time.process_time() - t0
    assert cpu < CPU_BOUND_S, (name, overrides, cpu)
    last = result.events[-1]
    assert last["kind"] == "run_ended" and last["duration_s"] == sc.run.duration_s, last
    with tempfile.TemporaryDirectory() as tmp:
        write_run(result, Path(tmp), overrides)
        for file in ("metrics.json", "run.json"):
            json.loads((Path(tmp) / file).read_text(encoding="utf-8"),
                       parse_constant=_no_constants)
    TALLY["validate-runs: accepted, ran to the end"] += 1


def _no_constants(name: str) -> None:
    raise AssertionError(f"{name} is not JSON")


def test_the_walk_finds_the_keys_the_crashes_came_from() -> None:
    found = {path for path, _ in LEAVES["airbase_swarm"]}
    assert {"operators.review_time.sigma", "blue.sensors.0.range_km",
            "blue.effectors.0.collateral_radius_m", "escalation.gain", "ai.latency_sigma",
            "blue.defended_asset.x", "ai.rejudge_s", "run.seed"} <= found


@pytest.mark.parametrize("override", [
    "operators.review_time.sigma=1000", "blue.sensors.0.range_km=1e200",
    "blue.effectors.0.collateral_radius_m=1e200", "escalation.gain=1e308",
    "ai.latency_sigma=1e308", "blue.defended_asset.x=1e308", "ai.rejudge_s=1e-6",
])
def test_the_reported_crashes_are_refused_by_name(override: str) -> None:
    key = override.split("=", 1)[0]
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(TEXTS["airbase_swarm"], "airbase_swarm.yaml", [override])
    assert [p.file for p in info.value.problems] == [f"--set {key}"]
    assert str(info.value).startswith(f"--set {key}: error: {key}: ")


@pytest.mark.parametrize(("overrides", "accepted"), [
    ({"run.duration_s": float(MAX_STEPS), "run.tick_s": 1.0, "run.sample_interval_s": 100.0,
      "red.waves": [], "traffic": []}, True),
    ({"run.duration_s": float(MAX_STEPS) + 1, "run.tick_s": 1.0}, False),
    ({"ai.rejudge_s": 300.0 / MAX_STEPS * 1.001}, True),
    ({"ai.rejudge_s": 300.0 / MAX_STEPS / 2}, False),
])
def test_step_budget_edges(overrides: dict[str, Any], accepted: bool) -> None:
    sandbox = TEXTS["training_sandbox"]
    try:
        load_scenario_text(sandbox, "training_sandbox.yaml", overrides)
    except ScenarioError:
        assert not accepted
    else:
        assert accepted


def test_contact_work_is_bounded_by_the_track_budget() -> None:
    steps = 1000.0
    contacts = int(MAX_TRACK_STEPS / steps) + 1
    overrides = {"run.duration_s": steps, "run.tick_s": 1.0, "traffic": [],
                 "red.waves": [{"kind": "drone", "count": contacts // 2 + 1, "origin": {
                     "x": 0, "y": 0}}, {"kind": "drone", "count": contacts // 2 + 1,
                                        "origin": {"x": 0, "y": 0}}]}
    with pytest.raises(ScenarioError, match="contact-ticks; the limit is"):
        load_scenario_text(_sandbox_with_drone(), "t.yaml", overrides)


def _sandbox_with_drone() -> str:
    return TEXTS["training_sandbox"] + "\n" if "drone:" in TEXTS["training_sandbox"] else (
        TEXTS["airbase_swarm"])


@DEFAULT
@given(drawn_scenarios())
def test_what_validates_runs(case: tuple[str, dict[str, Any]]) -> None:
    TALLY["validate-runs: drawn scenarios tried"] += 1
    _validate_then_run(*case)


@pytest.mark.slow
@MANY
@given(drawn_scenarios())
def test_what_validates_runs_many(case: tuple[str, dict[str, Any]]) -> None:
    TALLY["validate-runs: drawn scenarios tried"] += 1
    _validate_then_run(*case)
