"""Each autonomy level's protocol on a hand-built situation: who decided, and when."""

from __future__ import annotations

import pytest
from hmt_testing import kinds

from hmt_sim.autonomy import Protocol, loop_position, protocol
from hmt_sim.errors import InputError
from hmt_sim.session import Session, simulate


def first(events, kind):
    found = kinds(events, kind)
    assert found, f"no {kind} event"
    return found[0]


def test_level_table_matches_sheridan_verplank():
    assert [protocol(lv) for lv in range(1, 11)] == [
        Protocol.MANUAL, Protocol.MANUAL, Protocol.MANUAL, Protocol.MANUAL, Protocol.APPROVAL,
        Protocol.VETO, Protocol.INFORM_AFTER, Protocol.ON_REQUEST, Protocol.AI_DISCRETION,
        Protocol.SILENT,
    ]
    assert [loop_position(lv) for lv in (1, 5, 6, 7, 8, 10)] == ["in", "in", "on", "on", "out",
                                                                 "out"]
    with pytest.raises(ValueError, match="1-10"):
        protocol(11)


def test_level5_acts_only_after_a_human_approval(tiny):
    ev = simulate(tiny(**{"autonomy.levels.engage": 5}), seed=3).events
    rec, ap, eng = first(ev, "recommendation"), first(ev, "approval"), first(ev, "engagement")
    assert rec["protocol"] == "approval" and rec["level"] == 5
    assert rec["t"] < ap["t"] <= eng["t"]
    assert eng["authorised_by"] == "human" and eng["operator"] == ap["operator"] == 0
    assert not kinds(ev, "inform")


def test_level5_rejection_by_the_person_in_the_seat_cancels(tiny):
    s = Session(tiny(**{"autonomy.levels.engage": 5}), seed=3, human_seats=["operator"])
    s.advance(3.0)
    cards = s.pending_decisions()
    assert len(cards) == 1 and cards[0]["action"] == "engage" and cards[0]["protocol"] == "approval"
    s.decide(cards[0]["decision"], "reject")
    res = s.run_to_end()
    assert first(res.events, "veto")["by"] == "person"
    assert not [e for e in res.events if e["kind"] == "engagement"]
    assert first(res.events, "impact")["track"] == 0  # nobody stopped it
    assert res.inputs == [{"t": 3.0, "type": "decide", "decision": cards[0]["decision"],
                           "choice": "reject", "operator": 0}]


def test_level5_unanswered_times_out_with_no_action(tiny):
    s = Session(tiny(**{"autonomy.levels.engage": 5}), seed=3, human_seats=["operator"])
    res = s.run_to_end()
    timeout = first(res.events, "timeout")
    assert timeout["outcome"] == "no_action"
    assert not kinds(res.events, "engagement")
    assert kinds(res.events, "impact")


def test_level6_veto_inside_window_cancels(tiny):
    s = Session(tiny(**{"autonomy.levels.engage": 6, "autonomy.veto_window_s": 10}), seed=3,
                human_seats=["operator"])
    s.advance(5.0)  # the recommendation came at ~1.5 s; the window ends at ~11.5 s
    [card] = s.pending_decisions()
    assert card["protocol"] == "veto"
    s.decide(card["decision"], "reject")
    res = s.run_to_end()
    assert first(res.events, "veto")["t"] == pytest.approx(5.0)
    assert not kinds(res.events, "engagement")


def test_level6_veto_after_window_is_too_late(tiny):
    s = Session(tiny(**{"autonomy.levels.engage": 6, "autonomy.veto_window_s": 10}), seed=3,
                human_seats=["operator"])
    s.advance(30.0)  # the window ended at ~11.5 s; the drone is in range from ~20 s
    rec = first(s.events, "recommendation")
    assert s.pending_decisions() == []
    with pytest.raises(InputError, match="not awaiting"):
        s.decide(rec["decision"], "reject")
    timeout, eng = first(s.events, "timeout"), first(s.events, "engagement")
    assert timeout["outcome"] == "executed"
    assert timeout["t"] == pytest.approx(rec["t"] + 10.0)
    assert eng["authorised_by"] == "ai" and eng["t"] >= timeout["t"]


