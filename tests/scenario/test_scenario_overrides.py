"""Overrides are applied to the raw mapping and validated like file content."""

from __future__ import annotations

from pathlib import Path

import pytest

from hmt_sim.errors import InputError, ScenarioError
from hmt_sim.scenario import (
    ACTION_CLASSES,
    apply_overrides,
    load_scenario,
    load_scenario_text,
    parse_overrides,
)

REPO = Path(__file__).resolve().parents[2]
AIRBASE = REPO / "scenarios" / "airbase_swarm.yaml"
HEADER = "id: test_case\ntitle: A test scenario\n"


def test_parse_overrides_uses_yaml_scalars() -> None:
    parsed = parse_overrides(
        ["autonomy.level=7", "ai.reliability=0.6", "roe.decision_logging=true",
         "roe.doubt_p=null", "area.regions.0.rect=[1, 2, 3, 4]", "title=Night shift",
         "description="]
    )  # fmt: skip
    assert parsed == {
        "autonomy.level": 7,
        "ai.reliability": 0.6,
        "roe.decision_logging": True,
        "roe.doubt_p": None,
        "area.regions.0.rect": [1, 2, 3, 4],
        "title": "Night shift",
        "description": None,
    }


def test_parse_overrides_value_may_contain_equals() -> None:
    assert parse_overrides(["title=a=b"]) == {"title": "a=b"}


@pytest.mark.parametrize("item", ["autonomy.level", "=7", "autonomy..level=7", " =1"])
def test_parse_overrides_rejects_malformed_items(item: str) -> None:
    with pytest.raises(InputError, match="bad override"):
        parse_overrides([item])


def test_parse_overrides_message_for_missing_equals() -> None:
    with pytest.raises(InputError) as info:
        parse_overrides(["autonomy.level"])
    assert str(info.value) == (
        "bad override 'autonomy.level': expected KEY=VALUE, for example autonomy.level=7"
    )


def test_parse_overrides_rejects_unsafe_values() -> None:
    with pytest.raises(InputError, match="is not allowed"):
        parse_overrides(["briefing=!!python/object/apply:os.system ['true']"])


def test_autonomy_level_sets_every_action_class() -> None:
    sc = load_scenario(AIRBASE, ["autonomy.level=7"])
    assert sc.autonomy.levels == dict.fromkeys(ACTION_CLASSES, 7)


def test_autonomy_level_mapping_form() -> None:
    sc = load_scenario(AIRBASE, {"autonomy.level": 9})
    assert sc.autonomy.levels == {"warn": 9, "jam": 9, "engage": 9}


def test_autonomy_level_creates_missing_sections() -> None:
    sc = load_scenario_text(HEADER, overrides={"autonomy.level": 3})
    assert sc.autonomy.levels == {"warn": 3, "jam": 3, "engage": 3}


def test_one_action_class() -> None:
    sc = load_scenario(AIRBASE, ["autonomy.levels.engage=6"])
    assert sc.autonomy.levels == {"warn": 7, "jam": 7, "engage": 6}


@pytest.mark.parametrize(
    ("item", "attribute", "expected"),
    [
        ("ai.reliability=0.6", ("ai", "reliability"), 0.6),
        ("operators.count=2", ("operators", "count"), 2),
        ("roe.min_review_s=20", ("roe", "min_review_s"), 20.0),
        ("autonomy.veto_window_s=4.5", ("autonomy", "veto_window_s"), 4.5),
        ("ai.drift.rate_per_s=0.01", ("ai", "drift", "rate_per_s"), 0.01),
    ],
)
def test_simple_overrides(item: str, attribute: tuple[str, ...], expected: object) -> None:
    value: object = load_scenario(AIRBASE, [item])
    for name in attribute:
        value = getattr(value, name)
    assert value == expected


def test_integer_segments_index_lists() -> None:
    sc = load_scenario(
        AIRBASE, ["red.waves.1.count=5", "area.regions.0.civilian_density_per_km2=10"]
    )
    assert [w.count for w in sc.red.waves] == [16, 5, 10]
    assert sc.area.regions[0].civilian_density_per_km2 == 10.0


def test_apply_overrides_does_not_mutate_input() -> None:
    data = {"id": "x", "autonomy": {"levels": {"warn": 5}}}
    result = apply_overrides(data, {"autonomy.level": 8, "red.waves": []})
    assert data == {"id": "x", "autonomy": {"levels": {"warn": 5}}}
    assert result == {
        "id": "x",
        "autonomy": {"levels": {"warn": 8, "jam": 8, "engage": 8}},
        "red": {"waves": []},
    }


