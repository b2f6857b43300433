"""Metric functions on hand-built event logs with known answers, including empty denominators."""

from __future__ import annotations

import pytest

from hmt_sim.events import EventLog
from hmt_sim.metrics import compute_metrics, flatten, timeseries

PARAMS = {"duration_s": 100.0, "operators": 2, "min_review_s": 10.0,
          "proportionality_lambda": 1.0, "operator_rt95_s": 18.0, "veto_window_s": 10.0,
          "regions": ["city", "farm"], "start_rung_blue": 1, "start_rung_red": 1}


def build() -> EventLog:
    """Three hostile drones and two civilians; four decisions with known outcomes."""
    log = EventLog()
    e = log.emit
    e(0, "run_started", scenario="hand", seed=0, version="t", params=PARAMS)
    for track, cls in [(1, "hostile"), (2, "hostile"), (3, "hostile"), (4, "civilian"),
                       (5, "civilian")]:
        e(0, "spawn", track, contact_kind="k", true_class=cls, x=0, y=0)
        e(1, "detection", track, sensor="r", x=0, y=0, region="city")
    # Decision 1: track 1 approved after 12 s with verification -> meaningful, kills, no harm.
    e(2, "recommendation", 1, decision=1, action="engage", label="hostile", confidence=0.9,
      level=5, protocol="approval", ai_wrong=False)
    e(14, "approval", 1, decision=1, operator=0, review_s=12.0, verified=True, by="model")
    e(14, "review_ended", 1, decision=1, operator=0, duration_s=12.0, purpose="approval",
      outcome="approve", verified=True)
    e(14, "engagement", 1, decision=1, action="engage", effector="l", authorised_by="human",
      level=5, operator=0, rationale="r", ai_version="v", in_envelope=True, verified=True,
      review_s=12.0)
    e(15, "effect", 1, decision=1, action="engage", success=True, civilian_harm=0,
      target_civilian=False, region="city", military_advantage=1.0)
    # Decision 2: civilian track 4 rubber-stamped (3 s, unverified) -> wrongful, 5 harmed.
    e(20, "recommendation", 4, decision=2, action="engage", label="hostile", confidence=0.95,
      level=5, protocol="approval", ai_wrong=True)
    e(23, "approval", 4, decision=2, operator=1, review_s=3.0, verified=False, by="model")
    e(23, "review_ended", 4, decision=2, operator=1, duration_s=3.0, purpose="approval",
      outcome="approve", verified=False)
    e(23, "engagement", 4, decision=2, action="engage", effector="l", authorised_by="human",
      level=5, operator=1, rationale="r", ai_version="v", in_envelope=True, verified=False,
      review_s=3.0)
    e(24, "effect", 4, decision=2, action="engage", success=True, civilian_harm=5,
      target_civilian=True, region="farm", military_advantage=0.0)
    # Decision 3: civilian track 5 vetoed at level 6 after 4 s -> a good override.
    e(30, "recommendation", 5, decision=3, action="engage", label="hostile", confidence=0.8,
      level=6, protocol="veto", ai_wrong=True)
    e(34, "veto", 5, decision=3, operator=0, review_s=4.0, verified=True, by="model")
    e(34, "review_ended", 5, decision=3, operator=0, duration_s=4.0, purpose="veto",
      outcome="veto", verified=True)
    # Decision 4: track 2 autonomous at level 8, out of the loop, untraced; misses.
    e(40, "recommendation", 2, decision=4, action="engage", label="hostile", confidence=0.9,
      level=8, protocol="on_request", ai_wrong=False)
    e(40, "engagement", 2, decision=4, action="engage", effector="l", authorised_by="ai",
      level=8, operator=None, rationale="r", ai_version="v", in_envelope=False, verified=False,
      review_s=0.0)
    e(41, "effect", 2, decision=4, action="engage", success=False, civilian_harm=0,
      target_civilian=False, region="city", military_advantage=0.0)
    e(60, "impact", 2, damage=1.0)
    e(60, "impact", 3, damage=2.0)
    e(50, "escalation_step", side="red", from_rung=1, to_rung=3, causes=[12],
      inadvertent=True, reason="wrongful_civilian_strike")
    e(100, "run_ended", duration_s=100.0)
    return log