def test_level6_rt95_floor_stretches_the_window(tiny):
    sc = tiny(**{"autonomy.levels.engage": 6, "autonomy.veto_window_s": 2,
                 "roe.veto_window_floor_rt95": True, "operators.count": 0})
    ev = simulate(sc, seed=3).events
    rt95 = ev[0]["params"]["operator_rt95_s"]
    assert rt95 == 0.0  # no operators: nobody to wait for, the floor is the plain window
    sc = tiny(**{"autonomy.levels.engage": 6, "autonomy.veto_window_s": 2,
                 "roe.veto_window_floor_rt95": True})
    ev = simulate(sc, seed=3).events
    rec, timeout = first(ev, "recommendation"), first(ev, "timeout")
    rt95 = ev[0]["params"]["operator_rt95_s"]
    assert rt95 > 2.0
    assert timeout["window_s"] == pytest.approx(rt95)
    assert timeout["t"] == pytest.approx(rec["t"] + rt95)


def test_level7_acts_then_informs(tiny):
    ev = simulate(tiny(**{"autonomy.levels.engage": 7}), seed=3).events
    rec, eng, inform = first(ev, "recommendation"), first(ev, "engagement"), first(ev, "inform")
    effect = first(ev, "effect")
    assert eng["authorised_by"] == "ai" and eng["level"] == 7 and eng["operator"] == 0
    assert rec["t"] <= eng["t"] < effect["t"] <= inform["t"]  # told after it acted
    review = [e for e in ev if e["kind"] == "review_started" and e["purpose"] == "inform"]
    assert review and review[0]["t"] >= inform["t"], "the operator reviews after the fact"
    assert not kinds(ev, "approval", "veto")


@pytest.mark.parametrize("level", [8, 10])
def test_out_of_the_loop_levels_never_inform(tiny, level):
    ev = simulate(tiny(**{"autonomy.levels.engage": level}), seed=3).events
    eng = first(ev, "engagement")
    assert eng["authorised_by"] == "ai" and eng["operator"] is None
    assert not kinds(ev, "inform", "review_started", "approval")


def test_level9_informs_only_when_the_ai_is_unsure(tiny):
    sure = simulate(tiny(**{"autonomy.levels.engage": 9}), seed=3).events
    assert first(sure, "classification")["confidence"] > 0.7
    assert not kinds(sure, "inform")
    unsure = simulate(tiny(**{"autonomy.levels.engage": 9, "ai.reliability": 0.55,
                              "ai.temperature": 3.0}), seed=3).events
    cls = first(unsure, "classification")
    if cls["label"] == "hostile":
        assert cls["confidence"] < 0.7
        assert kinds(unsure, "inform")


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_manual_levels_the_operator_selects_and_executes(tiny, level):
    # An easy target to tell apart (d' 4), so the protocol, not the judgement, is under test.
    ev = simulate(tiny(**{"autonomy.levels.engage": level,
                          "operators.judgement.d_prime_default": 4.0}), seed=3).events
    rec, ap, eng = first(ev, "recommendation"), first(ev, "approval"), first(ev, "engagement")
    assert rec["protocol"] == "manual"
    assert eng["authorised_by"] == "human"
    assert eng["t"] >= ap["t"] + 2.0  # the operator carries the action out by hand
    if level == 1:
        assert ap["verified"], "with no AI advice there is nothing to rubber-stamp"


def test_two_person_rule_above_the_human_only_rung(tiny):
    sc = tiny(**{"autonomy.levels.engage": 8, "operators.count": 2,
                 "escalation.start_rung_red": 5, "roe.human_only_from_rung": 5})
    ev = simulate(sc, seed=3).events
    gate = first(ev, "gate")
    assert gate["rule"] == "human_only_rung" and gate["outcome"] == "referred"
    approvals = kinds(ev, "approval")
    assert len(approvals) == 2 and {a["operator"] for a in approvals} == {0, 1}
    assert first(ev, "engagement")["authorised_by"] == "human"


def test_comms_loss_blocks_approvals_but_not_the_veto_clock(tiny):
    s = Session(tiny(**{"autonomy.levels.engage": 6}), seed=3)
    s.inject("comms_loss", duration_s=60)
    res = s.run_to_end()
    assert not kinds(res.events, "review_started")
    assert first(res.events, "timeout")["outcome"] == "executed"
    s5 = Session(tiny(**{"autonomy.levels.engage": 5}), seed=3)
    s5.inject("comms_loss", duration_s=60)
    res5 = s5.run_to_end()
    assert first(res5.events, "review_started")["t"] >= 60.0


