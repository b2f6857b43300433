"""Whatever bytes a file holds, loading ends in a Scenario or a located ScenarioError."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmt_sim.errors import ScenarioError
from hmt_sim.scenario import Scenario, load_scenario, load_scenario_text

AIRBASE = (Path(__file__).resolve().parents[2] / "scenarios" / "airbase_swarm.yaml").read_text(
    encoding="utf-8"
)
YAML_ALPHABET = st.sampled_from(list("abc:-[]{}&*!|>'\"#,?\n\t 0123456789.~%@`"))


def _load_or_located_error(text: str) -> None:
    try:
        assert isinstance(load_scenario_text(text, "fuzz.yaml"), Scenario)
    except ScenarioError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == "fuzz.yaml"
            assert problem.line >= 1 and problem.column >= 1
            assert "Traceback" not in problem.message


@settings(max_examples=300, deadline=None)
@given(st.text(YAML_ALPHABET, max_size=80))
def test_yaml_like_text_never_crashes(text: str) -> None:
    _load_or_located_error(text)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(AIRBASE) - 1), st.integers(1, 40), st.text(YAML_ALPHABET, max_size=6))
def test_mutated_bundled_scenario_never_crashes(start: int, length: int, insert: str) -> None:
    _load_or_located_error(AIRBASE[:start] + insert + AIRBASE[start + length :])


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_crash(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(raw)
    try:
        load_scenario(path)
    except ScenarioError as exc:
        assert all(p.line >= 1 and p.column >= 1 for p in exc.problems)
