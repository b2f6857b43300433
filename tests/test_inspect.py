"""Inspect counts as what it is: the time a person really spent between Inspect and their answer
is their verification, the debrief says what the log says, and Inspect shows what the operator
can know (never the truth). Cards say why their level differs from the one set."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hmt_sim.scenario import load_scenario
from hmt_sim.scenario.library import resolve
from hmt_sim.session import Session
from visualiser.debrief import decision_timeline

TRUTH_KEYS = {"true_class", "correct", "ai_wrong", "accuracy", "kind", "contact_kind", "silent"}


def _first_card(s: Session) -> dict[str, Any]:
    while not s.finished:
        cards = s.pending_decisions()
        if cards:
            return cards[0]
        s.advance(0.5)
    raise AssertionError("no card came")


def _keys(obj: Any) -> set[str]:
    if isinstance(obj, dict):
        return set(obj) | {k for v in obj.values() for k in _keys(v)}
    if isinstance(obj, list):
        return {k for v in obj for k in _keys(v)}
    return set()


@pytest.fixture(scope="module")
def inspected() -> tuple[Session, dict[str, Any], dict[str, Any], float]:
    """A person presses I, then A 1.5 s later."""
    s = Session(load_scenario(resolve("urban_nomination")), seed=2, human_seats=["operator"])
    card = _first_card(s)
    shown = s.inspect(card["decision"])
    t_inspect = s.now
    s.advance(1.5)
    s.decide(card["decision"], "approve")
    s.advance(1.0)
    return s, card, shown, t_inspect


def test_verification_is_the_time_really_spent(inspected) -> None:  # type: ignore[no-untyped-def]
    s, card, _, t_inspect = inspected
    mine = [e for e in s.events if e.get("decision") == card["decision"]]
    ver = [e for e in mine if e["kind"] == "verification"]
    approval = next(e for e in mine if e["kind"] == "approval")
    assert len(ver) == 1 and ver[0]["by"] == "person"
    assert ver[0]["duration_s"] == pytest.approx(1.5)
    assert ver[0]["t"] == approval["t"] == pytest.approx(t_inspect + 1.5)
    assert ver[0]["inspected_at"] == pytest.approx(t_inspect)
    assert approval["verified"] is True and approval["by"] == "person"
    assert approval["review_s"] >= 1.5
    assert s.result().metrics["human"]["verification_rate"] > 0


def test_the_debrief_agrees_with_the_log(inspected) -> None:  # type: ignore[no-untyped-def]
    s, card, _, _ = inspected
    row = next(r for r in decision_timeline(s.events) if r.decision == card["decision"])
    approval = next(e for e in s.events if e["kind"] == "approval"
                    and e["decision"] == card["decision"])
    assert row.decided_by == "person" and row.verified
    assert row.verify_s == pytest.approx(1.5)
    line = row.line()
    assert "verified 1.5 s" in line and "verified 8" not in line
    assert f"review {approval['review_s']:.1f} s" in line
    # 1.5 s of looking, well under the ROE's minimum review: a rubber stamp, and it says why
    minimum = s.scenario.roe.min_review_s
    assert approval["review_s"] < minimum
    assert row.rubber_stamp
    assert re.search(rf"RUBBER STAMP: reviewed {approval['review_s']:.1f} s, under the "
                     rf"{minimum:g} s minimum", line)


def test_inspect_shows_evidence_and_reasons_never_the_truth(inspected
                                                            ) -> None:  # type: ignore
    s, card, shown, _ = inspected
    ev, why = shown["evidence"], shown["reasons"]
    assert ev["track"] == card["track"]
    assert ev["sensor"] in {sensor.id for sensor in s.scenario.blue.sensors}
    assert ev["range_km"] > 0 and ev["speed_mps"] > 0 and 0 <= ev["heading_deg"] < 360
    assert isinstance(ev["signature"], str) and ev["signature"]
    assert why["label"] == card["label"] and why["confidence"] == pytest.approx(
        card["confidence"], abs=1e-6)
    assert sum(why["probabilities"].values()) == pytest.approx(1.0)
    assert {"region_bias", "drift_detected", "spoofing_suspected"} <= set(why)
    assert shown["explanation"] == card["explanation"]
    assert not (_keys(ev) | _keys(why)) & TRUTH_KEYS
    assert shown["time_needed_s"] > 0


def test_a_card_says_why_its_level_differs() -> None:
    # engage set to 8, but people on foot stay with a human (the ROE's anti-personnel rule)
    sc = load_scenario(resolve("urban_nomination"), overrides={"autonomy.level": 8})
    s = Session(sc, seed=2, human_seats=["operator"])
    card = _first_card(s)
    assert card["level"] == 5 and card["configured_level"] == 8
    assert card["human_initiated"] is False  # the AI's advice, not an operator's own flag
    assert card["level_reason"].startswith("engage is set to level 8; this one came to you "
                                           "at level 5 because ")
    # a facilitator's change after the recommendation is named as such
    s.set_levels({"engage": 9})
    again = next(c for c in s.pending_decisions() if c["decision"] == card["decision"])
    assert again["configured_level"] == 9
    assert "engage was set to level 8 when the AI recommended this; it is set to level 9 now" \
        in again["level_reason"]
    plain = Session(load_scenario(resolve("urban_nomination")), seed=2,
                    human_seats=["operator"])
    same = _first_card(plain)
    assert same["level"] == same["configured_level"] and same["level_reason"] is None
