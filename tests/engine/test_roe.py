"""ROE gates on their own: each referral and blocking rule, their order, the harm estimate and
the record of revealed cases, on hand-built schema objects (no run)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pytest

from hmt_sim.roe import AssessmentRecord, GateResult, autonomy_gates, expected_harm, force_gates
from hmt_sim.scenario.schema import ROE, ContactKind

DRONE = ContactKind(true_class="hostile")  # military_by_nature, not anti-personnel
INFANTRY = ContactKind(true_class="hostile", category="personnel", anti_personnel=True)

# Every gate off: each test switches on the rule it is about.
OPEN = {"human_only_from_rung": None, "no_autonomous_anti_personnel": False,
        "autonomous_categories": None, "reliability_floor": None, "bias_gap_max": None,
        "doubt_p": None, "proportionality_lambda": None, "protected_site_gate": False}


def roe(**rules: Any) -> ROE:
    return ROE.model_validate({**OPEN, **rules})


def gates(rules: ROE, *, action: str = "engage", level: int = 8, kind: ContactKind = DRONE,
          red_rung: int = 1, killed_switch: bool = False, in_envelope: bool = True,
          record: AssessmentRecord | None = None, region: str | None = None,
          drift_detected: bool = False) -> list[GateResult]:
    return autonomy_gates(rules, action=action, level=level, kind=kind, red_rung=red_rung,
                          killed_switch=killed_switch, in_envelope=in_envelope,
                          record=record or AssessmentRecord(), region=region,
                          drift_detected=drift_detected)


def summary(results: list[GateResult]) -> list[tuple[str, int | None, bool]]:
    return [(g.rule, g.level, g.two_person) for g in results]


def record_of(cases: Sequence[tuple[bool, bool, str | None]]) -> AssessmentRecord:
    record = AssessmentRecord()
    for ai_correct, true_civilian, region in cases:
        record.add(ai_correct, true_civilian, region)
    return record


# ------------------------------------------------------------------ autonomy gates
def test_with_every_rule_off_nothing_is_referred() -> None:
    assert gates(roe(), level=10, kind=INFANTRY, red_rung=7, drift_detected=True,
                 record=bias_record(), region="old_town") == []


def test_the_kill_switch_refers_only_autonomous_levels() -> None:
    assert summary(gates(roe(), level=6, killed_switch=True)) == [("kill_switch", 5, False)]
    assert summary(gates(roe(), level=10, action="warn", killed_switch=True)) == [
        ("kill_switch", 5, False)]  # any action the AI would take on its own
    assert gates(roe(), level=5, killed_switch=True) == []
    assert gates(roe(), level=2, killed_switch=True) == []


def test_from_the_human_only_rung_lethal_force_needs_two_people() -> None:
    rules = roe(human_only_from_rung=4)
    assert gates(rules, red_rung=3) == []
    assert summary(gates(rules, red_rung=4, level=8)) == [("human_only_rung", 5, True)]
    # already in human hands: still two people, at the level in force
    assert summary(gates(rules, red_rung=6, level=5)) == [("human_only_rung", 5, True)]
    assert summary(gates(rules, red_rung=6, level=3)) == [("human_only_rung", 3, True)]
    assert gates(rules, red_rung=6, action="jam") == []  # jamming is not lethal
    [g] = gates(rules, red_rung=4)
    assert g.outcome == "referred" and "rung 4" in g.detail


def test_no_autonomous_anti_personnel_force() -> None:
    rules = roe(no_autonomous_anti_personnel=True)
    assert summary(gates(rules, kind=INFANTRY, level=7)) == [("anti_personnel", 5, False)]
    assert gates(rules, kind=INFANTRY, level=5) == []  # a human decides already
    assert gates(rules, kind=INFANTRY, level=7, action="jam") == []  # not lethal
    assert gates(rules, kind=DRONE, level=7) == []
    assert gates(roe(), kind=INFANTRY, level=7) == []  # the rule switched off


def test_only_whitelisted_categories_may_meet_autonomous_force() -> None:
    rules = roe(autonomous_categories=["military_by_nature"])
    assert gates(rules, kind=DRONE) == []
    assert summary(gates(rules, kind=INFANTRY)) == [("category_whitelist", 5, False)]
    assert summary(gates(rules, kind=INFANTRY, action="jam")) == [
        ("category_whitelist", 5, False)]  # jamming is force
    assert gates(rules, kind=INFANTRY, action="warn") == []  # a warning is not
    assert summary(gates(roe(autonomous_categories=[]), kind=DRONE)) == [
        ("category_whitelist", 5, False)]  # an empty whitelist allows nothing


def test_force_outside_the_envelope_is_referred() -> None:
    assert summary(gates(roe(), in_envelope=False)) == [("envelope", 5, False)]
    assert summary(gates(roe(), in_envelope=False, action="jam")) == [("envelope", 5, False)]
    assert gates(roe(), in_envelope=False, action="warn") == []


def test_reliability_floor_refers_to_the_fallback_level_on_measured_accuracy() -> None:
    rules = roe(reliability_floor=0.7, fallback_level=3)
    four_wrong = record_of([(False, False, None)] * 4)
    assert gates(rules, record=four_wrong) == []  # fewer than five cases measure nothing
    poor = record_of([(True, False, None)] * 3 + [(False, False, None)] * 2)  # 0.6
    [g] = gates(rules, record=poor)
    assert (g.rule, g.level, g.detail) == ("reliability_floor", 3,
                                           "measured accuracy 0.60 below floor 0.70")
    good = record_of([(True, False, None)] * 4 + [(False, False, None)])  # 0.8
    assert gates(rules, record=good) == []
    assert gates(rules, record=poor, action="warn", level=6)[0].level == 3  # any action


def test_detected_drift_refers_even_without_measurements() -> None:
    rules = roe(reliability_floor=0.7, fallback_level=4)
    [g] = gates(rules, drift_detected=True)
    assert (g.rule, g.level) == ("reliability_floor", 4) and g.detail.startswith("drift")
    assert gates(roe(), drift_detected=True) == []  # no floor, no rule


def test_a_fallback_level_above_the_level_in_force_refers_nothing() -> None:
    rules = roe(reliability_floor=0.7, fallback_level=6)
    assert gates(rules, level=5, drift_detected=True) == []


def bias_record() -> AssessmentRecord:
    """Five civilians in each region: all false alarms in the old town, none in the port."""
    return record_of([(False, True, "old_town")] * 5 + [(True, True, "port")] * 5)


def test_the_bias_gap_rule_restricts_autonomy_in_the_worst_region_only() -> None:
    rules, record = roe(bias_gap_max=0.3, fallback_level=5), bias_record()
    [g] = gates(rules, region="old_town", record=record)
    assert (g.rule, g.level, g.detail) == ("bias_gap", 5, "false-alarm gap 1.00 in old_town")
    assert gates(rules, region="port", record=record) == []
    assert gates(rules, region=None, record=record) == []
    assert gates(roe(bias_gap_max=1.0), region="old_town", record=record) == []  # not above
    assert gates(rules, region="old_town") == []  # nothing measured yet


def test_open_country_counts_as_a_region_of_its_own_for_the_bias_gap() -> None:
    record = record_of([(False, True, None)] * 5 + [(True, True, "port")] * 5)
    assert summary(gates(roe(bias_gap_max=0.3), region=None, record=record)) == [
        ("bias_gap", 5, False)]


def test_once_referred_later_rules_add_nothing_unless_they_need_two_people() -> None:
    rules = roe(no_autonomous_anti_personnel=True, autonomous_categories=["military_by_nature"],
                human_only_from_rung=2)
    results = gates(rules, level=9, kind=INFANTRY, killed_switch=True, in_envelope=False,
                    red_rung=3)
    assert summary(results) == [("kill_switch", 5, False), ("human_only_rung", 5, True)]


def test_the_last_result_holds_the_effective_level() -> None:
    rules = roe(no_autonomous_anti_personnel=True, reliability_floor=0.9, fallback_level=2)
    results = gates(rules, level=8, kind=INFANTRY, drift_detected=True)
    assert summary(results) == [("anti_personnel", 5, False), ("reliability_floor", 2, False)]


# ------------------------------------------------------------------ force gates
def test_doubt_blocks_when_the_chance_of_a_civilian_is_above_the_threshold() -> None:
    rules = roe(doubt_p=0.2)
    [g] = force_gates(rules, p_hostile=0.7, harm_estimate=0.0, advantage_estimate=1.0,
                      near_protected_site=None)
    assert (g.rule, g.outcome) == ("doubt", "blocked") and "0.30 > 0.20" in g.detail
    assert force_gates(rules, p_hostile=0.9, harm_estimate=0.0, advantage_estimate=1.0,
                       near_protected_site=None) == []
    assert force_gates(roe(doubt_p=0.25), p_hostile=0.75, harm_estimate=0.0,
                       advantage_estimate=1.0, near_protected_site=None) == []  # equal: no doubt


def test_proportionality_blocks_harm_above_lambda_times_advantage() -> None:
    rules = roe(proportionality_lambda=0.5)
    [g] = force_gates(rules, p_hostile=1.0, harm_estimate=1.1, advantage_estimate=2.0,
                      near_protected_site=None)
    assert (g.rule, g.outcome) == ("proportionality", "blocked")
    assert force_gates(rules, p_hostile=1.0, harm_estimate=1.0, advantage_estimate=2.0,
                       near_protected_site=None) == []  # equal is proportionate


def test_protected_sites_block_force_when_the_gate_is_on() -> None:
    [g] = force_gates(roe(protected_site_gate=True), p_hostile=1.0, harm_estimate=0.0,
                      advantage_estimate=1.0, near_protected_site="hospital")
    assert (g.rule, g.detail) == ("protected_site", "within reach of hospital")
    assert force_gates(roe(), p_hostile=1.0, harm_estimate=0.0, advantage_estimate=1.0,
                       near_protected_site="hospital") == []


@pytest.mark.parametrize(("doubt_p", "lam", "site", "rule"), [
    (0.2, 0.5, True, "doubt"), (None, 0.5, True, "proportionality"),
    (None, None, True, "protected_site")])
def test_force_gates_report_only_the_first_that_fires(doubt_p: float | None, lam: float | None,
                                                      site: bool, rule: str) -> None:
    rules = roe(doubt_p=doubt_p, proportionality_lambda=lam, protected_site_gate=site)
    results = force_gates(rules, p_hostile=0.5, harm_estimate=3.0, advantage_estimate=1.0,
                          near_protected_site="school")
    assert [g.rule for g in results] == [rule]


# ------------------------------------------------------------------ harm and the record
def test_expected_harm_is_incidental_harm_plus_the_people_aboard_a_possible_civilian() -> None:
    # rho pi CER^2 p_lethal: 100 per km2 x pi x (0.1 km)^2 x 0.5 = pi / 2; plus 0.2 x 10
    harm = expected_harm(density_per_km2=100, cer_m=100, p_lethal=0.5, p_hostile=0.8,
                         persons_aboard=10)
    assert harm == pytest.approx(math.pi / 2 + 2.0)
    assert expected_harm(density_per_km2=0, cer_m=500, p_lethal=1, p_hostile=1,
                         persons_aboard=50) == 0.0


def test_measured_accuracy_needs_five_cases_and_keeps_the_last_twenty() -> None:
    record = AssessmentRecord()
    for _ in range(4):
        record.add(False, False, None)
    assert record.measured_accuracy() is None
    record.add(True, False, None)
    assert record.measured_accuracy() == pytest.approx(0.2)
    for _ in range(20):
        record.add(True, False, None)
    assert record.measured_accuracy() == 1.0  # the early misses fell out of the window


def test_false_alarm_rates_count_only_civilians_and_regions_with_enough_cases() -> None:
    record = record_of([(False, True, "a")] * 5 + [(False, False, "b")] * 9
                       + [(True, True, "b")] * 4)
    assert record.fpr_gap() == (0.0, None)  # only "a" has five civilian cases
    record.add(True, True, "b")
    assert record.fpr_gap() == (1.0, "a")
    assert record.civilian_cases == {"a": [5, 5], "b": [0, 5]}


def test_the_worst_region_of_a_tie_is_the_last_by_name() -> None:
    record = record_of([(False, True, "a")] * 5 + [(False, True, "c")] * 5
                       + [(True, True, "b")] * 5)
    assert record.fpr_gap() == (1.0, "c")
