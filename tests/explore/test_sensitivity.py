"""Global sensitivity: SALib's estimators on functions with known indices, the saltelli and
morris sweep designs, and a real sweep where a factor the engine ignores must rank at 0."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from hmt_sim.cli import main
from hmt_sim.errors import InputError
from hmt_sim.explore import sensitivity
from hmt_sim.explore.samples import design_size, unit_sample
from hmt_sim.explore.sensitivity import analyse_function
from hmt_sim.sweep import load_spec

# Ishigami (a=7, b=0.1) on [-pi, pi]^3: exact first-order and total Sobol indices.
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def ishigami(u: np.ndarray) -> np.ndarray:
    z = -math.pi + 2 * math.pi * u
    return np.sin(z[:, 0]) + 7 * np.sin(z[:, 1]) ** 2 + 0.1 * z[:, 2] ** 4 * np.sin(z[:, 0])


def test_sobol_indices_of_ishigami_match_the_exact_values() -> None:
    names = ["x1", "x2", "x3", "dummy"]  # a fourth input the function ignores
    x = unit_sample("saltelli", 1024, 4, design_seed=0)
    assert x.shape == (design_size("saltelli", 1024, 4), 4)
    rows = analyse_function("saltelli", names, ishigami(x), 1024)
    for row, s1, st in zip(rows, (*ISHIGAMI_S1, 0.0), (*ISHIGAMI_ST, 0.0), strict=True):
        assert row.first == pytest.approx(s1, abs=0.06), row
        assert row.total == pytest.approx(st, abs=0.06), row
        # The exact value lies within the bootstrap interval widened by a small bias margin.
        assert abs(row.total - st) <= row.total_conf + 0.02, row
    assert abs(rows[3].total) < 1e-9 and abs(rows[3].first) < 1e-9


def test_morris_effects_of_a_linear_function_are_its_slopes() -> None:
    # On the unit cube, an elementary effect of y = 3 x0 + x1 is the slope, whatever the step.
    x = unit_sample("morris", 20, 3, design_seed=4)
    assert x.shape == (design_size("morris", 20, 3), 3)
    rows = analyse_function("morris", ["a", "b", "null"], 3 * x[:, 0] + x[:, 1], 20,
                            design_seed=4)
    assert [r.factor for r in rows] == ["a", "b", "null"]
    assert rows[0].mu_star == pytest.approx(3.0) and rows[0].sigma == pytest.approx(0.0)
    assert rows[1].mu_star == pytest.approx(1.0)
    assert rows[2].mu_star == 0.0


def test_sensitivity_designs_in_a_spec(tmp_path: Path) -> None:
    base = "scenario: urban_nomination\nseeds: [1]\nfactors:\n" \
           "  ai.reliability: {min: 0.5, max: 0.9}\n  autonomy.level: [5, 7, 9]\n"
    spec = tmp_path / "s.yaml"
    spec.write_text(base + "design: {saltelli: 8}\n", encoding="utf-8")
    s = load_spec(spec)
    assert (s.design, s.design_n, len(s.points)) == ("saltelli", 8, 8 * (2 + 2))
    assert {p["autonomy.level"] for p in s.points} <= {5, 7, 9}
    assert all(0.5 <= p["ai.reliability"] <= 0.9 for p in s.points)
    spec.write_text(base + "design: {morris: 5}\n", encoding="utf-8")
    assert len(load_spec(spec).points) == 5 * (2 + 1)
    spec.write_text(base + "design: {saltely: 8}\n", encoding="utf-8")
    with pytest.raises(Exception, match="did you mean 'saltelli'"):
        load_spec(spec)
    spec.write_text(base + "design: saltelli\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"give the number of points, e.g. \{saltelli: 100\}"):
        load_spec(spec)


def test_a_factor_the_engine_ignores_gets_a_total_index_near_zero(
        saltelli_sweep: Path) -> None:
    result = sensitivity(saltelli_sweep, ["harm.precaution_score", "harm.civilian_casualties"])
    assert result.method == "sobol" and result.points == 32 and result.seeds == 1
    for metric in result.metrics:
        assert metric.indices, metric.note
        by = {r.factor: r for r in metric.indices}
        assert abs(by["run.seed"].total) < 0.05, metric
        assert abs(by["run.seed"].first) < 0.05, metric
        assert by["ai.reliability"].total > 0.3, metric
    # The same folder and bootstrap seed give the same numbers.
    again = sensitivity(saltelli_sweep, ["harm.precaution_score", "harm.civilian_casualties"])
    assert again == result


def test_morris_on_a_real_sweep_ranks_the_null_factor_last(morris_sweep: Path) -> None:
    result = sensitivity(morris_sweep, ["control.human_authorisation_rate"])
    assert result.method == "morris" and result.points == 16
    (metric,) = result.metrics
    by = {r.factor: r for r in metric.indices}
    assert by["run.seed"].mu_star == 0.0 and by["run.seed"].sigma == 0.0
    assert by["autonomy.level"].mu_star > 0.1  # who authorises force depends on the level
    frame = result.to_frame()
    assert list(frame.columns) == ["metric", "factor", "mu_star", "mu_star_conf", "mu", "sigma"]


def test_sensitivity_command(saltelli_sweep: Path, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    png, csv = tmp_path / "sa.png", tmp_path / "sa.csv"
    rc = main(["sensitivity", str(saltelli_sweep), "-m", "harm.precaution_score",
               "-o", str(png), "--csv", str(csv)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "harm.precaution_score" in out and "no detectable influence: run.seed" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert csv.read_text().splitlines()[0] == "metric,factor,first,first_conf,total,total_conf"


def test_sensitivity_refuses_a_design_it_cannot_use(
        grid_sweep: Path, saltelli_sweep: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError, match=r"need a sweep run with design \{saltelli: N\}"):
        sensitivity(grid_sweep)
    assert main(["sensitivity", str(grid_sweep), "-o", str(tmp_path / "x.png")]) == 2
    assert "full_factorial" in capsys.readouterr().err
    assert main(["sensitivity", str(saltelli_sweep), "-m", "harm.precaution_scor",
                 "-o", str(tmp_path / "x.png")]) == 2
    assert "did you mean 'harm.precaution_score'" in capsys.readouterr().err
    assert main(["sensitivity", str(saltelli_sweep), "-o", str(tmp_path / "x.txt")]) == 2
