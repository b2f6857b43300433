"""Plain-words feed and the debrief's decision timeline, from real event logs."""

from __future__ import annotations

from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session
from visualiser.debrief import decision_timeline, key_metric_lines
from visualiser.feed import clock, describe


def _run(seed: int = 3):
    s = Session(load_scenario("airbase_swarm"), seed=seed, human_seats=["operator"])
    choices = {}
    while not s.finished:
        for card in s.pending_decisions():
            if card["decision"] not in choices:
                choice = "approve" if len(choices) % 2 == 0 else "reject"
                s.decide(card["decision"], choice)
                choices[card["decision"]] = choice
        s.run_to(round(s.now + 1.0, 3))
    return s, choices


def test_clock():
    assert clock(0) == "00:00" and clock(842.7) == "14:02" and clock(3725) == "1:02:05"


def test_feed_words_and_truth_hiding():
    s, _ = _run()
    rec = next(e for e in s.events if e["kind"] == "recommendation")
    text, tone = describe(rec)
    assert text.startswith(f"AI recommends {rec['action'].upper()} track {rec['track']}")
    assert tone == "ai"
    wrong = next((e for e in s.events if e["kind"] == "classification" and not e["correct"]),
                 None)
    if wrong is not None:
        assert "[WRONG]" not in describe(wrong)[0]  # players do not see ground truth
        assert "[WRONG]" in describe(wrong, truth=True)[0]
    assert describe({"kind": "sample", "t": 1, "seq": 1}) is None
    lines = [describe(e) for e in s.events]
    assert sum(1 for line in lines if line) > 50


def test_decision_timeline_says_who_decided():
    s, choices = _run()
    rows = {r.decision: r for r in decision_timeline(s.events)}
    assert len(rows) == sum(1 for e in s.events if e["kind"] == "recommendation")
    for decision, choice in choices.items():
        row = rows[decision]
        assert row.decided_by == "person"
        assert row.outcome == ("approved" if choice == "approve" else "rejected")
        assert row.override == (choice == "reject")
    by = {r.decided_by for r in rows.values()}
    assert "model operator" in by or "AI" in by  # the other seat and autonomous actions
    lines = dict(key_metric_lines(s.result().metrics))
    assert "civilian casualties" in lines and "meaningful review rate" in lines
