"""Per-point means with intervals, paired differences against a baseline point, pooled rates.

Every design point ran with the same seeds (common random numbers), so the fair comparison of a
point with the baseline is *paired by seed*: the mean of the per-seed differences. Pairing
removes the seed-to-seed noise both points share, which is why these intervals are much narrower
than the difference of two independent means.

``point_intervals`` and ``paired_comparisons`` (what ``hmt-sim analyse`` prints) use bootstrap
intervals over seeds kept inside the metric's possible range, an exact permutation or Wilcoxon
test, effect sizes and the Holm correction (``hmt_sim.sweep.intervals`` says how and why);
``pooled_rates`` gives Wilson intervals for rates that are a share of events. ``summarise`` and
``paired_differences`` are the earlier Student-t tables, kept for code that uses them: they suit
unbounded, roughly normal metrics with many seeds, not counts or rates.

Failed runs and metric values that are undefined for a run (a ratio with no denominator: NaN)
are left out, and ``n`` says how many values each figure rests on.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hmt_sim.errors import InputError
from hmt_sim.sweep.intervals import (
    N_RESAMPLES,
    POOLED_RATES,
    bootstrap_mean,
    describe_range,
    difference_range,
    holm,
    metric_range,
    paired_test,
    pooled_rate,
)

DEFAULT_METRICS = (
    "harm.civilian_casualties",
    "mission.leakers",
    "control.meaningful_review_rate",
    "escalation.max_rung_red",
)


def results_table(results: pd.DataFrame | str | os.PathLike[str]) -> pd.DataFrame:
    """A results table as given, or loaded from a results folder (the analysis functions take
    either)."""
    if isinstance(results, pd.DataFrame):
        return results
    from hmt_sim.sweep.store import load_results

    return load_results(results)


def factors_of(df: pd.DataFrame) -> list[str]:
    """Factor columns: from the manifest (``df.attrs``), else those between seed and status."""
    if "factors" in df.attrs:
        return [f for f in df.attrs["factors"] if f in df.columns]
    cols = list(df.columns)
    if "seed" in cols and "status" in cols:
        return cols[cols.index("seed") + 1 : cols.index("status")]
    return []


def metrics_of(df: pd.DataFrame) -> list[str]:
    if "metrics" in df.attrs:
        return [m for m in df.attrs["metrics"] if m in df.columns]
    cols = list(df.columns)
    return cols[cols.index("wall_s") + 1 :] if "wall_s" in cols else []


def check_columns(df: pd.DataFrame, names: Sequence[str], what: str) -> None:
    """Unknown names → an ``InputError`` with a did-you-mean (``--y harm.civilian``)."""
    allowed = factors_of(df) if what == "factor" else metrics_of(df)
    for name in names:
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            shown = ", ".join(allowed[:8]) + (", ..." if len(allowed) > 8 else "")
            raise InputError(f"unknown {what} {name!r}{hint} (this sweep has: {shown or 'none'})")


def t_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) of a Student-t interval; NaN bounds when fewer than 2 values."""
    from scipy import stats

    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(values.mean())
    if n < 2:
        return (mean, np.nan, np.nan)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(ddof=1) / np.sqrt(n))
    return (mean, mean - half, mean + half)


