"""Figures of a sweep: a metric against a factor (mean line + 95% CI band, one line per hue),
or a heatmap of a metric's mean over two factors.

Factors not on the figure are pooled (their runs all count toward each mean). Sampled designs
(LHS, Sobol) give almost every run its own x value, so an x factor with more than ``MAX_LEVELS``
distinct values is binned into ``bins`` equal-width bins and plotted at the bin centres.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from hmt_sim.errors import InputError
from hmt_sim.fileio import atomic_path
from hmt_sim.sweep.analysis import check_columns, results_table, t_interval

MAX_LEVELS = 12


def _binned(values: pd.Series, bins: int | None) -> pd.Series:
    if values.dtype == object or pd.api.types.is_string_dtype(values) or (
        bins is None and values.nunique() <= MAX_LEVELS
    ):
        return values
    cut = pd.cut(values.astype(float), bins=bins or 8)
    return cut.map(lambda iv: iv.mid).astype(float)


def line_data(df: pd.DataFrame, x: str, y: str, hue: str | None = None,
              bins: int | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """The numbers behind a line plot: x, hue, n, mean, ci_low, ci_high."""
    ok = df[df["status"] == "ok"].copy()
    ok["_x"] = _binned(ok[x], bins)
    keys = ["_x"] + ([hue] if hue else [])
    rows = []
    for key, group in ok.groupby(keys, sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        values = pd.to_numeric(group[y], errors="coerce").to_numpy(dtype=float)
        mean, low, high = t_interval(values, confidence)
        rows.append({x: key[0], **({hue: key[1]} if hue else {}),
                     "n": int((~np.isnan(values)).sum()), "mean": mean, "ci_low": low,
                     "ci_high": high})
    return pd.DataFrame(rows)


def plot(
    results: pd.DataFrame | str | os.PathLike[str],
    x: str,
    y: str,
    hue: str | None = None,
    *,
    heatmap: bool = False,
    bins: int | None = None,
    out: str | os.PathLike[str] | None = None,
    title: str | None = None,
) -> Any:
    """Draw the figure; save it to ``out`` (PNG, PDF, SVG by extension) when given.

    Returns the matplotlib ``Figure``.
    """
    import matplotlib

    if os.environ.get("MPLBACKEND") is None and out is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df = results_table(results)
    check_columns(df, [x] + ([hue] if hue else []), "factor")
    check_columns(df, [y], "metric")
    if heatmap and not hue:
        raise InputError("a heatmap needs two factors: --x and --hue")
    if (df["status"] == "ok").sum() == 0:
        raise InputError("no successful runs to plot")
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    if heatmap:
        assert hue is not None
        _heatmap(ax, fig, df, x, hue, y, bins)
    else:
        _lines(ax, df, x, y, hue, bins)
    ax.set_title(title or f"{y} by {x}" + (f" and {hue}" if hue else ""), fontsize=10)
    if out is not None:
        with atomic_path(out) as tmp:
            fig.savefig(tmp, dpi=120)
        plt.close(fig)
    return fig


def _lines(ax: Any, df: pd.DataFrame, x: str, y: str, hue: str | None,
           bins: int | None) -> None:
    data = line_data(df, x, y, hue, bins)
    groups = [(None, data)] if hue is None else list(data.groupby(hue, sort=True))
    categorical = not pd.api.types.is_numeric_dtype(data[x])
    for level, group in groups:
        group = group.sort_values(x)
        xs = np.arange(len(group)) if categorical else group[x].to_numpy(dtype=float)
        label = None if hue is None else f"{hue} = {_fmt(level)}"
        (line,) = ax.plot(xs, group["mean"], marker="o", ms=4, label=label)
        ax.fill_between(xs, group["ci_low"], group["ci_high"], alpha=0.2,
                        color=line.get_color(), linewidth=0)
        if categorical:
            ax.set_xticks(xs, [str(v) for v in group[x]])
    ax.set_xlabel(x)
    ax.set_ylabel(f"{y} (mean, 95% CI)")
    ax.grid(alpha=0.3)
    if hue is not None:
        ax.legend(fontsize=8)


def _heatmap(ax: Any, fig: Any, df: pd.DataFrame, x: str, hue: str, y: str,
             bins: int | None) -> None:
    ok = df[df["status"] == "ok"].copy()
    ok["_x"] = _binned(ok[x], bins)
    ok["_h"] = _binned(ok[hue], bins)
    ok["_y"] = pd.to_numeric(ok[y], errors="coerce")
    table = ok.pivot_table(index="_h", columns="_x", values="_y", aggfunc="mean",
                           observed=True)
    image = ax.imshow(table.to_numpy(dtype=float), origin="lower", aspect="auto",
                      cmap="viridis")
    ax.set_xticks(range(table.shape[1]), [_fmt(v) for v in table.columns])
    ax.set_yticks(range(table.shape[0]), [_fmt(v) for v in table.index])
    ax.set_xlabel(x)
    ax.set_ylabel(hue)
    for (i, j), value in np.ndenumerate(table.to_numpy(dtype=float)):
        if not np.isnan(value):
            ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=7, color="w")
    fig.colorbar(image, ax=ax, label=f"{y} (mean)")


def _fmt(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.3g}"
    return str(value)
