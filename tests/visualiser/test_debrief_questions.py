"""Debrief questions chosen by what happened: a question whose premise is false is not asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from hmt_sim.errors import HmtError
from hmt_sim.scenario import load_scenario
from hmt_sim.scenario.library import resolve
from hmt_sim.session import simulate
from visualiser.debrief import debrief_questions

LEAKED = "Threats got through."  # the generic question's opening words


def _scenario(tmp_path: Path, when: str) -> object:
    """training_sandbox with a condition on its third question (a file of its own)."""
    text = resolve("training_sandbox").read_text(encoding="utf-8")
    text = text.replace("\nquestions:\n", f"\nquestion_when:\n{when}\nquestions:\n", 1)
    path = tmp_path / "training_sandbox.yaml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


def test_two_runs_with_different_outcomes_get_different_questions(tmp_path: Path) -> None:
    sc = _scenario(tmp_path, '  3: "mission.leakers >= 1"')
    own = sc.questions  # type: ignore[attr-defined]
    runs = {seed: simulate(sc, seed=seed) for seed in range(1, 9)}  # type: ignore[arg-type]
    leaked = next(r for r in runs.values() if r.metrics["mission"]["leakers"] >= 1)
    clean = next(r for r in runs.values() if r.metrics["mission"]["leakers"] == 0)
    asked_leaked = debrief_questions(sc, leaked.metrics)
    asked_clean = debrief_questions(sc, clean.metrics)
    assert own[2] in asked_leaked and own[2] not in asked_clean
    for i in (0, 1, 3):  # no condition: always asked, in the scenario's order
        assert own[i] in asked_leaked and own[i] in asked_clean
    assert asked_clean[:3] == [own[0], own[1], own[3]]
    # generic questions follow the metrics too
    assert any(q.startswith(LEAKED) for q in asked_leaked)
    assert not any(q.startswith(LEAKED) for q in asked_clean)
    assert len(asked_leaked) <= len(own) + 3


def test_a_question_about_a_shot_down_airliner_only_when_force_hit_a_civilian(tmp_path: Path
                                                                              ) -> None:
    sc = _scenario(tmp_path, '  1: "harm.wrongful_engagements >= 1"')
    res = next(r for r in (simulate(sc, seed=seed) for seed in range(1, 9))  # type: ignore
               if r.metrics["harm"]["wrongful_engagements"] == 0)
    asked = debrief_questions(sc, res.metrics)
    assert sc.questions[0] not in asked  # type: ignore[attr-defined]
    hit = {**res.metrics, "harm": {**res.metrics["harm"], "wrongful_engagements": 1}}
    assert sc.questions[0] in debrief_questions(sc, hit)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("when", "message"), [
    ('  2: "harm.wrongful_engagement >= 1"', "did you mean 'harm.wrongful_engagements'"),
    ('  9: "mission.leakers >= 1"', "there is no question 9; the scenario has 4"),
    ('  2: "mission.leakers = 1"', "use == to test equality"),
])
def test_a_bad_condition_is_an_error_at_its_place(tmp_path: Path, when: str,
                                                   message: str) -> None:
    with pytest.raises(HmtError, match="question_when") as err:
        _scenario(tmp_path, when)
    assert message in str(err.value) and "training_sandbox.yaml:" in str(err.value)


def test_a_scenario_without_conditions_dumps_as_before() -> None:
    sc = load_scenario(resolve("training_sandbox"))
    assert "question_when" not in sc.model_dump(mode="json")
