"""Designs: full factorial order, Latin hypercube stratification, Sobol determinism."""

from __future__ import annotations

import numpy as np

from hmt_sim.sweep import load_spec
from hmt_sim.sweep.design import design_points
from hmt_sim.sweep.spec import Factor

REL = Factor("ai.reliability", low=0.5, high=0.9)
LEVEL = Factor("autonomy.level", low=1, high=10, integer=True)
MODE = Factor("x.mode", values=("a", "b", "c"))


def test_full_factorial_first_factor_slowest() -> None:
    a = Factor("a", values=(1, 2))
    b = Factor("b", values=("x", "y", "z"))
    points = design_points("full_factorial", None, [a, b], 0)
    assert [(p["a"], p["b"]) for p in points] == [
        (1, "x"), (1, "y"), (1, "z"), (2, "x"), (2, "y"), (2, "z")]
    assert design_points("full_factorial", None, [], 0) == [{}]


def test_lhs_puts_one_point_in_each_stratum_of_every_factor() -> None:
    n = 40
    points = design_points("lhs", n, [REL, Factor("b", low=0.0, high=1.0)], 11)
    assert len(points) == n
    for key, low, high in (("ai.reliability", 0.5, 0.9), ("b", 0.0, 1.0)):
        u = (np.array([p[key] for p in points]) - low) / (high - low)
        strata = np.floor(u * n).astype(int)
        assert sorted(strata) == list(range(n))


def test_sampled_designs_are_fixed_by_the_design_seed() -> None:
    for kind in ("lhs", "sobol"):
        a = design_points(kind, 16, [REL, LEVEL, MODE], 3)
        assert a == design_points(kind, 16, [REL, LEVEL, MODE], 3)
        assert a != design_points(kind, 16, [REL, LEVEL, MODE], 4)


def test_integer_and_categorical_factors_stay_in_their_sets() -> None:
    points = design_points("sobol", 64, [LEVEL, MODE], 0)
    levels = [p["autonomy.level"] for p in points]
    assert all(isinstance(v, int) and 1 <= v <= 10 for v in levels)
    assert set(levels) == set(range(1, 11))  # every integer is reachable
    assert {p["x.mode"] for p in points} == {"a", "b", "c"}


def test_sobol_balance_with_a_power_of_two() -> None:
    points = design_points("sobol", 256, [Factor("u", low=0.0, high=1.0)], 5)
    u = np.array([p["u"] for p in points])
    # a scrambled Sobol net of 2^8 points has exactly 16 points in each 1/16 interval
    assert np.bincount(np.floor(u * 16).astype(int), minlength=16).tolist() == [16] * 16


def test_lhs_spec_end_to_end(write_spec) -> None:  # type: ignore[no-untyped-def]
    spec = load_spec(write_spec(
        "scenario: airbase_swarm\n"
        "design: {lhs: 12}\n"
        "design_seed: 5\n"
        "factors:\n"
        "  ai.reliability: {min: 0.5, max: 0.95}\n"
        "  autonomy.level: {min: 5, max: 9}\n"
        "  operators.count: [1, 2, 3]\n"
        "seeds: {count: 2}\n"))
    assert len(spec.points) == 12 and spec.seeds == (1, 2)
    assert all(0.5 <= p["ai.reliability"] <= 0.95 for p in spec.points)
    assert all(p["autonomy.level"] in range(5, 10) for p in spec.points)
