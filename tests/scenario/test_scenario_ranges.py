"""Ranges and cross-field checks: every problem located, several reported at once (issue 15)."""

from __future__ import annotations

import pytest

from hmt_sim.errors import ScenarioError
from hmt_sim.scenario import load_scenario, load_scenario_text

HEAD = "id: t\ntitle: T\n"


def _problems(text: str, overrides: dict[str, object] | None = None) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(HEAD + text, "t.yaml", overrides)
    return [str(p) for p in info.value.problems]


def test_duplicate_ids_of_every_kind_are_located_at_the_duplicate_and_reported_together(
) -> None:
    text = (
        "area:\n"
        "  regions:\n"
        "    - {id: a, rect: [0, 0, 10, 10]}\n"
        "    - {id: b, rect: [0, 0, 10, 10]}\n"
        "    - {id: a, rect: [0, 0, 10, 10]}\n"
        "  protected_sites:\n"
        "    - {id: h, at: {x: 1, y: 1}}\n"
        "    - {id: h, at: {x: 2, y: 2}}\n"
        "blue:\n"
        "  sensors:\n"
        "    - {id: s, at: {x: 1, y: 1}}\n"
        "    - {id: s, at: {x: 1, y: 1}}\n"
        "  effectors:\n"
        "    - {id: e, at: {x: 1, y: 1}}\n"
        "    - {id: e, at: {x: 1, y: 1}}\n"
        "operators: {review_time: {sigma: 9}}\n"
    )
    assert _problems(text) == [
        "t.yaml:7:12: error: area.regions.2.id: duplicate id 'a' (item 0 of the list has it "
        "already); ids must be unique",
        "t.yaml:10:12: error: area.protected_sites.1.id: duplicate id 'h' (item 0 of the list "
        "has it already); ids must be unique",
        "t.yaml:14:12: error: blue.sensors.1.id: duplicate id 's' (item 0 of the list has it "
        "already); ids must be unique",
        "t.yaml:17:12: error: blue.effectors.1.id: duplicate id 'e' (item 0 of the list has it "
        "already); ids must be unique",
        "t.yaml:18:34: error: operators.review_time.sigma: must be >= 0.0 and <= 3.0, got 9",
    ]


def test_an_inverted_envelope_rect_is_refused_like_a_region_rect() -> None:
    assert _problems("roe:\n  envelope: {rect: [10, 10, 5, 20]}\n") == [
        "t.yaml:4:20: error: roe.envelope.rect: rect must be [x0, y0, x1, y1] with x1 > x0 and "
        "y1 > y0",
    ]


def test_a_flat_envelope_rect_is_refused() -> None:
    assert len(_problems("roe:\n  envelope: {rect: [0, 5, 10, 5]}\n")) == 1


def test_scripted_roe_change_values_are_checked_at_load_time_with_their_place() -> None:
    text = (
        "injects:\n"
        "  - {kind: roe_change, at_s: 10, changes: {doubt_p: 3, fallback_level: 0.5}}\n"
        "  - {kind: roe_change, at_s: 20, changes: {min_review_s: -1, decision_logging: 0.5}}\n"
    )
    assert _problems(text) == [
        "t.yaml:4:44: error: injects.0.changes.doubt_p: must be <= 1.0, got 3 (ROE key doubt_p)",
        "t.yaml:4:56: error: injects.0.changes.fallback_level: expected a whole number, got 0.5 "
        "(ROE key fallback_level)",
        "t.yaml:5:44: error: injects.1.changes.min_review_s: must be >= 0.0, got -1 (ROE key "
        "min_review_s)",
        "t.yaml:5:62: error: injects.1.changes.decision_logging: expected true or false, got "
        "0.5 (ROE key decision_logging)",
    ]


def test_a_valid_roe_change_still_loads() -> None:
    sc = load_scenario_text(
        HEAD + "injects:\n  - {kind: roe_change, at_s: 10, changes: {doubt_p: 0.4, "
        "human_only_from_rung: null}}\n", "t.yaml")
    assert sc.injects[0].changes == {"doubt_p": 0.4, "human_only_from_rung": None}  # type: ignore[union-attr]


@pytest.mark.parametrize(("override", "message"), [
    ("operators.review_time.sigma=1000", "must be >= 0.0 and <= 3.0, got 1000"),
    ("blue.sensors.0.range_km=30000", "must be > 0.0 and <= 20000.0, got 30000"),
    ("blue.effectors.0.collateral_radius_m=200000", "must be >= 0.0 and <= 100000.0, got 200000"),
    ("escalation.gain=11", "must be >= 0.0 and <= 10.0, got 11"),
    ("ai.latency_sigma=4", "must be >= 0.0 and <= 3.0, got 4"),
    ("blue.defended_asset.x=-30000", "must be >= -20000.0 and <= 20000.0, got -30000"),
    ("run.seed=9223372036854775808", "must be >= 0 and <= 9223372036854775807, got "
     "9223372036854775808"),
])
def test_upper_bounds_name_the_override_and_the_whole_range(override: str, message: str) -> None:
    key = override.split("=", 1)[0]
    with pytest.raises(ScenarioError) as info:
        load_scenario("airbase_swarm", [override])
    assert str(info.value) == f"--set {key}: error: {key}: {message}"


def test_below_a_wide_range_only_the_lower_bound_is_named() -> None:
    assert _problems("run: {tick_s: -1}\n") == [
        "t.yaml:3:15: error: run.tick_s: must be > 0.0, got -1"]


def test_rejudge_interval_is_bounded_by_the_step_budget() -> None:
    problems = _problems("ai: {rejudge_s: 0.000001}\n")
    assert problems == [
        "t.yaml:3:17: error: ai.rejudge_s: gives 6e+08 judgements of a track over "
        "run.duration_s; the limit is 1,000,000",
    ]


def test_contact_ticks_are_bounded() -> None:
    text = (
        "run: {duration_s: 10000, tick_s: 1}\n"
        "kinds: {d: {true_class: hostile}}\n"
        "red:\n  waves:\n"
        "    - {kind: d, count: 6000, origin: {x: 0, y: 0}}\n"
    )
    (problem,) = _problems(text)
    assert problem.startswith("t.yaml:3:") and "run.tick_s: 6,000 contacts over run.duration_s "
    assert "6e+07 contact-ticks; the limit is 50,000,000" in problem


def test_names_that_point_at_nothing_come_with_the_other_problems_at_once() -> None:
    text = (
        "run: {tick_s: 0}\n"
        "ai: {region_bias: {nowhere: 2}, latency_sigma: 9}\n"
        "red:\n  waves:\n"
        "    - {kind: drone, count: 3, origin: {x: 0, y: 0}}\n"
    )
    assert _problems(text) == [
        "t.yaml:3:15: error: run.tick_s: must be > 0.0, got 0",
        "t.yaml:4:20: error: ai.region_bias.nowhere: unknown region (allowed: none: define them "
        "under area.regions)",
        "t.yaml:4:48: error: ai.latency_sigma: must be >= 0.0 and <= 3.0, got 9",
        "t.yaml:7:14: error: red.waves.0.kind: unknown contact kind 'drone' (allowed: none: "
        "define them under kinds)",
    ]


def test_a_wrong_section_does_not_invent_missing_names() -> None:
    # The duplicate region makes `area` invalid; removing it would make 'a' unknown as well.
    text = (
        "area:\n  regions:\n"
        "    - {id: a, rect: [0, 0, 10, 10]}\n"
        "    - {id: a, rect: [0, 0, 10, 10]}\n"
        "ai: {region_bias: {a: 2}}\n"
    )
    assert len(_problems(text)) == 1
