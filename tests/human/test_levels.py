"""Sheridan levels 1-4 as the operator's own call (issue 11): level 1 never consults the AI,
levels 2-4 show its advice, and the advice changes what people do."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hmt_testing import kinds

from hmt_sim.metrics import flatten
from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session, simulate

AIR = str(Path(__file__).resolve().parent.parent / "validation" / "air_defence.yaml")


def run(level: int, seed: int, **overrides: object) -> list[dict]:
    sc = load_scenario(AIR, overrides={"autonomy.level": level, "run.duration_s": 400,
                                       **overrides})
    return simulate(sc, seed=seed).events


def test_level1_never_asks_the_ai_and_screens_every_track() -> None:
    events = run(1, seed=2)
    assert not kinds(events, "classification")
    detected = {e["track"] for e in kinds(events, "detection")}
    early = {e["track"] for e in kinds(events, "detection") if e["t"] < 200}
    screened = {e["track"] for e in kinds(events, "review_started")
                if e["purpose"] == "screening"}
    assert early and screened <= detected
    # every track seen in the first 200 s was looked at by a person (the queue clears)
    assert early <= screened
    for e in kinds(events, "recommendation"):
        assert e["human_initiated"] and e["explanation"].startswith("operator judges")


def test_levels_2_to_4_consult_the_ai_and_a_person_still_decides() -> None:
    for level in (2, 3, 4):
        events = run(level, seed=2)
        assert kinds(events, "classification")
        assert any(e["purpose"] == "screening" for e in kinds(events, "review_started"))
        assert all(e["authorised_by"] == "human" for e in kinds(events, "engagement"))


@pytest.mark.slow
def test_a_good_aid_helps_the_person_and_a_bad_one_misleads() -> None:
    """Advice is used: with a 0.97 aid, level 4 (one suggestion, trusted) errs less than the
    unaided level 1; with a 0.5 aid, level 4 errs more than level 2 (the full probabilities,
    which a doubtful person discounts) on the same seeds."""
    seeds = range(1, 11)

    def errors(level: int, reliability: float) -> float:
        total = 0.0
        for seed in seeds:
            m = flatten(simulate(load_scenario(AIR, overrides={
                "autonomy.level": level, "ai.reliability": reliability}), seed=seed).metrics)
            total += m["harm.wrongful_engagements"] + m["mission.leakers"]
        return total / len(seeds)

    assert errors(4, 0.97) < errors(1, 0.97)
    assert errors(4, 0.5) > errors(2, 0.5)


def test_a_person_in_the_seat_gets_a_screening_card_without_ai_advice_at_level_1() -> None:
    sc = load_scenario(AIR, overrides={"autonomy.level": 1})
    s = Session(sc, seed=2, human_seats=["operator"])
    card = None
    while card is None and s.now < 300:
        s.advance(5.0)
        cards = s.pending_decisions()
        card = cards[0] if cards else None
    assert card is not None
    assert card["purpose"] == "screening" and card["advice_shown"] is False
    assert card["explanation"].startswith("no AI assessment")
    s.decide(card["decision"], "veto", operator=0)  # leave it
    s.advance(1.0)
    left = [e for e in s.events if e["kind"] == "review_ended"
            and e["decision"] == card["decision"]]
    assert left and left[0]["outcome"] == "leave"
    assert not np.isnan(left[0]["duration_s"])


def test_an_operator_who_takes_the_advice_unlooked_believes_what_it_said() -> None:
    """Level 4, a trusting crew: a screening call made without looking carries the AI's own
    P(hostile) into the action choice and the gates, not a firmer belief of its own."""
    events = run(4, seed=1, **{"ai.reliability": 0.6, "operators.trust.alpha0": 40.0})
    ai = {}
    for e in kinds(events, "classification"):
        ai.setdefault(e["track"], e["confidence"] if e["label"] == "hostile"
                      else 1.0 - e["confidence"])
    unlooked = {e["track"] for e in kinds(events, "review_ended")
                if e["purpose"] == "screening" and e["outcome"] == "act" and not e["verified"]}
    assert unlooked, "no unlooked screening call to check"
    firsts: dict[int, dict] = {}
    for e in kinds(events, "recommendation"):
        firsts.setdefault(e["track"], e)
    for track in unlooked & set(firsts):
        assert firsts[track]["confidence"] == pytest.approx(max(0.5, ai[track]), abs=1e-6)


def test_moving_up_to_lethal_force_needs_a_new_judgement() -> None:
    """A person-led track warned first and then engaged: the engagement was judged again."""
    checked = 0
    for seed in (1, 2, 3):
        events = simulate(load_scenario("airbase_swarm", overrides={"autonomy.level": 4}),
                          seed=seed).events
        recs = kinds(events, "recommendation")
        reviewed = {e["decision"] for e in kinds(events, "review_started")
                    if e["purpose"] == "approval"}
        warned = set()
        for r in recs:
            if r["action"] != "engage":
                warned.add(r["track"])
            elif r["track"] in warned:
                assert r["decision"] in reviewed, r
                checked += 1
    assert checked > 0, "no track went from a lesser action to lethal force"
