"""Scenario discovery: PRIM recovers a planted box, CART agrees, the --where grammar teaches,
and a real sweep gives a rule in plain words."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hmt_sim.cli import main
from hmt_sim.errors import InputError
from hmt_sim.explore import Condition, discover, discover_in, parse_condition, prim
from hmt_sim.explore.discovery import limit_text

METRICS = ["harm.wrongful_engagements", "harm.civilian_casualties", "mission.leakers"]


def planted(n: int = 3000, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Runs over a number, an integer level, a noise factor and a text factor; the outcome is
    likely (90%) inside a >= 0.6, b >= 7, d != "z" and rare (5%) elsewhere."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.random(n), "b": rng.integers(1, 11, n), "c": rng.random(n),
                      "d": rng.choice(["x", "y", "z"], n)})
    inside = ((x["a"] >= 0.6) & (x["b"] >= 7) & (x["d"] != "z")).to_numpy()
    y = np.where(inside, rng.random(n) < 0.9, rng.random(n) < 0.05)
    return x, y


def test_prim_recovers_a_planted_box() -> None:
    x, y = planted()
    found = discover_in(x, y, Condition("m", ">=", 1.0))
    rule = found.prim_rules[0]
    assert set(rule.limits) == {"a", "b", "d"}, rule.text  # the noise factor c stays free
    a_lo, a_hi = rule.limits["a"]
    assert a_lo == pytest.approx(0.6, abs=0.03) and math.isinf(a_hi)
    assert rule.limits["b"] == (7.0, math.inf)
    assert rule.limits["d"] == frozenset({"x", "y"})
    assert rule.density > 0.85 and rule.coverage > 0.6
    assert rule.text.startswith("a >= 0.")
    assert "b >= 7 and d in {x, y}: m >= 1 in " in rule.text
    # CART, the second view, finds the same box as its densest leaf.
    leaf = found.cart_rules[0]
    assert set(leaf.limits) == {"a", "b", "d"} and leaf.density > 0.85


def test_peeling_trajectory_trades_coverage_for_density() -> None:
    x, y = planted(seed=2)
    result = prim(x, y, alpha=0.05, min_mass=0.05)
    boxes = result.trajectory
    assert boxes[0].coverage == 1.0 and boxes[0].density == pytest.approx(y.mean())
    assert not boxes[0].limits
    peeled = [b for b in boxes if b.mass >= 0.05]
    assert len(peeled) == len(boxes)  # no box is smaller than min_mass
    assert boxes[-1].density > 0.85
    # Peeling never gains coverage; the last boxes (pasting) may.
    coverage = [b.coverage for b in boxes]
    first_paste = next((i for i in range(1, len(boxes)) if boxes[i].mass > boxes[i - 1].mass),
                       len(boxes))
    assert coverage[:first_paste] == sorted(coverage[:first_paste], reverse=True)
    assert prim(x, y) == result  # deterministic


def test_no_cases_and_all_cases() -> None:
    x, _ = planted(n=200)
    none = discover_in(x, np.zeros(200, dtype=bool), Condition("m", ">", 5.0))
    assert none.n_cases == 0 and not none.prim_rules and "never holds" in none.note
    every = discover_in(x, np.ones(200, dtype=bool), Condition("m", ">", 5.0))
    assert every.prim_rules[0].text.startswith("anywhere in the design: m > 5 in 100% of runs")


@pytest.mark.parametrize(("text", "expected"), [
    ("harm.wrongful_engagements >= 1", Condition("harm.wrongful_engagements", ">=", 1.0)),
    ("mission.leakers<0.5", Condition("mission.leakers", "<", 0.5)),
    (" harm.civilian_casualties == 0 ", Condition("harm.civilian_casualties", "==", 0.0)),
    ("mission.leakers > -2e1", Condition("mission.leakers", ">", -20.0)),
    ("mission.leakers <= 3", Condition("mission.leakers", "<=", 3.0)),
])
def test_where_grammar(text: str, expected: Condition) -> None:
    assert parse_condition(text, METRICS) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("harm.wrongful_engagement >= 1", "did you mean 'harm.wrongful_engagements'"),
    ("harm.wrongful_engagements = 1", "use == to test equality"),
    ("harm.wrongful_engagements >= many", "'many' is not a number"),
    ("mission.leakers > 1 and harm.civilian_casualties > 0", "one comparison only"),
    ("mission.leakers => 1", "expected METRIC OP NUMBER with OP one of <, <=, >, >=, =="),
    ("mission.leakers > nan", "must be finite"),
])
def test_where_errors_say_what_is_allowed(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_condition(text, METRICS)


def test_condition_holds() -> None:
    values = np.array([0.0, 1.0, 2.0, np.nan])
    assert Condition("m", ">=", 1.0).holds(values).tolist() == [False, True, True, False]
    assert Condition("m", "==", 0.0).holds(values).tolist() == [True, False, False, False]


def test_limit_text() -> None:
    assert limit_text("autonomy.level", (7.0, math.inf)) == "autonomy.level >= 7"
    assert limit_text("ai.reliability", (-math.inf, 0.8)) == "ai.reliability <= 0.8"
    assert limit_text("x", (0.25, 0.5)) == "0.25 <= x <= 0.5"
    assert limit_text("x", (6.0, 6.0)) == "x = 6"
    assert limit_text("region", frozenset({"city"})) == "region is city"


def test_a_real_sweep_gives_a_rule(grid_sweep: Path) -> None:
    found = discover(grid_sweep, "harm.precaution_score < 0.65")
    assert found.n_runs == 36 and 0 < found.n_cases < 36
    rule = found.prim_rules[0]
    assert "ai.reliability" in rule.limits, rule.text
    assert rule.density >= found.min_density > found.base_rate
    assert rule.text.endswith(" of such runs)") and "harm.precaution_score < 0.65 in " in rule.text


def test_discover_command(grid_sweep: Path, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "trajectory.png"
    rc = main(["discover", str(grid_sweep), "--where", "harm.precaution_score < 0.65",
               "-o", str(png)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "PRIM (peeling and pasting" in out and "ai.reliability >= 0.95" in out
    assert "% of runs (covers " in out and "CART" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("args", "message"), [
    (["--where", "harm.precaution_scor < 0.7"], "did you mean 'harm.precaution_score'"),
    (["--where", "harm.precaution_score"], "expected METRIC OP NUMBER"),
    (["--where", "harm.precaution_score < 1", "--min-density", "1.5"],
     "--min-density must be in (0, 1]"),
    (["--where", "harm.precaution_score < 1", "--box", "999"], "box 999: the peeling"),
])
def test_discover_command_errors(grid_sweep: Path, tmp_path: Path, args: list[str],
                                 message: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["discover", str(grid_sweep), *args, "-o", str(tmp_path / "t.png")])
    assert rc == 2
    assert message in capsys.readouterr().err


def test_plots_name_conditions_and_factors_in_words() -> None:
    """The trajectory's title and the index panels read as words with units, not raw keys."""
    from hmt_sim.explore.plots import condition_text
    from hmt_sim.explore.where import parse_condition
    from hmt_sim.sweep.plots import factor_label

    cond = parse_condition("harm.wrongful_engagements >= 1", ["harm.wrongful_engagements"])
    assert condition_text(cond) == "Wrongful engagements (count) >= 1"
    assert factor_label("ai.reliability") == "AI reliability"


def test_a_rule_weakened_by_dropping_restrictions_is_called_weak() -> None:
    """When the restriction tests drop cuts and the rule falls below the density asked for,
    the output says so instead of printing the weaker rule as if it met the bar."""
    rng = np.random.default_rng(0)
    n = 300
    x = pd.DataFrame({f: rng.uniform(size=n) for f in "abc"})
    y = ((x.a > 0.6) & (rng.uniform(size=n) < 0.7)).to_numpy()
    found = discover_in(x, y, parse_condition("m >= 1", ["m"]), min_density=0.7)
    rule, peeled = found.prim_rules[0], found.trajectory.trajectory[found.chosen]
    assert rule.dropped, "the case needs a restriction dropped as not significant"
    assert rule.density < 0.7 <= peeled.density
    assert "read the rule as weak" in found.note and f"box {found.chosen}" in found.note
    strong = discover_in(x, y, parse_condition("m >= 1", ["m"]), min_density=0.6)
    assert strong.prim_rules[0].density >= 0.6 and "weak" not in strong.note