def _override_problems(overrides: object) -> list:
    with pytest.raises(ScenarioError) as info:
        load_scenario(AIRBASE, overrides)  # type: ignore[arg-type]
    return info.value.problems


def test_out_of_range_override_is_located_at_the_override() -> None:
    (problem,) = _override_problems(["ai.reliability=1.6"])
    assert str(problem) == (
        "--set ai.reliability: error: ai.reliability: must be >= 0.0 and <= 1.0, got 1.6"
    )


def test_autonomy_level_out_of_range_is_reported_once() -> None:
    (problem,) = _override_problems({"autonomy.level": 12})
    assert (problem.file, problem.line, problem.column) == ("--set autonomy.level", 0, 0)
    assert problem.message == "must be >= 1 and <= 10, got 12"


def test_unknown_override_key_gets_did_you_mean() -> None:
    (problem,) = _override_problems(["autonomy.levl=7"])
    assert str(problem) == (
        "--set autonomy.levl: error: autonomy.levl: unknown key 'levl'; did you mean 'levels'?"
    )


def test_unknown_override_section() -> None:
    (problem,) = _override_problems(["escalaton.gain=0.6"])
    assert problem.file == "--set escalaton.gain"
    assert problem.path == "escalaton"
    assert problem.message == "unknown key 'escalaton'; did you mean 'escalation'?"


def test_unknown_action_class_override() -> None:
    (problem,) = _override_problems(["autonomy.levels.engag=6"])
    assert problem.message == (
        "unknown action class 'engag'; did you mean 'engage'? (allowed: warn, jam, engage)"
    )


def test_override_list_index_out_of_range() -> None:
    (problem,) = _override_problems(["red.waves.7.count=1"])
    assert problem.file == "--set red.waves.7.count"
    assert problem.message == "no item 7: red.waves has 3 items"


def test_override_into_a_scalar() -> None:
    (problem,) = _override_problems(["run.duration_s.x=1"])
    assert problem.message == "cannot set 'x': run.duration_s is not a mapping"


def test_wrong_type_override() -> None:
    (problem,) = _override_problems({"operators.count": "two"})
    assert str(problem) == (
        "--set operators.count: error: operators.count: expected a whole number, got 'two'"
    )


def test_file_and_override_problems_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(HEADER + "run:\n  tick_s: -1\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, ["roe.min_review_s=-5"])
    assert [str(p) for p in info.value.problems] == [
        f"{path}:4:11: error: run.tick_s: must be > 0.0, got -1",
        "--set roe.min_review_s: error: roe.min_review_s: must be >= 0.0, got -5",
    ]


def test_override_fixing_a_file_value_counts(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(HEADER + "autonomy:\n  levels: {engage: 12}\n", encoding="utf-8")
    assert load_scenario(path, ["autonomy.levels.engage=6"]).autonomy.level("engage") == 6


def test_overriding_the_injects_drops_their_translated_labels() -> None:
    """A sweep's ``injects: []`` used to be refused because the scenario's Dutch inject labels
    no longer matched; the labels follow the injects away, the other translations stay."""
    from hmt_sim.scenario import load_scenario

    base = load_scenario("urban_nomination")
    assert base.injects and base.translations["nl"].injects
    none = load_scenario("urban_nomination", overrides={"injects": []})
    assert none.injects == () and none.translations["nl"].injects is None
    assert none.translations["nl"].briefing == base.translations["nl"].briefing
    assert none.text("nl").injects == ()
    same = load_scenario("urban_nomination", overrides={"injects.0.at_s": 30})
    assert same.translations["nl"].injects == base.translations["nl"].injects


def test_overriding_the_questions_drops_their_conditions_and_translations() -> None:
    """A workshop's own questions replace the scenario's: the conditions and Dutch texts of
    the old questions no longer apply (they used to make the override an error)."""
    from hmt_sim.scenario import load_scenario

    base = load_scenario("airbase_swarm")
    assert base.question_when and base.translations["nl"].questions
    own = load_scenario("airbase_swarm", overrides={"questions": ["What did you learn?"]})
    assert own.questions == ("What did you learn?",) and own.question_when == {}
    assert own.translations["nl"].questions is None
    kept = load_scenario("airbase_swarm", overrides={
        "questions": ["One?", "Two?"], "question_when": {2: "harm.wrongful_engagements >= 1"}})
    assert kept.question_when == {2: "harm.wrongful_engagements >= 1"}
