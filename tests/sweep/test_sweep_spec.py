"""Sweep spec validation: valid forms, and every error located as FILE:LINE:COL with a hint."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError
from sweep_helpers import TINY, WriteSpec

from hmt_sim.cli import main
from hmt_sim.errors import InputError, ScenarioError
from hmt_sim.sweep import SweepSpec, load_spec
from hmt_sim.sweep.spec import TOP_KEYS
from hmt_sim.sweep.specfile import SpecFile


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_spec(path)
    return [str(p) for p in info.value.problems]


def test_tiny_spec_is_a_full_factorial_with_paired_seeds(write_spec: WriteSpec) -> None:
    spec = load_spec(write_spec())
    assert spec.factor_keys == ("autonomy.level", "ai.reliability")
    assert spec.points == (
        {"autonomy.level": 5, "ai.reliability": 0.6},
        {"autonomy.level": 5, "ai.reliability": 0.9},
        {"autonomy.level": 8, "ai.reliability": 0.6},
        {"autonomy.level": 8, "ai.reliability": 0.9},
    )
    assert spec.seeds == (1, 2, 3)
    assert spec.total_runs == 12
    assert spec.base_overrides == {"run.duration_s": 40}


def test_ranges_lists_and_explicit_seeds(write_spec: WriteSpec) -> None:
    spec = load_spec(write_spec(
        "scenario: airbase_swarm\n"
        "factors:\n"
        "  ai.reliability: {min: 0.5, max: 0.9, steps: 3}\n"
        "  operators.count: {min: 1, max: 3, steps: 3}\n"
        "seeds: [7, 3, 11]\n"
    ))
    assert [p["ai.reliability"] for p in spec.points[::3]] == [0.5, 0.7, 0.9]
    assert [p["operators.count"] for p in spec.points[:3]] == [1, 2, 3]
    assert all(isinstance(p["operators.count"], int) for p in spec.points)
    assert spec.seeds == (7, 3, 11)


def test_spec_hash_changes_with_what_results_depend_on(write_spec: WriteSpec) -> None:
    a = load_spec(write_spec())
    assert a.spec_hash() == load_spec(write_spec()).spec_hash()
    assert a.spec_hash() != load_spec(write_spec(), seeds=4).spec_hash()
    assert a.spec_hash() != load_spec(write_spec(),
                                      set_overrides={"run.duration_s": 41}).spec_hash()


def test_a_mapping_works_like_a_file() -> None:
    spec = load_spec({"scenario": "airbase_swarm", "factors": {"autonomy.level": [5, 6]},
                      "seeds": [1, 2]})
    assert spec.total_runs == 4


def test_unknown_top_key_gets_did_you_mean(write_spec: WriteSpec) -> None:
    path = write_spec(TINY + "desing: full_factorial\n")
    assert problems(path) == [
        f"{path}:7:1: error: desing: unknown key 'desing'; did you mean 'design'?"
    ]


def test_bad_factor_key_is_checked_by_the_scenario_loader(write_spec: WriteSpec) -> None:
    path = write_spec(TINY.replace("ai.reliability:", "ai.reliabilty:"))
    (message,) = problems(path)
    assert message.startswith(f"{path}:5:3: error: factors.ai.reliabilty: ")
    assert "did you mean 'reliability'?" in message


def test_factor_value_out_of_range_points_at_the_value(write_spec: WriteSpec) -> None:
    path = write_spec(TINY.replace("[0.6, 0.9]", "[0.6, 1.5]"))
    assert problems(path) == [
        f"{path}:5:25: error: factors.ai.reliability.1: must be >= 0.0 and <= 1.0, got 1.5"
    ]


def test_every_problem_is_reported_together(write_spec: WriteSpec) -> None:
    path = write_spec(
        "scenario: airbase_swarm\n"
        "design: {lhs: 0}\n"
        "factors:\n"
        "  ai.reliability: {min: 0.9, max: 0.5}\n"
        "seeds: [1, 2, 2, -4]\n"
        "metrics: [harm.civilian_casualtie]\n"
    )
    got = problems(path)
    assert got[0] == f"{path}:2:15: error: design.lhs: expected a number of points >= 1, got 0"
    assert f"{path}:4:35: error: factors.ai.reliability.max: must be >= min (0.9), got 0.5" in got
    assert any(p.startswith(f"{path}:5:15: error: seeds.2: seed 2 is listed twice") for p in got)
    assert f"{path}:5:18: error: seeds.3: expected a whole number >= 0, got -4" in got
    assert (f"{path}:6:11: error: metrics.0: unknown metric 'harm.civilian_casualtie'; did you "
            "mean 'harm.civilian_casualties'?") in got


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("design: lhs\n", "design: unknown design 'lhs'; give the number of points"),
        ("design: {sobl: 8}\n", "design.sobl: unknown design 'sobl'; did you mean 'sobol'?"),
        ("design: full_factorail\n", "did you mean 'full_factorial'?"),
    ],
)
def test_design_errors(write_spec: WriteSpec, line: str, expected: str) -> None:
    (message,) = problems(write_spec(TINY + line))
    assert expected in message


def test_range_under_full_factorial_needs_steps(write_spec: WriteSpec) -> None:
    path = write_spec(TINY.replace("[0.6, 0.9]", "{min: 0.6, max: 0.9}"))
    (message,) = problems(path)
    assert message.startswith(f"{path}:5:19: error: factors.ai.reliability: a range needs steps")


def test_bad_base_override_is_located_in_set(write_spec: WriteSpec) -> None:
    path = write_spec(TINY.replace("{run.duration_s: 40}", "{run.duration_s: -1}"))
    assert problems(path) == [
        f"{path}:2:23: error: set.run.duration_s: must be > 0.0, got -1"
    ]


def test_combination_rules_are_checked_per_design_point(write_spec: WriteSpec) -> None:
    spec = load_spec(write_spec(
        "scenario: airbase_swarm\n"
        "factors:\n  autonomy.level: [1, 10]\n  autonomy.veto_window_s: [5, 30]\n"
        "seeds: [1]\n"))
    assert spec.total_runs == 4


def test_missing_file_and_scenario(write_spec: WriteSpec, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such sweep spec file"):
        load_spec(tmp_path / "nope.yaml")
    path = write_spec(TINY.replace("airbase_swarm", "airbase_swarn"))
    (message,) = problems(path)
    assert message.startswith(f"{path}:1:11: error: scenario: unknown scenario 'airbase_swarn'")
    assert "did you mean 'airbase_swarm'?" in message


def test_python_tags_are_refused(write_spec: WriteSpec) -> None:
    path = write_spec(TINY + "name: !!python/object:os.system echo\n")
    (message,) = problems(path)
    assert "is not allowed" in message


def test_cli_prints_located_errors_and_exits_2(write_spec: WriteSpec, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = write_spec(TINY.replace("[0.6, 0.9]", "[0.6, 1.5]"))
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{path}:5:25: error: factors.ai.reliability.1:" in err
    assert not (tmp_path / "out").exists()


def test_the_spec_is_a_frozen_pydantic_model(write_spec: WriteSpec) -> None:
    spec = load_spec(write_spec())
    assert isinstance(spec, BaseModel)
    assert SweepSpec.model_validate(spec.model_dump()) == spec
    with pytest.raises(ValidationError):
        spec.seeds = (9,)  # type: ignore[misc]
    with pytest.raises(ValidationError, match="design_n is the number of points"):
        SweepSpec.model_validate({**spec.model_dump(), "design": "lhs"})
    # every key the file may hold is a field of the file's model, and only those
    assert {f.alias or name for name, f in SpecFile.model_fields.items()} == set(TOP_KEYS)


def test_a_null_scenario_and_a_bad_metric_are_located(write_spec: WriteSpec) -> None:
    path = write_spec("scenario: null\nseeds: [1]\n")
    assert problems(path) == [f"{path}:1:11: error: scenario: expected a scenario file or a "
                              "bundled scenario id, got null"]
    path = write_spec("scenario: airbase_swarm\nmetrics: [5, harm.nope]\nseeds: [1]\n")
    got = problems(path)
    assert got[0] == f"{path}:2:11: error: metrics.0: expected a metric name, got 5"
    assert got[1].startswith(f"{path}:2:14: error: metrics.1: unknown metric 'harm.nope'")


def test_command_line_set_is_checked_even_when_the_file_set_is_broken(
        write_spec: WriteSpec) -> None:
    path = write_spec(TINY.replace("{run.duration_s: 40}", "[1]"))
    with pytest.raises(ScenarioError) as info:
        load_spec(path, set_overrides={"ai.reliabilty": 0.5})
    assert [str(p) for p in info.value.problems] == [
        "--set ai.reliabilty: error: ai.reliabilty: unknown key 'reliabilty'; did you mean "
        "'reliability'?",
        f"{path}:2:6: error: set: expected a mapping of dotted keys to values, e.g. "
        "{run.duration_s: 300}",
    ]


def test_bad_seed_overrides_are_input_errors(write_spec: WriteSpec) -> None:
    with pytest.raises(InputError, match="need at least 1 seed"):
        load_spec(write_spec(), seeds=0)
    with pytest.raises(InputError, match="distinct seeds >= 0"):
        load_spec(write_spec(), seeds=[1, 1])
    assert load_spec(write_spec(), seeds=[4, 2]).seeds == (4, 2)