def test_control_metrics_known_answers():
    c = compute_metrics(build().events)["control"]
    assert c["uses_of_force"] == 3
    assert c["human_authorisation_rate"] == pytest.approx(2 / 3)
    assert c["meaningful_review_rate"] == pytest.approx(1 / 3)
    assert c["rubber_stamp_rate"] == pytest.approx(1 / 2)
    assert c["veto_opportunity_ratio"] == 0.0  # one autonomous UoF, at level 8: no window
    assert c["override_rate"] == pytest.approx(1 / 4)
    assert c["override_of_wrong_rate"] == pytest.approx(1 / 2)
    assert c["override_of_right_rate"] == 0.0
    assert c["time_to_intervene_s"] == pytest.approx(4.0)
    assert c["tracing_completeness"] == pytest.approx(2 / 3)
    assert c["envelope_compliance"] == pytest.approx(2 / 3)
    assert c["out_of_loop_exposure"] == pytest.approx(1 / 3)
    assert c["commission_error_rate"] == pytest.approx(1 / 2)


def test_harm_and_mission_known_answers():
    m = compute_metrics(build().events)
    h, mi = m["harm"], m["mission"]
    assert h["civilian_casualties"] == 5
    assert h["harm_by_region"] == {"city": 0, "farm": 5, "open": 0}
    assert h["civilians_presented"] == 2 and h["civilians_engaged"] == 1
    assert h["distinction_fpr"] == pytest.approx(0.5)
    assert h["false_discovery_rate"] == pytest.approx(1 / 3)
    assert h["wrongful_engagements"] == 1
    assert h["excessive_engagements"] == 1
    assert h["harm_per_advantage"] == pytest.approx(5.0)
    # engage recs on tracks 1, 4, 5, 2: 1 verified, 5 vetoed -> 2 of 4 careful
    assert h["precaution_score"] == pytest.approx(0.5)
    assert mi["threats_neutralised"] == 1 and mi["leakers"] == 2
    assert mi["friendly_losses"] == 3.0
    assert mi["missed_engagements"] == 1  # track 3 leaked untouched; track 2 was engaged
    assert mi["mean_time_to_action_s"] == pytest.approx(((14 - 1) + (40 - 1)) / 2)
    assert mi["defence_rate"] == pytest.approx(1 / 3)


def test_escalation_known_answers():
    esc = compute_metrics(build().events)["escalation"]
    assert esc["max_rung_red"] == 3 and esc["final_rung_blue"] == 1
    assert esc["threshold_crossings"] == 1  # 1 -> 3 crosses rung 2 only
    assert esc["time_above_threshold_s"] == {"red_rung_1": 100.0, "red_rung_2": 50.0,
                                             "red_rung_6": 0.0}
    assert esc["inadvertent_steps"] == 1
    # three engagements (28 each) and one violent step to rung 3 (28)
    assert esc["score_total"] == 4 * 28
    assert sum(esc["score_per_interval"]) == esc["score_total"]


def test_human_metrics_known_answers():
    h = compute_metrics(build().events)["human"]
    assert h["human_decisions"] == 3
    assert h["mean_decision_time_s"] == pytest.approx((12 + 3 + 4) / 3)
    assert h["verification_rate"] == pytest.approx(2 / 3)
    assert h["over_reliance"] == pytest.approx(1 / 2)  # wrong recs judged: 1 approved, 1 vetoed
    assert h["under_reliance"] == 0.0


def test_empty_denominators_are_none_not_zero():
    log = EventLog()
    log.emit(0, "run_started", scenario="empty", seed=0, version="t", params=PARAMS)
    log.emit(100, "run_ended", duration_s=100.0)
    m = compute_metrics(log.events)
    for key in ("human_authorisation_rate", "meaningful_review_rate", "rubber_stamp_rate",
                "veto_opportunity_ratio", "override_rate", "time_to_intervene_s",
                "tracing_completeness", "envelope_compliance", "out_of_loop_exposure",
                "commission_error_rate"):
        assert m["control"][key] is None, key
    assert m["harm"]["distinction_fpr"] is None and m["harm"]["false_discovery_rate"] is None
    assert m["harm"]["civilian_casualties"] == 0
    assert m["mission"]["defence_rate"] is None and m["mission"]["leakers"] == 0
    assert m["human"]["over_reliance"] is None and m["human"]["mean_decision_time_s"] is None
    flat = flatten(m)
    assert flat["control.commission_error_rate"] is None
    assert flat["harm.harm_by_region.city"] == 0
    assert not any(isinstance(v, list) for v in flat.values())


def test_timeseries_cumulates_harm_between_samples():
    log = build()
    for t in (0.0, 20.0, 30.0):
        log.emit(t, "sample", trust=0.5, utilisation=0.0, queue=0, ai_accuracy=0.9,
                 rung_blue=1, rung_red=1)
    ts = timeseries(log.events)
    assert list(ts["t"]) == [0.0, 20.0, 30.0]
    # samples were appended after all effects, so each sees everything before it in the log
    assert list(ts["civilian_harm_cum"]) == [5, 5, 5]
    assert list(ts["leakers_cum"]) == [2, 2, 2]


