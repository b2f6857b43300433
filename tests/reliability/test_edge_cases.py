"""Numerical edge cases: each runs to the end and gives sensible metrics - counts that add up,
rates within 0..1, and ``None`` (never 0, never NaN) where a ratio has nothing to count."""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from typing import Any

import pytest

from hmt_sim.errors import ScenarioError
from hmt_sim.metrics import compute_metrics, flatten
from hmt_sim.scenario import load_scenario, parse_overrides
from hmt_sim.session import RunResult, simulate

from .conftest import TALLY

UNIT_RATIOS = {
    "control.human_authorisation_rate", "control.meaningful_review_rate",
    "control.rubber_stamp_rate", "control.veto_opportunity_ratio", "control.override_rate",
    "control.override_of_wrong_rate", "control.override_of_right_rate",
    "control.tracing_completeness", "control.envelope_compliance",
    "control.out_of_loop_exposure", "control.commission_error_rate", "harm.distinction_fpr",
    "harm.false_discovery_rate", "human.utilisation_mean", "human.utilisation_peak",
    "human.trust_final", "human.trust_min", "human.over_reliance", "human.under_reliance",
    "human.verification_rate", "mission.defence_rate",
}
NO_CONTACTS = {"red.waves": [], "traffic": [], "injects": []}


def run(overrides: dict[str, Any], seed: int = 5) -> tuple[RunResult, dict[str, Any]]:
    result = simulate(load_scenario("airbase_swarm", overrides=overrides), seed=seed)
    m = flatten(result.metrics)
    _sane(result, m)
    TALLY["edge cases run"] += 1
    return result, m


def _sane(result: RunResult, m: dict[str, Any]) -> None:
    ev = result.events
    assert ev[0]["kind"] == "run_started" and ev[-1]["kind"] == "run_ended"
    assert [e["seq"] for e in ev] == list(range(len(ev)))
    times = [e["t"] for e in ev]
    assert times == sorted(times) and times[-1] <= result.scenario.run.duration_s + 1e-6
    json.dumps(result.metrics, allow_nan=False)  # NaN or inf would fail here
    assert compute_metrics(json.loads(json.dumps(ev))) == json.loads(json.dumps(result.metrics))
    for name, value in m.items():
        if isinstance(value, float):
            assert math.isfinite(value), (name, value)
        if name in UNIT_RATIOS and value is not None:
            assert 0.0 <= value <= 1.0, (name, value)
        if isinstance(value, int) and not isinstance(value, bool):
            assert value >= 0 or name.startswith("escalation."), (name, value)
    assert m["mission.threats_neutralised"] + m["mission.leakers"] <= sum(
        1 for e in ev if e["kind"] == "spawn" and e["true_class"] == "hostile")
    result.timeseries  # noqa: B018 - builds without error


def _kinds(result: RunResult) -> Counter[str]:
    return Counter(e["kind"] for e in result.events)


def test_zero_contacts() -> None:
    result, m = run(NO_CONTACTS)
    assert _kinds(result)["spawn"] == 0
    assert m["mission.hostiles_presented"] == 0 and m["harm.civilians_presented"] == 0
    assert m["control.uses_of_force"] == 0 and m["human.human_decisions"] == 0
    for name in ("mission.defence_rate", "harm.distinction_fpr", "harm.false_discovery_rate",
                 "control.human_authorisation_rate", "control.override_rate",
                 "human.verification_rate", "mission.mean_time_to_action_s"):
        assert m[name] is None, name


def test_zero_operators() -> None:
    result, m = run({"operators.count": 0})
    kinds = _kinds(result)
    assert kinds["approval"] == kinds["veto"] == kinds["review_started"] == 0
    assert m["human.human_decisions"] == 0 and m["human.utilisation_mean"] is None
    assert all(e["authorised_by"] == "ai" for e in result.events if e["kind"] == "engagement")


def test_zero_operators_when_every_decision_needs_one() -> None:
    result, m = run({"operators.count": 0, "autonomy.level": 5})
    kinds = _kinds(result)
    assert kinds["engagement"] == 0 and kinds["timeout"] > 0  # nobody to approve: nothing fires
    assert m["control.uses_of_force"] == 0 and m["control.human_authorisation_rate"] is None
    assert m["mission.leakers"] > 0 and m["mission.defence_rate"] == 0.0