def summarise(
    results: pd.DataFrame | str | os.PathLike[str],
    metrics: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per (design point, metric): factors, n, mean, sd, ci_low, ci_high."""
    df = results_table(results)
    factors = factors_of(df)
    chosen = _metrics(df, metrics)
    ok = df[df["status"] == "ok"]
    out: list[dict[str, Any]] = []
    for point, group in ok.groupby("point", sort=True):
        first = group.iloc[0]
        for metric in chosen:
            values = pd.to_numeric(group[metric], errors="coerce").to_numpy(dtype=float)
            mean, low, high = t_interval(values, confidence)
            valid = values[~np.isnan(values)]
            out.append({
                "point": int(point),
                **{f: first[f] for f in factors},
                "metric": metric,
                "n": len(valid),
                "mean": mean,
                "sd": float(valid.std(ddof=1)) if len(valid) > 1 else np.nan,
                "ci_low": low,
                "ci_high": high,
            })
    return pd.DataFrame(out)


def paired_differences(
    results: pd.DataFrame | str | os.PathLike[str],
    baseline: int | None = None,
    metrics: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Each point minus the baseline point, paired by seed: mean difference, CI, p-value."""
    from scipy import stats

    df = results_table(results)
    factors = factors_of(df)
    chosen = _metrics(df, metrics)
    base = int(df.attrs.get("baseline", 0) if baseline is None else baseline)
    ok = df[df["status"] == "ok"]
    if base not in set(ok["point"]):
        raise InputError(f"baseline point {base} has no successful runs")
    ref = ok[ok["point"] == base].set_index("seed")
    out: list[dict[str, Any]] = []
    for point, group in ok.groupby("point", sort=True):
        if point == base:
            continue
        cur = group.set_index("seed")
        seeds = cur.index.intersection(ref.index)
        first = group.iloc[0]
        for metric in chosen:
            a = pd.to_numeric(cur.loc[seeds, metric], errors="coerce").to_numpy(dtype=float)
            b = pd.to_numeric(ref.loc[seeds, metric], errors="coerce").to_numpy(dtype=float)
            diff = a - b
            diff = diff[~np.isnan(diff)]
            mean, low, high = t_interval(diff, confidence)
            if len(diff) > 1 and np.std(diff) > 0:
                p = float(stats.ttest_1samp(diff, 0.0).pvalue)
            elif len(diff) > 1 and mean != 0:
                p = 0.0  # every pair differs by the same non-zero amount
            else:
                p = np.nan  # no pairs, or every difference zero: no test (not p = 1)
            out.append({
                "point": int(point),
                **{f: first[f] for f in factors},
                "baseline": base,
                "metric": metric,
                "n_pairs": len(diff),
                "mean_diff": mean,
                "ci_low": low,
                "ci_high": high,
                "p_value": p,
            })
    return pd.DataFrame(out)


def point_intervals(
    results: pd.DataFrame | str | os.PathLike[str],
    metrics: Sequence[str] | None = None,
    confidence: float = 0.95,
    n_resamples: int = N_RESAMPLES,
) -> pd.DataFrame:
    """One row per (design point, metric): factors, n, mean, sd, a bootstrap interval over seeds
    (``ci_low``, ``ci_high``, ``interval``: BCa or percentile) and the metric's range."""
    df = results_table(results)
    factors = factors_of(df)
    chosen = _metrics(df, metrics)
    ok = df[df["status"] == "ok"]
    out: list[dict[str, Any]] = []
    for point, group in ok.groupby("point", sort=True):
        first = group.iloc[0]
        for metric in chosen:
            values = _values(group[metric])
            bounds = metric_range(metric)
            ci = bootstrap_mean(values, confidence, bounds, n_resamples)
            out.append({
                "point": int(point),
                **{f: first[f] for f in factors},
                "metric": metric,
                "n": len(values),
                "mean": ci.estimate,
                "sd": float(values.std(ddof=1)) if len(values) > 1 else np.nan,
                "ci_low": ci.low,
                "ci_high": ci.high,
                "interval": ci.method,
                "range": describe_range(bounds),
            })
    return pd.DataFrame(out)


def paired_comparisons(
    results: pd.DataFrame | str | os.PathLike[str],
    baseline: int | None = None,
    metrics: Sequence[str] | None = None,
    confidence: float = 0.95,
    n_resamples: int = N_RESAMPLES,
) -> pd.DataFrame:
    """Each point minus the baseline point, paired by seed.

    Columns: ``n_pairs``, ``mean_diff`` with a bootstrap interval resampling seeds (``ci_low``,
    ``ci_high``, ``interval``), the paired ``test`` and its ``p_value`` (NaN when every
    difference is zero), ``p_holm`` (Holm-adjusted over the ``comparisons`` points compared for
    that metric), and the effect sizes ``rank_biserial`` and ``d_z``.
    """
    df = results_table(results)
    factors = factors_of(df)
    chosen = _metrics(df, metrics)
    base = _baseline(df, baseline)
    ok = df[df["status"] == "ok"]
    ref = ok[ok["point"] == base].set_index("seed")
    out: list[dict[str, Any]] = []
    for point, group in ok.groupby("point", sort=True):
        if point == base:
            continue
        cur = group.set_index("seed")
        seeds = cur.index.intersection(ref.index)
        first = group.iloc[0]
        for metric in chosen:
            diff = (_values(cur.loc[seeds, metric], keep_nan=True)
                    - _values(ref.loc[seeds, metric], keep_nan=True))
            diff = diff[~np.isnan(diff)]
            ci = bootstrap_mean(diff, confidence, difference_range(metric), n_resamples)
            test = paired_test(diff)
            out.append({
                "point": int(point),
                **{f: first[f] for f in factors},
                "baseline": base,
                "metric": metric,
                "n_pairs": len(diff),
                "mean_diff": ci.estimate,
                "ci_low": ci.low,
                "ci_high": ci.high,
                "interval": ci.method,
                "test": test.test,
                "p_value": test.p_value,
                "rank_biserial": test.rank_biserial,
                "d_z": test.d_z,
            })
    table = pd.DataFrame(out)
    if not table.empty:
        for _, rows in table.groupby("metric", sort=False):
            table.loc[rows.index, "p_holm"] = holm(rows["p_value"].to_numpy(dtype=float))
            table.loc[rows.index, "comparisons"] = int(rows["p_value"].notna().sum())
        table["comparisons"] = table["comparisons"].astype(int)
    return table


def pooled_rates(
    results: pd.DataFrame | str | os.PathLike[str],
    metrics: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Rates that are a share of events (``intervals.POOLED_RATES``), pooled over each point's
    runs: events, trials, the pooled rate and its Wilson interval. Metrics that are not such
    rates, or whose event columns the sweep did not keep, are left out."""
    df = results_table(results)
    factors = factors_of(df)
    chosen = [m for m in _metrics(df, metrics) if m in POOLED_RATES]
    ok = df[df["status"] == "ok"]
    out: list[dict[str, Any]] = []
    for metric in chosen:
        events_col, trial_cols = POOLED_RATES[metric]
        if not all(c in df.columns for c in (events_col, *trial_cols)):
            continue
        for point, group in ok.groupby("point", sort=True):
            first = group.iloc[0]
            events = float(np.nansum(_values(group[events_col], keep_nan=True)))
            trials = float(sum(np.nansum(_values(group[c], keep_nan=True)) for c in trial_cols))
            ci = pooled_rate(events, trials, confidence)
            out.append({
                "point": int(point),
                **{f: first[f] for f in factors},
                "metric": metric,
                "runs": len(group),
                "events": int(events),
                "trials": int(trials),
                "rate": ci.estimate,
                "ci_low": ci.low,
                "ci_high": ci.high,
                "interval": ci.method,
                "definition": f"{events_col} / {_sum_text(trial_cols)}",
            })
    return pd.DataFrame(out)


def _sum_text(columns: Sequence[str]) -> str:
    return columns[0] if len(columns) == 1 else f"({' + '.join(columns)})"


def _values(column: pd.Series, keep_nan: bool = False) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    return values if keep_nan else values[~np.isnan(values)]


def _baseline(df: pd.DataFrame, baseline: int | None) -> int:
    base = int(df.attrs.get("baseline", 0) if baseline is None else baseline)
    if base not in set(df.loc[df["status"] == "ok", "point"]):
        raise InputError(f"baseline point {base} has no successful runs")
    return base


def _metrics(df: pd.DataFrame, metrics: Sequence[str] | None) -> list[str]:
    if metrics:
        check_columns(df, metrics, "metric")
        return list(metrics)
    available = metrics_of(df)
    chosen = [m for m in DEFAULT_METRICS if m in available]
    return chosen or available[:4]
