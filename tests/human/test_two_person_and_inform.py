"""Issue 11 fixes: a two-person approval needs two different people, and an after-the-fact
(level 7) review never starts during a comms loss."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hmt_testing import kinds

from hmt_sim.scenario.library import bundled_ids
from hmt_sim.scenario.loader import load_scenario
from hmt_sim.session import simulate


def approvals_by_decision(events: list[dict]) -> dict[int, list[int]]:
    """decision id -> the operators who approved it, in order."""
    out: dict[int, list[int]] = defaultdict(list)
    for e in kinds(events, "approval"):
        out[e["decision"]].append(e["operator"])
    return out


def two_person_decisions(events: list[dict]) -> set[int]:
    return {e["decision"] for e in kinds(events, "gate")
            if e["rule"] == "human_only_rung" and e["outcome"] == "referred"}


def test_the_issue_repro_is_approved_by_two_people_or_not_at_all() -> None:
    """urban_nomination, seed 1, level 5: decision 33 was approved twice by operator 1."""
    sc = load_scenario("urban_nomination", {"autonomy.level": 5})
    events = simulate(sc, seed=1).events
    two = two_person_decisions(events)
    assert two, "the repro no longer refers anything for two-person approval"
    approvals = approvals_by_decision(events)
    engaged = {e["decision"] for e in kinds(events, "engagement")}
    for decision in two:
        ops = approvals.get(decision, [])
        assert len(ops) == len(set(ops)), f"decision {decision} approved twice by one person"
        if decision in engaged:
            assert len(set(ops)) == 2


@pytest.mark.slow
@pytest.mark.parametrize("scenario", bundled_ids())
def test_no_engagement_is_approved_twice_by_the_same_operator(scenario: str) -> None:
    """The invariant over every bundled scenario x levels x seeds."""
    checked = 0
    for level in (1, 4, 5, 6):
        for seed in (1, 2, 3):
            sc = load_scenario(scenario, {"autonomy.level": level})
            events = simulate(sc, seed=seed).events
            approvals = approvals_by_decision(events)
            for e in kinds(events, "engagement"):
                ops = approvals.get(e["decision"], [])
                assert len(ops) == len(set(ops)), (scenario, level, seed, e["decision"], ops)
                checked += 1
    assert checked > 0 or scenario == "training_sandbox"


ONE_OPERATOR = {"operators.count": 1}


def test_with_one_operator_a_two_person_case_is_never_approved() -> None:
    sc = load_scenario("urban_nomination", {"autonomy.level": 5, **ONE_OPERATOR})
    events = simulate(sc, seed=1).events
    two = two_person_decisions(events)
    engaged = {e["decision"] for e in kinds(events, "engagement")}
    assert not two & engaged
    blocked = [e for e in kinds(events, "gate") if e["rule"] == "human_only_rung"
               and e["outcome"] == "blocked"]
    assert blocked  # referred, then held for want of a second person


def test_no_inform_review_starts_during_a_comms_loss(tiny) -> None:
    """Level 7 acts, then informs: with the link down the review waits until it is back."""
    sc = tiny(**{"autonomy.levels.engage": 7})
    text_events = simulate(sc, seed=3).events
    inform = kinds(text_events, "inform")
    assert inform, "level 7 did not inform"
    t_inform = inform[0]["t"]
    outage = tiny(**{"autonomy.levels.engage": 7, "injects": [
        {"at_s": max(0.0, t_inform - 5.0), "kind": "comms_loss", "duration_s": 60}]})
    events = simulate(outage, seed=3).events
    start = [e for e in kinds(events, "review_started") if e["purpose"] == "inform"]
    lost = [e for e in kinds(events, "inject") if e["inject"] == "comms_loss"]
    assert start and lost
    down_from = t_inform - 5.0
    # log times are rounded to the microsecond (times are exact now, not whole ticks)
    assert not (down_from <= start[0]["t"] < down_from + 60.0 - 1e-6), start[0]
    assert start[0]["t"] >= down_from + 60.0 - 1e-6