def test_event_log_rejects_unknown_kinds_and_missing_fields():
    log = EventLog()
    with pytest.raises(KeyError, match="unknown event kind"):
        log.emit(0, "explosion")
    with pytest.raises(KeyError, match="lacks field 'damage'"):
        log.emit(0, "impact", 1)


def test_ai_metrics_calibration_and_regional_gaps():
    log = EventLog()
    log.emit(0, "run_started", scenario="ai", seed=0, version="t", params=PARAMS)
    track = 0
    # city: 10 civilians, 4 false alarms; farm: 10 civilians, 1 false alarm; all at conf 0.9
    for region, false_alarms in (("city", 4), ("farm", 1)):
        for i in range(10):
            log.emit(0, "spawn", track, contact_kind="k", true_class="civilian", x=0, y=0)
            label = "hostile" if i < false_alarms else "civilian"
            log.emit(1, "classification", track, label=label, confidence=0.9,
                     correct=label == "civilian", accuracy=0.9, region=region)
            track += 1
    ai = compute_metrics(log.events)["ai"]
    assert ai["cases"] == 20 and ai["accuracy"] == pytest.approx(15 / 20)
    assert ai["expected_calibration_error"] == pytest.approx(abs(0.75 - 0.9))
    assert ai["fpr_by_region"] == {"city": pytest.approx(0.4), "farm": pytest.approx(0.1)}
    assert ai["fpr_gap"] == pytest.approx(0.3)
    assert ai["tpr_gap"] is None  # no region has enough hostile cases


def test_trust_min_and_final_agree_when_nothing_was_assessed():
    log = EventLog()
    log.emit(0, "run_started", scenario="quiet", seed=0, version="t", params=PARAMS)
    log.emit(0, "sample", trust=0.5, utilisation=0.0, queue=0, ai_accuracy=0.9, rung_blue=1,
             rung_red=1)
    log.emit(100, "run_ended", duration_s=100.0)
    human = compute_metrics(log.events)["human"]
    assert human["trust_final"] == human["trust_min"] == 0.5


def test_two_vetoes_on_one_decision_count_once_and_roe_changes_apply_from_their_time():
    log = EventLog()
    e = log.emit
    e(0, "run_started", scenario="two", seed=0, version="t", params=PARAMS)  # min_review 10 s
    e(0, "spawn", 1, contact_kind="k", true_class="civilian", x=0, y=0)
    e(1, "recommendation", 1, decision=1, action="engage", label="hostile", confidence=0.9,
      level=5, protocol="approval", ai_wrong=True)
    for op in (0, 1):
        e(5, "veto", 1, decision=1, operator=op, review_s=4.0, verified=True, by="person")
    e(2, "spawn", 2, contact_kind="k", true_class="hostile", x=0, y=0)
    e(50, "inject", inject="roe_change", label="x", source="scenario:0",
      params={"changes": {"min_review_s": 5.0}})
    e(60, "recommendation", 2, decision=2, action="engage", label="hostile", confidence=0.9,
      level=5, protocol="approval", ai_wrong=False)
    e(66, "approval", 2, decision=2, operator=0, review_s=6.0, verified=True, by="model")
    e(66, "engagement", 2, decision=2, action="engage", effector="l", authorised_by="human",
      level=5, operator=0, rationale="r", ai_version="v", in_envelope=True, verified=True,
      review_s=6.0)
    e(100, "run_ended", duration_s=100.0)
    c = compute_metrics(log.events)["control"]
    assert c["override_rate"] == pytest.approx(1 / 2)  # one of two decisions overridden
    assert c["time_to_intervene_s"] == pytest.approx(4.0)
    # 6 s of review met the 5 s rule in force at 66 s (it was 10 s at the start)
    assert c["meaningful_review_rate"] == 1.0 and c["rubber_stamp_rate"] == 0.0


def test_tlx_profile_from_review_events():
    log = build()
    # two approval reviews started: W 0.5 and 1.0; verification needs 5 s of 10 s and 20 s of 10 s
    log.emit(2, "review_started", 1, decision=1, operator=0, purpose="approval",
             deadline_s=12.0, workload=0.5, time_needed_s=5.0)
    log.emit(20, "review_started", 4, decision=2, operator=1, purpose="approval",
             deadline_s=30.0, workload=1.0, time_needed_s=20.0)
    tlx = compute_metrics(log.events)["human"]["tlx"]
    assert tlx["mental"] == pytest.approx(0.75)
    assert tlx["temporal"] == pytest.approx((0.5 + 1.0) / 2)
    assert tlx["performance"] == pytest.approx(1 / 3)  # one wrong call approved, of three
    assert tlx["frustration"] == pytest.approx(1 / 3)  # one veto, of three judgements
    assert 0 <= tlx["effort"] <= 1
