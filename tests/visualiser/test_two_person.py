"""Two people in the seats of a two-person approval each get their own card, and the decision
goes ahead only when both have approved."""

from __future__ import annotations

from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session
from visualiser.controller import LiveRun


def test_each_seat_of_a_two_person_approval_gets_a_card():
    sc = load_scenario("airbase_swarm", overrides={
        "operators.count": 2, "autonomy.level": 5, "roe.human_only_from_rung": 1})
    live = LiveRun(Session(sc, seed=3, human_seats=["operator", "operator/1"]))
    while True:
        engage = [c for c in live.my_pending() if c["action"] == "engage"]
        if len(engage) == 2:
            break
        for card in live.my_pending():  # let anything else through
            if card["action"] != "engage":
                live.decide(card["decision"], "approve", card["operator"])
        assert live.session.now < 900, "no two-person decision reached the seats"
        live.step(1.0)
    decision = engage[0]["decision"]
    assert {c["operator"] for c in engage} == {0, 1} and engage[1]["decision"] == decision
    live.decide(decision, "approve", 1)
    assert [c["operator"] for c in live.my_pending() if c["decision"] == decision] == [0]
    live.step(1.0)
    assert [c["operator"] for c in live.my_pending() if c["decision"] == decision] == [0]
    live.decide(decision, "approve", 0)
    live.step(12.0)
    approvals = [e for e in live.session.events
                 if e["kind"] == "approval" and e["decision"] == decision]
    assert {a["operator"] for a in approvals} == {0, 1}
    assert all(a["by"] == "person" for a in approvals)
