"""The registries: names are identifiers, duplicates need replace=True, the built-in defaults
stay, and a scenario naming something nobody provides gets a located error with did-you-mean."""

from __future__ import annotations

from typing import Any

import pytest

from hmt_sim import metrics as metric_groups
from hmt_sim import plugins
from hmt_sim.errors import InputError, ScenarioError
from hmt_sim.plugins import PluginError
from hmt_sim.scenario import load_scenario, load_scenario_text
from tests.plugins.scenarios import CUED


class Fifty:
    def classify(self, obs: Any) -> dict[str, float]:
        return {"hostile": 0.5}


def test_a_name_is_registered_once_unless_replaced() -> None:
    def first(setup: Any) -> Fifty:
        return Fifty()

    def second(setup: Any) -> Fifty:
        return Fifty()

    plugins.register_classifier("fifty", first)
    with pytest.raises(InputError, match="already registered; pass replace=True"):
        plugins.register_classifier("fifty", second)
    assert plugins.classifiers.get("fifty") is first
    plugins.register_classifier("fifty", second, replace=True)
    assert plugins.classifiers.get("fifty") is second
    plugins.classifiers.unregister("fifty")
    assert "fifty" not in plugins.classifiers.names()


@pytest.mark.parametrize("name", ["Logistic", "my-model", "2fast", "", "a.b", "mypkg:func"])
def test_names_are_identifiers(name: str) -> None:
    with pytest.raises(InputError, match="lower-case identifier"):
        plugins.register_classifier(name, lambda setup: Fifty())


def test_the_built_in_defaults_cannot_be_replaced_or_removed() -> None:
    with pytest.raises(InputError, match="built in"):
        plugins.register_classifier("parametric", lambda setup: Fifty(), replace=True)
    with pytest.raises(InputError, match="built in"):
        plugins.operators.unregister("model")
    assert plugins.classifiers.get("parametric") is plugins.ParametricModel
    assert "model" in plugins.operators.names()


def test_a_factory_must_be_callable() -> None:
    with pytest.raises(InputError, match="must be callable"):
        plugins.register_operator("nothing", "mypkg:Policy")  # type: ignore[arg-type]


def test_metric_names_cannot_take_a_built_in_group() -> None:
    assert plugins.BUILTIN_GROUPS == metric_groups.GROUPS
    for group in metric_groups.GROUPS:
        with pytest.raises(PluginError, match="built-in metric group"):
            plugins.register_metric(group, lambda events: {})


def _problems(text: str, overrides: dict[str, Any] | None = None) -> list[Any]:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "cued.yaml", overrides=overrides)
    return info.value.problems


def test_an_unknown_classifier_is_located_with_did_you_mean() -> None:
    plugins.register_classifier("logistic", lambda setup: Fifty())
    text = CUED.replace("ai:\n  reliability: 0.8\n", "ai:\n  reliability: 0.8\n"
                        "  classifier: logistc\n")
    line = text.splitlines().index("  classifier: logistc") + 1
    (problem,) = _problems(text)
    assert (problem.file, problem.line, problem.column, problem.path) == (
        "cued.yaml", line, 15, "ai.classifier")
    assert "unknown classifier 'logistc'; did you mean 'logistic'?" in problem.message
    assert "available: logistic, parametric" in problem.message
    assert str(problem).startswith(f"cued.yaml:{line}:15: error: ai.classifier: ")


def test_an_unknown_policy_is_located_too_and_from_an_override() -> None:
    plugins.register_operator("cautious", lambda setup: None)
    text = CUED.replace("operators: {count: 2}", "operators: {count: 2, policy: cautius}")
    line = text.splitlines().index("operators: {count: 2, policy: cautius}") + 1
    (problem,) = _problems(text)
    assert (problem.line, problem.path) == (line, "operators.policy")
    assert "unknown operator policy 'cautius'; did you mean 'cautious'?" in problem.message
    (problem,) = _problems(CUED, {"operators.policy": "cautius"})
    assert problem.file == "--set operators.policy"
    assert "did you mean 'cautious'?" in problem.message


def test_a_name_that_is_not_an_identifier_is_refused_by_the_schema() -> None:
    (problem,) = _problems(CUED, {"ai.classifier": "mypkg.models:Logistic"})
    assert problem.path == "ai.classifier"
    assert "lower-case name" in problem.message


def test_a_registered_name_is_a_valid_scenario_value() -> None:
    plugins.register_classifier("fifty", lambda setup: Fifty())
    sc = load_scenario("airbase_swarm", overrides={"ai.classifier": "fifty"})
    assert sc.ai.classifier == "fifty"
    plugins.classifiers.unregister("fifty")
    with pytest.raises(ScenarioError, match="unknown classifier 'fifty'"):
        load_scenario("airbase_swarm", overrides={"ai.classifier": "fifty"})
