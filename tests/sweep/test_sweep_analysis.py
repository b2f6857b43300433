"""Analysis (means, t-intervals, paired differences) against hand computation; the analyse and
plot commands on a real sweep folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hmt_sim.cli import main
from hmt_sim.sweep import run_sweep
from hmt_sim.sweep.analysis import paired_differences, summarise


def synthetic() -> pd.DataFrame:
    """Two points, ten seeds; a large per-seed effect both points share, +0.5 at point 1."""
    rng = np.random.default_rng(0)
    seeds = np.arange(1, 11)
    shared = rng.normal(0, 5, size=10)
    rows = []
    for point, shift in ((0, 0.0), (1, 0.5)):
        noise = rng.normal(0, 0.1, size=10)
        for seed, s, e in zip(seeds, shared, noise, strict=True):
            rows.append({"point": point, "seed": int(seed), "level": 5 + point, "status": "ok",
                         "error": None, "wall_s": 0.0, "m": 10 + s + shift + e})
    rows.append({"point": 1, "seed": 11, "level": 6, "status": "failed", "error": "x",
                 "wall_s": 0.0, "m": np.nan})
    df = pd.DataFrame(rows)
    df.attrs.update(factors=["level"], metrics=["m"], baseline=0)
    return df


def test_means_and_t_intervals_match_scipy() -> None:
    df = synthetic()
    table = summarise(df, ["m"])
    for point in (0, 1):
        values = df[(df.point == point) & (df.status == "ok")]["m"].to_numpy()
        low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(),
                                     scale=stats.sem(values))
        row = table[table.point == point].iloc[0]
        assert row["n"] == 10 and row["level"] == 5 + point
        assert row["mean"] == pytest.approx(values.mean())
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))


def test_paired_differences_are_paired_by_seed() -> None:
    df = synthetic()
    table = paired_differences(df, metrics=["m"])
    (row,) = table.to_dict("records")
    a = df[(df.point == 1) & (df.status == "ok")].set_index("seed")["m"]
    b = df[df.point == 0].set_index("seed")["m"]
    diff = (a - b.loc[a.index]).to_numpy()
    assert row["n_pairs"] == 10 and row["mean_diff"] == pytest.approx(diff.mean())
    assert row["p_value"] == pytest.approx(stats.ttest_rel(a, b.loc[a.index]).pvalue)
    # pairing removes the shared seed effect: the paired CI excludes 0 and is far narrower than
    # the point-wise CIs, which overlap
    assert row["ci_low"] > 0
    point_ci = summarise(df, ["m"]).iloc[0]
    assert row["ci_high"] - row["ci_low"] < (point_ci["ci_high"] - point_ci["ci_low"]) / 10


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sweep_helpers import TINY

    folder = tmp_path_factory.mktemp("analysis")
    spec = folder / "spec.yaml"
    spec.write_text(TINY.replace("40}", "300}") + "baseline: {autonomy.level: 8, "
                    "ai.reliability: 0.9}\n")
    run_sweep(spec, folder / "out", workers=2)
    return folder / "out"


def test_analyse_command(results: Path, capsys: pytest.CaptureFixture[str],
                         tmp_path: Path) -> None:
    assert main(["analyse", str(results), "-m", "harm.civilian_casualties", "--csv",
                 str(tmp_path / "t.csv")]) == 0
    out = capsys.readouterr().out
    assert "12 runs (12 ok, 0 failed), 4 design points, 3 seeds" in out
    assert "harm.civilian_casualties: mean and 95% CI" in out
    assert "difference to point 3, paired by seed" in out  # the spec's baseline
    table = pd.read_csv(tmp_path / "t.csv")
    assert list(table["point"]) == [0, 1, 2, 3]
    assert len(pd.read_csv(tmp_path / "t-paired.csv")) == 3
    assert main(["analyse", str(results), "-m", "harm.civilian_casualtes"]) == 2
    assert "did you mean 'harm.civilian_casualties'?" in capsys.readouterr().err


def test_plot_line_and_heatmap(results: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    line, heat = tmp_path / "line.png", tmp_path / "heat.png"
    assert main(["plot", str(results), "--x", "autonomy.level", "--y",
                 "harm.civilian_casualties", "--hue", "ai.reliability", "-o", str(line)]) == 0
    assert main(["plot", str(results), "--x", "autonomy.level", "--y", "mission.leakers",
                 "--hue", "ai.reliability", "--heatmap", "-o", str(heat)]) == 0
    for path in (line, heat):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    assert main(["plot", str(results), "--x", "autonomy.levl", "--y", "mission.leakers"]) == 2
    assert "did you mean 'autonomy.level'?" in capsys.readouterr().err
    assert main(["plot", str(results), "--x", "autonomy.level", "--y", "mission.leakers",
                 "--heatmap", "-o", str(heat)]) == 2
    assert main(["analyse", str(tmp_path)]) == 2
    assert "not a sweep results folder" in capsys.readouterr().err


def test_line_data_bins_a_continuous_factor() -> None:
    from hmt_sim.sweep.plots import line_data

    rng = np.random.default_rng(1)
    df = pd.DataFrame({"point": range(200), "seed": 1, "x": rng.uniform(0, 1, 200),
                       "status": "ok", "error": None, "wall_s": 0.0})
    df["y"] = 2 * df["x"]
    data = line_data(df, "x", "y", bins=4)
    assert len(data) == 4 and data["n"].sum() == 200
    assert np.allclose(data["mean"], 2 * data["x"], atol=0.1)