@pytest.mark.parametrize("reliability", [0.0, 1.0])
def test_reliability_at_its_bounds(reliability: float) -> None:
    overrides: dict[str, Any] = {"ai.reliability": reliability}
    if reliability == 1.0:  # no drift or deception: a perfect classifier stays perfect
        overrides |= {"ai.drift.delta": 0.0, "injects": []}
    result, _ = run(overrides)
    correct = {e["correct"] for e in result.events if e["kind"] == "classification"}
    assert correct == {bool(reliability)}


def test_autonomy_1_keeps_every_engagement_with_a_human() -> None:
    result, m = run({"autonomy.level": 1})
    engagements = [e for e in result.events if e["kind"] == "engagement"]
    assert engagements and all(e["authorised_by"] == "human" for e in engagements)
    assert _kinds(result)["inform"] == 0
    assert m["control.out_of_loop_exposure"] in (0.0, None)


def test_autonomy_10_acts_without_asking_where_rules_allow() -> None:
    result, _m = run({"autonomy.level": 10, "roe.reliability_floor": None})
    by_ai = [e for e in result.events if e["kind"] == "engagement" and e["authorised_by"] == "ai"]
    assert by_ai and all(e["level"] == 10 for e in by_ai)
    assert _kinds(result)["inform"] == 0  # level 10 informs no one


@pytest.mark.parametrize("duration", [0.3, 1e-6])
def test_a_run_shorter_than_one_tick(duration: float) -> None:
    result, m = run({"run.duration_s": duration})
    assert result.events[-1]["duration_s"] == pytest.approx(duration)
    assert m["mission.hostiles_presented"] == 0 and m["mission.defence_rate"] is None


def test_all_civilian_traffic() -> None:
    _result, m = run({"red.waves": []})
    assert m["mission.hostiles_presented"] == 0 and m["mission.leakers"] == 0
    assert m["mission.defence_rate"] is None
    assert m["harm.civilians_presented"] > 0 and m["harm.distinction_fpr"] is not None


def test_zero_sensors() -> None:
    result, m = run({"blue.sensors": []})
    kinds = _kinds(result)
    assert kinds["detection"] == kinds["classification"] == kinds["engagement"] == 0
    assert m["mission.hostiles_presented"] == 0 and m["mission.leakers"] > 0
    assert m["mission.defence_rate"] == 0.0  # the threats came; none was stopped


def test_zero_effectors() -> None:
    _result, m = run({"blue.effectors": []})
    assert m["mission.threats_neutralised"] == 0


def test_huge_counts_in_a_short_run() -> None:
    start = time.perf_counter()
    result, _m = run({"red.waves.0.count": 2000, "red.waves.0.interval_s": 0,
                     "red.waves.0.at_s": 0, "red.waves.0.origin": {"x": 45, "y": 30},
                     "run.duration_s": 20})
    assert _kinds(result)["spawn"] >= 2000
    assert time.perf_counter() - start < 60


def test_the_top_of_the_escalation_ladder() -> None:
    _, m = run({"escalation.start_rung_red": 7, "escalation.start_rung_blue": 7})
    assert m["escalation.max_rung_red"] == 7


def test_a_thousand_operators_and_a_sample_interval_longer_than_the_run() -> None:
    _, m = run({"operators.count": 1000, "run.sample_interval_s": 10_000})
    assert m["human.utilisation_mean"] is not None and m["human.utilisation_mean"] < 0.01


@pytest.mark.parametrize("setting", [
    "run.duration_s=.inf", "run.tick_s=1e-9", "run.sample_interval_s=1.0e-7",
    "escalation.react_interval_s=1.0e-7", "blue.defended_asset.x=.nan",
])
def test_runs_that_would_never_end_are_refused_up_front(setting: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario("airbase_swarm", overrides=parse_overrides([setting]))
    TALLY["edge cases refused up front (never-ending or NaN)"] += 1
    assert setting.split("=")[0] in str(info.value)
