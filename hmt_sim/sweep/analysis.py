"""Per-point means with confidence intervals, and paired differences against a baseline point.

Every design point ran with the same seeds (common random numbers), so the fair comparison of a
point with the baseline is *paired by seed*: the mean of the per-seed differences, with a
t-interval on those differences. Pairing removes the seed-to-seed noise both points share, which
is why these intervals are much narrower than the difference of two independent means.

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
            elif len(diff) > 1:
                p = 1.0 if mean == 0 else 0.0
            else:
                p = np.nan
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


def _metrics(df: pd.DataFrame, metrics: Sequence[str] | None) -> list[str]:
    if metrics:
        check_columns(df, metrics, "metric")
        return list(metrics)
    available = metrics_of(df)
    chosen = [m for m in DEFAULT_METRICS if m in available]
    return chosen or available[:4]