def test_kill_switch_halts_autonomous_action_already_under_way(tiny):
    s = Session(tiny(**{"autonomy.levels.engage": 8}), seed=3)
    s.advance(5.0)  # recommended at ~1.5 s; the launcher waits for the drone to come in range
    assert kinds(s.events, "recommendation") and not kinds(s.events, "engagement")
    s.inject("kill_switch")
    res = s.run_to_end()
    gate = [g for g in kinds(res.events, "gate") if g["rule"] == "kill_switch"]
    assert gate and gate[0]["outcome"] == "blocked"
    assert not [e for e in kinds(res.events, "engagement") if e["authorised_by"] == "ai"]


def test_two_person_rule_with_two_people_in_the_seats(tiny):
    sc = tiny(**{"autonomy.levels.engage": 5, "operators.count": 2,
                 "escalation.start_rung_red": 5, "roe.human_only_from_rung": 5})
    s = Session(sc, seed=3, human_seats=["operator", "operator/1"])
    s.advance(3.0)
    cards = s.pending_decisions()
    assert sorted(c["operator"] for c in cards) == [0, 1]
    assert len({c["decision"] for c in cards}) == 1
    s.decide(cards[0]["decision"], "approve", operator=1)
    s.advance(1.0)
    assert [c["operator"] for c in s.pending_decisions()] == [0]
    s.decide(cards[0]["decision"], "approve")
    res = s.run_to_end()
    assert {a["operator"] for a in kinds(res.events, "approval")} == {0, 1}
    assert first(res.events, "engagement")["authorised_by"] == "human"


def test_kill_switch_suspends_autonomous_force(tiny):
    s = Session(tiny(**{"autonomy.levels.engage": 8, "roe.kill_switch_s": 0.5}), seed=3)
    s.inject("kill_switch")  # takes effect at 0.5 s, before the drone is seen at 1 s
    res = s.run_to_end()
    gate = first(res.events, "gate")
    assert gate["rule"] == "kill_switch"
    eng = first(res.events, "engagement")
    assert eng["authorised_by"] == "human"


def test_autonomy_change_mid_run_is_recorded_and_used(tiny):
    s = Session(tiny(**{"autonomy.levels.engage": 5}), seed=3, human_seats=["operator"])
    s.set_levels({"engage": 8})
    res = s.run_to_end()
    assert first(res.events, "autonomy_change")["levels"]["engage"] == 8
    assert first(res.events, "engagement")["level"] == 8
    with pytest.raises(InputError, match="1-10"):
        Session(tiny(), seed=3).set_levels({"engage": 11})


def test_overlapping_comms_losses_end_with_the_last(tiny):
    s = Session(tiny(), seed=3)
    s.inject("comms_loss", duration_s=60)
    s.advance(30.0)
    s.inject("comms_loss", duration_s=60)  # until 90 s
    s.advance(45.0)  # t = 75: the first outage is over, the second is not
    assert not s.model.comms_up
    s.advance(20.0)
    assert s.model.comms_up
    restored = [e for e in s.events if e["kind"] == "inject" and e["inject"] == "comms_restored"]
    assert [e["t"] for e in restored] == [90.0]


def test_bad_live_inputs_are_input_errors_and_leave_no_trace(tiny):
    s = Session(tiny(), seed=3)
    before = len(s.events)
    for call in (lambda: s.inject("meteor"), lambda: s.inject("comms_loss", duration_s=-1),
                 lambda: s.set_levels({"engage": "high"}), lambda: s.set_levels({"fire": 5}),
                 lambda: s.set_reliability(2.0), lambda: s.inject("civilian_surge")):
        with pytest.raises(InputError):
            call()
    assert len(s.events) == before and s.inputs == []
    with pytest.raises(InputError, match="seed"):
        Session(tiny(), seed=-1)
    with pytest.raises(InputError, match="'t'"):
        Session(tiny(), seed=1, inputs=[{"type": "bookmark", "label": "x"}])
