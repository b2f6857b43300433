"""The statistics of ``analyse`` against known answers: bootstrap coverage on data with a known
mean, Wilson coverage, ranges from the glossary, n/a for all-zero differences, exact permutation
p-values, Holm, and no interval outside a metric's range on a real sweep."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hmt_sim.cli import main
from hmt_sim.sweep import run_sweep
from hmt_sim.sweep.analysis import paired_comparisons, point_intervals, pooled_rates
from hmt_sim.sweep.intervals import (
    bootstrap_mean,
    holm,
    metric_range,
    paired_test,
    pooled_rate,
)


@pytest.mark.parametrize(("draw", "true_mean"), [
    (lambda rng: rng.normal(5.0, 2.0, size=20), 5.0),
    (lambda rng: rng.poisson(1.5, size=20).astype(float), 1.5),  # small counts, many zeros
])
def test_bootstrap_interval_covers_the_true_mean_about_95_percent(draw, true_mean) -> None:
    rng = np.random.default_rng(12345)
    repeats = 300
    hits = 0
    for i in range(repeats):
        ci = bootstrap_mean(draw(rng), bounds=(0.0, math.inf), n_resamples=1000, seed=i)
        hits += ci.low <= true_mean <= ci.high
    # BCa at n = 20 covers slightly under nominal; 300 repeats have a binomial SD of 1.3%
    assert 0.89 <= hits / repeats <= 0.98, hits / repeats


def test_wilson_interval_covers_a_known_rate() -> None:
    rng = np.random.default_rng(7)
    hits = sum(
        (ci := pooled_rate(rng.binomial(60, 0.1), 60)).low <= 0.1 <= ci.high for _ in range(500)
    )
    assert 0.92 <= hits / 500 <= 0.98


def test_degenerate_data_falls_back_to_percentile_and_says_so() -> None:
    ci = bootstrap_mean([3.0, 3.0, 3.0, 3.0])
    assert (ci.estimate, ci.low, ci.high, ci.method) == (3.0, 3.0, 3.0, "percentile")
    assert bootstrap_mean([0.0, 1.0, 4.0, 2.0, 0.0, 7.0]).method == "BCa"
    assert math.isnan(bootstrap_mean([2.0]).low)  # one seed: no interval


def test_the_same_data_give_the_same_interval() -> None:
    values = [0.0, 0.0, 5.0, 1.0, 0.0, 2.0]
    assert bootstrap_mean(values) == bootstrap_mean(values)


def test_ranges_come_from_the_glossary_units_and_names() -> None:
    assert metric_range("harm.civilian_casualties") == (0.0, math.inf)  # count
    assert metric_range("control.meaningful_review_rate") == (0.0, 1.0)  # share
    assert metric_range("harm.distinction_fpr") == (0.0, 1.0)
    assert metric_range("mission.mean_time_to_action_s") == (0.0, math.inf)  # seconds
    assert metric_range("escalation.max_rung_red") == (0.0, 7.0)  # rung
    assert metric_range("ai.fpr_by_region.city") == (0.0, 1.0)  # under a share family
    assert metric_range("custom.catch_rate") == (0.0, 1.0)  # not in the glossary: by name
    assert metric_range("escalation.score_total") == (-math.inf, math.inf)  # a number


def test_a_skewed_count_interval_stays_at_or_above_zero() -> None:
    # one seed with a large count: a t-interval would reach far below zero
    values = np.array([0, 0, 0, 0, 366.0])
    t_low = stats.t.interval(0.95, 4, loc=values.mean(), scale=stats.sem(values))[0]
    assert t_low < -100
    ci = bootstrap_mean(values, bounds=metric_range("harm.civilian_casualties"))
    assert ci.low >= 0 and ci.high <= 366


def test_all_zero_differences_have_no_p_value() -> None:
    test = paired_test([0.0, 0.0, 0.0, 0.0, 0.0])
    assert math.isnan(test.p_value) and test.test.startswith("n/a")


def test_few_pairs_get_the_exact_permutation_p_value() -> None:
    # all 5 differences positive: of the 2**5 sign patterns, only all-positive and all-negative
    # give a mean as extreme, so the exact two-sided p is 2/32
    test = paired_test([1.0, 2.0, 0.5, 3.0, 1.5])
    assert test.p_value == pytest.approx(2 / 32)
    assert test.test == "exact sign-flip permutation"
    assert test.rank_biserial == 1.0
    many = paired_test(np.arange(1.0, 21.0))
    assert many.test == "Wilcoxon signed-rank"
    assert many.p_value == pytest.approx(stats.wilcoxon(np.arange(1.0, 21.0)).pvalue)


def test_holm_matches_the_step_down_by_hand() -> None:
    # sorted p: 0.01, 0.02, 0.04 with 3 tests -> 0.03, 0.04, 0.04 (monotone); NaN is not a test
    adjusted = holm([0.04, 0.01, math.nan, 0.02])
    assert adjusted[[1, 3, 0]] == pytest.approx([0.03, 0.04, 0.04])
    assert math.isnan(adjusted[2])
    assert holm([0.5, 0.6])[1] == 1.0  # capped at 1


def test_holm_agrees_with_statsmodels() -> None:
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    rng = np.random.default_rng(3)
    for m in (1, 2, 7, 30):
        p = rng.uniform(0, 0.2, size=m) ** 2
        p[rng.integers(0, m)] = p[0]  # a tie
        assert holm(p) == pytest.approx(multitest.multipletests(p, method="holm")[1])


def _table(diffs: dict[int, list[float]], metric: str = "harm.civilian_casualties"
           ) -> pd.DataFrame:
    rows = []
    for point, values in diffs.items():
        for seed, v in enumerate(values, start=1):
            rows.append({"point": point, "seed": seed, "level": point, "status": "ok",
                         "error": None, "wall_s": 0.0, metric: v})
    df = pd.DataFrame(rows)
    df.attrs.update(factors=["level"], metrics=[metric], baseline=0)
    return df


def test_paired_comparisons_apply_holm_per_metric_and_na_for_no_change() -> None:
    base = [0.0, 1, 0, 2, 0, 1]
    df = _table({0: base, 1: base, 2: [v + 3 for v in base], 3: [v + 1 for v in base]})
    table = paired_comparisons(df, metrics=["harm.civilian_casualties"]).set_index("point")
    assert math.isnan(table.loc[1, "p_value"]) and table.loc[1, "test"].startswith("n/a")
    assert (table["comparisons"] == 2).all()  # point 1 is not a test, so not counted
    raw = table.loc[[2, 3], "p_value"].to_numpy()
    assert table.loc[[2, 3], "p_holm"].to_numpy() == pytest.approx(holm(raw))
    assert table.loc[2, "p_value"] == pytest.approx(2 / 64)
    assert table.loc[2, "p_holm"] == pytest.approx(2 * 2 / 64)


def test_pooled_rate_sums_events_and_trials() -> None:
    df = _table({0: [0.5, 0.0]}, "harm.distinction_fpr")
    df["harm.civilians_engaged"] = [1, 0]
    df["harm.civilians_presented"] = [2, 8]
    (row,) = pooled_rates(df, ["harm.distinction_fpr"]).to_dict("records")
    assert (row["events"], row["trials"], row["rate"]) == (1, 10, 0.1)
    ci = stats.binomtest(1, 10).proportion_ci(method="wilson")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high))


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real sweep with casualties in some runs (600 s, 4 points x 4 seeds)."""
    folder = tmp_path_factory.mktemp("ranges")
    spec = folder / "spec.yaml"
    spec.write_text("scenario: airbase_swarm\nset: {run.duration_s: 600}\nfactors:\n"
                    "  autonomy.level: [5, 8]\n  ai.reliability: [0.6, 0.9]\n"
                    "seeds: {start: 1, count: 4}\n")
    run_sweep(spec, folder / "out", workers=2)
    return folder / "out"


