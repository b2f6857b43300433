"""What a seat is shown, built from the session's public views: its own cards only, detected
tracks as the AI shows them, never a contact's truth; room seats map onto human seats."""

from __future__ import annotations

import json

from hmt_sim.room import views
from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session


def test_seats_count_from_one_over_the_human_seats() -> None:
    assert views.seat_operators(["operator/0", "operator/1"]) == {1: 0, 2: 1}
    assert views.seat_operators(["operator/3", "operator"]) == {1: 0, 2: 3}


def test_a_seat_sees_its_cards_and_the_operator_picture_only() -> None:
    session = Session(load_scenario("overload"), human_seats=["operator/0", "operator/1"])
    session.run_to(60.0)
    snap, pending = session.snapshot(), session.pending_decisions()
    assert {p["operator"] for p in pending} == {0, 1}
    view = views.seat_view(session, snap, pending, 2, {}, op=1)
    assert {c["decision"] for c in view["cards"]} == {
        p["decision"] for p in pending if p["operator"] == 1}
    detected = {c["track"]: c for c in snap["contacts"] if c["detected"]}
    tracks = [dict(zip(views.TRACK_FIELDS, t, strict=True)) for t in view["tracks"]]
    assert {t["track"] for t in tracks} == set(detected) < {c["track"]
                                                            for c in snap["contacts"]}
    for t in tracks:  # the AI's call, not the truth
        assert t["label"] == detected[t["track"]]["label"]
        assert abs(t["x"] - detected[t["track"]]["x"]) <= 0.005
    text = json.dumps(view)
    assert "true_class" not in text and "kind" not in text
    assert {t["track"] for t in tracks if t["mine"]} == {c["track"] for c in view["cards"]}
