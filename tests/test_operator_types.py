"""Operator trust types (Guo & Yang 2021): drawn per seat from their own stream; a disbeliever
trusts less and so verifies more; an oscillator's trust swings more."""

from __future__ import annotations

import numpy as np
import pytest

from hmt_sim.errors import ScenarioError
from hmt_sim.scenario import load_scenario
from hmt_sim.session import simulate

SEEDS = range(1, 11)


def _runs(kind: str) -> list:
    sc = load_scenario("airbase_swarm", overrides={"operators.types": {kind: 1.0}})
    return [simulate(sc, seed=s) for s in SEEDS]


def test_types_are_drawn_per_seat_and_leave_the_world_alone():
    mixed = load_scenario("airbase_swarm", overrides={
        "operators.count": 6, "operators.types": {"bayesian": 1, "disbeliever": 1}})
    a, b = simulate(mixed, seed=4), simulate(mixed, seed=4)
    kinds = a.events[0]["params"]["operator_types"]
    assert kinds == b.events[0]["params"]["operator_types"]
    assert set(kinds) == {"bayesian", "disbeliever"}
    plain = simulate(load_scenario("airbase_swarm", overrides={"operators.count": 6}), seed=4)
    spawns = [e for e in a.events if e["kind"] == "spawn"]
    assert spawns[:20] == [e for e in plain.events if e["kind"] == "spawn"][:20]


def test_disbelievers_trust_less_and_verify_more():
    bayes, doubt = _runs("bayesian"), _runs("disbeliever")
    trust = [(r.timeseries["trust"].mean(), d.timeseries["trust"].mean())
             for r, d in zip(bayes, doubt, strict=True)]
    assert all(d < b for b, d in trust)
    verify = [(r.metrics["human"]["verification_rate"], d.metrics["human"]["verification_rate"])
              for r, d in zip(bayes, doubt, strict=True)]
    assert np.mean([d for _, d in verify]) > np.mean([b for b, _ in verify])


def test_oscillators_trust_swings_more():
    def swing(results: list) -> float:
        return float(np.mean([np.abs(np.diff(r.timeseries["trust"])).sum() for r in results]))

    assert swing(_runs("oscillator")) > swing(_runs("bayesian"))


def test_unknown_type_is_a_located_error():
    with pytest.raises(ScenarioError, match="unknown operator type 'skeptic'"):
        load_scenario("airbase_swarm", overrides={"operators.types": {"skeptic": 1}})