def test_no_interval_leaves_its_metrics_range_on_a_real_sweep(real: Path) -> None:
    from hmt_sim.sweep.analysis import metrics_of
    from hmt_sim.sweep.intervals import difference_range
    from hmt_sim.sweep.store import load_results

    df = load_results(real)
    metrics = [m for m in metrics_of(df) if pd.api.types.is_numeric_dtype(df[m])]
    means = point_intervals(df, metrics, n_resamples=500).dropna(subset=["ci_low"])
    assert len(means) > 100
    for _, row in means.iterrows():
        low, high = metric_range(row["metric"])
        assert low <= row["ci_low"] <= row["mean"] <= row["ci_high"] <= high, row.to_dict()
    diffs = paired_comparisons(df, metrics=metrics, n_resamples=500).dropna(subset=["ci_low"])
    for _, row in diffs.iterrows():
        low, high = difference_range(row["metric"])
        assert low <= row["ci_low"] <= row["ci_high"] <= high, row.to_dict()


def test_analyse_prints_methods_na_and_holm(real: Path, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    assert main(["analyse", str(real), "-m", "harm.civilian_casualties", "-m",
                 "mission.defence_rate", "-m", "control.meaningful_review_rate"]) == 0
    out = capsys.readouterr().out
    assert "bootstrap over seeds (BCa; percentile where BCa is degenerate" in out
    assert "range >= 0" in out and "range 0..1" in out
    assert "p (Holm)" in out and "exact sign-flip permutation" in out
    assert "mission.defence_rate: pooled over runs" in out and "Wilson 95% CI" in out
    table = paired_comparisons(real, metrics=["control.meaningful_review_rate"])
    if (table["test"].str.startswith("n/a")).any():
        assert " n/a " in out


@pytest.fixture(scope="module")
def known(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real sweep folder (4 points x 5 seeds) of ``known_runner``'s known values."""
    from sweep_helpers import TINY, known_runner

    folder = tmp_path_factory.mktemp("known")
    spec = folder / "spec.yaml"
    spec.write_text(TINY.replace("count: 3", "count: 5"))
    run_sweep(spec, folder / "out", workers=1, runner=known_runner)
    return folder / "out"


def test_analyse_says_na_for_no_change_and_states_holm(
        known: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyse", str(known), "-m", "harm.civilian_casualties"]) == 0
    out = capsys.readouterr().out
    # casualties: point 1 (level 5) equals the baseline (point 0) in every seed: no test
    paired = out[out.index("difference to point 0"):]
    rows = [line for line in paired.splitlines() if line.startswith("│")]
    assert len(rows) == 3
    assert rows[0].split("│")[1].strip() == "1" and rows[0].count("n/a") == 2  # p, p (Holm)
    # level 8: one seed of 5 differs (+366): every sign pattern gives |mean| = 73.2, so the
    # exact p is 1 (one seed is no evidence), where a t-test would not be defined either way
    cells = [c.strip() for c in rows[1].split("│")]
    assert cells[1:6] == ["2", "8", "0.6", "5", "73.2"] and cells[8:10] == ["1.000", "1.000"]
    assert "adjusted over the 2 tested comparisons" in paired


def test_a_count_driven_by_one_seed_keeps_its_interval_and_band_above_zero(known: Path) -> None:
    from hmt_sim.sweep.plots import line_data
    from hmt_sim.sweep.store import load_results

    means = point_intervals(known, ["harm.civilian_casualties"]).set_index("point")
    assert means.loc[2, "mean"] == pytest.approx(366 / 5)
    assert means.loc[2, "ci_low"] >= 0 and means.loc[0, "interval"] == "percentile"
    df = load_results(known)
    band = line_data(df, "ai.reliability", "harm.civilian_casualties", hue="autonomy.level")
    assert (band["ci_low"] >= 0).all() and (band["ci_high"] <= 366).all()
    rate = point_intervals(known, ["control.meaningful_review_rate"]).set_index("point")
    assert (rate["ci_high"] <= 1).all() and rate.loc[2, "ci_low"] >= 0.5


def test_paper_plots_in_every_format(known: Path, tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    from hmt_sim.sweep.plots import plot

    magic = {"png": b"\x89PNG", "pdf": b"%PDF", "svg": b"<?xml"}
    for suffix, head in magic.items():
        out = tmp_path / f"fig.{suffix}"
        assert main(["plot", str(known), "--x", "ai.reliability", "--y",
                     "harm.civilian_casualties", "--hue", "autonomy.level", "--style", "paper",
                     "-o", str(out)]) == 0
        assert out.read_bytes().startswith(head)
    svg = (tmp_path / "fig.svg").read_text()
    assert "Civilian casualties (count)" in svg and "AI reliability" in svg  # text, not paths
    fig = plot(known, "ai.reliability", "control.meaningful_review_rate", hue="autonomy.level",
               style="paper")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Meaningful review rate (%)"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.6", "0.9"]
    (legend,) = fig.legends  # outside the axes: a figure legend, none on the axes
    assert ax.get_legend() is None and legend.get_title().get_text() == "Autonomy level"
    colours = {line.get_color() for line in ax.get_lines()}
    assert colours <= {"#0072B2", "#E69F00"}
    plt.close(fig)
    assert main(["plot", str(known), "--x", "ai.reliability", "--y", "mission.leakers",
                 "--style", "journal", "-o", str(tmp_path / "x.png")]) == 2


def test_factor_labels_and_level_precision() -> None:
    from hmt_sim.sweep.plots import factor_label, level_labels, metric_label

    assert factor_label("autonomy.veto_window_s") == "Veto window (s)"
    assert factor_label("ai.region_bias.old_quarter") == "AI region bias: old quarter"
    assert factor_label("run.duration_s") == "Run duration (s)"
    assert level_labels([0.6, 0.95, 1]) == ["0.60", "0.95", "1.00"]
    assert level_labels([5, 8]) == ["5", "8"] and level_labels(["a", "b"]) == ["a", "b"]
    assert metric_label("control.meaningful_review_rate") == "Meaningful review rate (share 0-1)"
    assert metric_label("escalation.max_rung_red") == "Highest adversary rung (rung 0-7)"
    assert metric_label("zz.unknown_thing") == "Unknown thing"
