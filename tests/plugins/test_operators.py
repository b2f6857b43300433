"""Operator-policy plugins: a policy sees the card, never whether the AI is right, and its
verdicts drive approvals and vetoes end to end."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from hmt_sim import plugins, simulate
from hmt_sim.plugins import Card, PluginError, Verdict
from hmt_sim.scenario import load_scenario_text
from tests.plugins.scenarios import CUED

CARD = {"action", "lethal", "label", "confidence", "explanation_quality", "level",
        "time_available_s", "workload", "trust", "veto", "doubt_p", "screening"}


class Fixed:
    """Approves or vetoes everything, after 3 s, keeping the cards and generators it got."""

    def __init__(self, approve: bool) -> None:
        self.approve = approve
        self.cards: list[Any] = []
        self.rngs: list[Any] = []

    def decide(self, card: Card, rng: np.random.Generator) -> Verdict:
        self.cards.append(card)
        self.rngs.append(rng)
        return Verdict(approve=self.approve, duration_s=3.0)


def _register(name: str, approve: bool) -> list[Fixed]:
    made: list[Fixed] = []

    def factory(setup: plugins.PolicySetup) -> Fixed:
        assert setup.spec.count == 2 and setup.seat in (0, 1)
        made.append(Fixed(approve))
        return made[-1]

    plugins.register_operator(name, factory)
    return made


def _run(policy: str, seed: int = 1, **overrides: Any) -> Any:
    sc = load_scenario_text(CUED, "cued.yaml", overrides={"operators.policy": policy,
                                                         **overrides})
    return simulate(sc, seed=seed)


def test_a_policy_sees_the_card_and_not_the_truth() -> None:
    made = _register("approve_all", approve=True)
    _run("approve_all")
    cards = [c for policy in made for c in policy.cards]
    assert len(made) == 2 and cards  # one policy per seat
    for card in cards:
        assert {f.name for f in dataclasses.fields(card)} == CARD
        for secret in ("ai_wrong", "correct", "true_class", "hostile", "draws"):
            assert not hasattr(card, secret)
        assert card.level in (4, 5) and card.veto is False  # 4: an operator flagged a miss
        assert 0.0 <= card.trust <= 1.0 and card.time_available_s > 0
    assert {c.action for c in cards} <= {"warn", "jam", "engage"}


def test_verdicts_drive_the_run() -> None:
    _register("approve_all", approve=True)
    _register("veto_all", approve=False)
    yes, no = _run("approve_all"), _run("veto_all")
    kinds = lambda run, k: [e for e in run.events if e["kind"] == k]  # noqa: E731
    assert kinds(yes, "approval") and not kinds(yes, "veto")
    assert kinds(no, "veto") and not kinds(no, "approval")
    assert all(e["by"] == "model" and e["review_s"] == 3.0 for e in kinds(no, "veto"))
    assert not kinds(no, "engagement")  # nothing is done that nobody approved
    assert no.metrics["mission"]["threats_neutralised"] == 0
    assert yes.metrics["mission"]["threats_neutralised"] > 0


def test_a_policy_draws_from_its_own_stream() -> None:
    """The policy's generator is the decision's policy/ stream: the operator stream and the
    world are the same as under the built-in model."""
    made = _register("approve_all", approve=True)
    run = _run("approve_all", seed=2)
    base = _run("model", seed=2)
    assert all(isinstance(r, np.random.Generator) for p in made for r in p.rngs)
    spawns = lambda r: [(e["t"], e["track"], e["x"], e["y"])  # noqa: E731
                        for e in r.events if e["kind"] == "spawn"]
    assert spawns(run) == spawns(base)


@pytest.mark.parametrize(("verdict", "message"), [
    (Verdict(approve=True, duration_s=-1.0), "duration_s must be a finite number >= 0"),
    (Verdict(approve=True, duration_s=float("inf")), "duration_s must be a finite number"),
    (Verdict(approve=True, duration_s=2.0, verify_s=3.0), "verify_s"),
    (Verdict(approve="yes", duration_s=2.0), "True or False"),  # type: ignore[arg-type]
    ("approve", "must return hmt_sim.plugins.Verdict"),
])
def test_a_bad_verdict_is_a_plugin_error(verdict: Any, message: str) -> None:
    class Bad:
        def decide(self, card: Card, rng: np.random.Generator) -> Any:
            return verdict

    plugins.register_operator("bad", lambda setup: Bad())
    with pytest.raises(PluginError, match=message):
        _run("bad")


def test_verification_time_is_logged_like_the_model_operators() -> None:
    class Checks:
        def decide(self, card: Card, rng: np.random.Generator) -> Verdict:
            return Verdict(approve=True, duration_s=6.0, verified=True, verify_s=4.0)

    plugins.register_operator("checks", lambda setup: Checks())
    run = _run("checks")
    ver = [e for e in run.events if e["kind"] == "verification"]
    assert ver and all(e["duration_s"] == 4.0 for e in ver)
    assert all(e["verified"] for e in run.events if e["kind"] == "approval")
