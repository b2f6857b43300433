"""Figures of a sweep: a metric against a factor (mean line + 95% CI band, one line per hue),
or a heatmap of a metric's mean over two factors.

Factors not on the figure are pooled (their runs all count toward each mean). Sampled designs
(LHS, Sobol) give almost every run its own x value, so an x factor with more than ``MAX_LEVELS``
distinct values is binned into ``bins`` equal-width bins and plotted at the bin centres.

The band is the bootstrap interval of ``hmt_sim.sweep.intervals``, so it stays inside the
metric's possible range (no negative casualties). Axis labels come from the report glossary with
the unit; lines use the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies) and a marker each, so a greyscale print still tells them apart; the legend sits
outside the axes. ``style="paper"`` adds small print-sized type, percentages for shares, fonts
kept as text in SVG and embedded as TrueType in PDF, and no title unless one is given.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from hmt_sim.errors import InputError
from hmt_sim.fileio import atomic_path
from hmt_sim.sweep.analysis import check_columns, results_table
from hmt_sim.sweep.intervals import bootstrap_mean, metric_range

MAX_LEVELS = 12
PLOT_RESAMPLES = 2000
"""Bootstrap resamples per band point: a band needs less precision than a reported interval."""
STYLES = ("default", "paper")
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
             "#000000")
"""Okabe & Ito (2008), a palette safe for the common colour-vision deficiencies."""
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
UNIT_TEXT = {"count": "count", "s": "s", "rung": "rung 0-7", "share": "share 0-1"}
PAPER_RC: dict[str, Any] = {
    "font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8, "xtick.labelsize": 7,
    "ytick.labelsize": 7, "legend.fontsize": 7, "legend.title_fontsize": 7,
    "axes.spines.top": False, "axes.spines.right": False, "axes.linewidth": 0.6,
    "lines.linewidth": 1.2, "lines.markersize": 3.5, "svg.fonttype": "none",
    "pdf.fonttype": 42, "ps.fonttype": 42, "savefig.bbox": "tight",
}


def _binned(values: pd.Series, bins: int | None) -> pd.Series:
    if values.dtype == object or pd.api.types.is_string_dtype(values) or (
        bins is None and values.nunique() <= MAX_LEVELS
    ):
        return values
    cut = pd.cut(values.astype(float), bins=bins or 8)
    return cut.map(lambda iv: iv.mid).astype(float)


def line_data(df: pd.DataFrame, x: str, y: str, hue: str | None = None,
              bins: int | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """The numbers behind a line plot: x, hue, n, mean, ci_low, ci_high (a bootstrap interval
    inside the metric's range) and the interval's method."""
    ok = df[df["status"] == "ok"].copy()
    ok["_x"] = _binned(ok[x], bins)
    keys = ["_x"] + ([hue] if hue else [])
    bounds = metric_range(y)
    rows = []
    for key, group in ok.groupby(keys, sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        values = pd.to_numeric(group[y], errors="coerce").to_numpy(dtype=float)
        ci = bootstrap_mean(values, confidence, bounds, PLOT_RESAMPLES)
        rows.append({x: key[0], **({hue: key[1]} if hue else {}),
                     "n": int((~np.isnan(values)).sum()), "mean": ci.estimate,
                     "ci_low": ci.low, "ci_high": ci.high, "interval": ci.method})
    return pd.DataFrame(rows)


def metric_label(key: str, percent: bool = False) -> str:
    """The axis label of a metric: the glossary's label and unit (the key when unknown)."""
    from hmt_sim.report.glossary import info

    entry = info(key)
    name = entry.label or key
    if entry.unit == "share" and percent:
        return f"{name} (%)"
    unit = UNIT_TEXT.get(entry.unit)
    return f"{name} ({unit})" if unit else name


FACTOR_LABELS = {
    "autonomy.level": "Autonomy level",
    "autonomy.veto_window_s": "Veto window (s)",
    "ai.reliability": "AI reliability",
    "operators.count": "Operators",
    "operators.review_time.median_s": "Median review time (s)",
}
"""Words for the factors the experiments use; other keys are spelt out by ``factor_label``."""


def factor_label(key: str) -> str:
    """A factor key as words: ``ai.reliability`` -> ``AI reliability``, a ``_s`` key gets its
    unit (``autonomy.veto_window_s`` -> ``Veto window (s)``), a last part that names one of
    several (a region) goes after a colon (``AI region bias: old quarter``)."""
    if key in FACTOR_LABELS:
        return FACTOR_LABELS[key]
    parts = key.split(".")
    unit = ""
    if parts[-1].endswith("_s"):
        parts[-1], unit = parts[-1][:-2], " (s)"
    words = [" ".join("AI" if w == "ai" else "ROE" if w == "roe" else w
                      for w in part.split("_")) for part in parts]
    text = " ".join(words[:2]) + (f": {' '.join(words[2:])}" if len(words) > 2 else "")
    return text[:1].upper() + text[1:] + unit


def level_labels(values: Any) -> list[str]:
    """Tick or legend labels for a factor's levels, numbers with one common precision (the
    fewest decimals, up to 4, that show every level exactly)."""
    values = list(values)
    if not all(isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
               for v in values):
        return [str(v) for v in values]
    floats = [float(v) for v in values]
    decimals = 0
    while decimals < 4 and any(abs(round(v, decimals) - v) > 1e-9 for v in floats):
        decimals += 1
    return [f"{v:.{decimals}f}" for v in floats]


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
    style: str = "default",
) -> Any:
    """Draw the figure; save it to ``out`` (PNG, PDF, SVG by extension) when given.

    ``style="paper"`` sizes it for a journal column (module docstring). Returns the matplotlib
    ``Figure``.
    """
    import matplotlib

    if os.environ.get("MPLBACKEND") is None and out is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if style not in STYLES:
        raise InputError(f"unknown plot style {style!r} (allowed: {', '.join(STYLES)})")
    df = results_table(results)
    check_columns(df, [x] + ([hue] if hue else []), "factor")
    check_columns(df, [y], "metric")
    if heatmap and not hue:
        raise InputError("a heatmap needs two factors: --x and --hue")
    if (df["status"] == "ok").sum() == 0:
        raise InputError("no successful runs to plot")
    paper = style == "paper"
    rc: Any = PAPER_RC if paper else {}
    with plt.rc_context(rc):
        size = (5.5, 2.9) if paper else (7.5, 4.5)
        fig, ax = plt.subplots(figsize=size, layout="constrained")
        if heatmap:
            assert hue is not None
            _heatmap(ax, fig, df, x, hue, y, bins, paper)
        else:
            _lines(ax, fig, df, x, y, hue, bins, paper)
        if title or not paper:
            # Over the whole figure, so a long title never runs into a legend outside the axes.
            fig.suptitle(title or f"{metric_label(y)} by {_inline(factor_label(x))}"
                         + (f" and {_inline(factor_label(hue))}" if hue else ""),
                         fontsize=plt.rcParams["axes.titlesize"])
        if out is not None:
            with atomic_path(out) as tmp:
                fig.savefig(tmp, dpi=300 if paper else 120,
                            format=os.fspath(out).rsplit(".", 1)[-1].lower())
            plt.close(fig)
    return fig


def _lines(ax: Any, fig: Any, df: pd.DataFrame, x: str, y: str, hue: str | None,
           bins: int | None, paper: bool) -> None:
    from matplotlib.ticker import PercentFormatter

    data = line_data(df, x, y, hue, bins)
    groups = [(None, data)] if hue is None else list(data.groupby(hue, sort=True))
    categorical = not pd.api.types.is_numeric_dtype(data[x])
    names = level_labels([level for level, _ in groups]) if hue is not None else [""]
    for i, ((_, group), name) in enumerate(zip(groups, names, strict=True)):
        group = group.sort_values(x)
        xs = np.arange(len(group)) if categorical else group[x].to_numpy(dtype=float)
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        ax.plot(xs, group["mean"], marker=MARKERS[i % len(MARKERS)], color=colour,
                label=name if hue is not None else None, **({} if paper else {"ms": 4}))
        ax.fill_between(xs, group["ci_low"], group["ci_high"], alpha=0.18, color=colour,
                        linewidth=0)
    xs_all = sorted(data[x].unique()) if not categorical else list(data[x].unique())
    if categorical:
        ax.set_xticks(np.arange(len(xs_all)), [str(v) for v in xs_all])
    elif len(xs_all) <= MAX_LEVELS:
        ax.set_xticks(np.asarray(xs_all, dtype=float), level_labels(xs_all))
    share = metric_range(y) == (0.0, 1.0)
    ax.set_xlabel(factor_label(x))
    ax.set_ylabel(metric_label(y, percent=paper and share)
                  + ("" if paper else "\nmean, 95% CI over seeds"))
    if paper and share:
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.grid(alpha=0.3, linewidth=0.5)
    if hue is not None:
        # Under the axes, one row: outside the data and clear of the title, however long.
        fig.legend(loc="outside lower center", title=factor_label(hue), frameon=False,
                   ncol=min(len(groups), 6))


def _heatmap(ax: Any, fig: Any, df: pd.DataFrame, x: str, hue: str, y: str,
             bins: int | None, paper: bool) -> None:
    import matplotlib as mpl

    ok = df[df["status"] == "ok"].copy()
    ok["_x"] = _binned(ok[x], bins)
    ok["_h"] = _binned(ok[hue], bins)
    ok["_y"] = pd.to_numeric(ok[y], errors="coerce")
    table = ok.pivot_table(index="_h", columns="_x", values="_y", aggfunc="mean",
                           observed=True)
    values = table.to_numpy(dtype=float)
    cmap = mpl.colormaps["cividis" if paper else "viridis"]
    image = ax.imshow(values, origin="lower", aspect="auto", cmap=cmap)
    ax.set_xticks(range(table.shape[1]), level_labels(table.columns))
    ax.set_yticks(range(table.shape[0]), level_labels(table.index))
    ax.set_xlabel(factor_label(x))
    ax.set_ylabel(factor_label(hue))
    fmt = _value_format(y, values)
    norm = image.norm
    for (i, j), value in np.ndenumerate(values):
        if not np.isnan(value):
            r, g, b, _ = cmap(norm(value))
            light = 0.299 * r + 0.587 * g + 0.114 * b > 0.5
            ax.text(j, i, fmt(value), ha="center", va="center",
                    fontsize=6 if paper else 7, color="black" if light else "white")
    fig.colorbar(image, ax=ax, label=f"{metric_label(y)}, mean")


def _inline(label: str) -> str:
    """A label inside a sentence: ``Autonomy level`` -> ``autonomy level``, ``AI ...`` kept."""
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


def _value_format(metric: str, values: np.ndarray) -> Any:
    """One format for every cell of a heatmap: whole numbers stay whole, shares get two
    decimals, others three significant figures of the largest value."""
    finite = values[np.isfinite(values)]
    if metric_range(metric) == (0.0, 1.0):
        return lambda v: f"{v:.2f}"
    if len(finite) and np.allclose(finite, np.round(finite)):
        return lambda v: f"{v:.0f}"
    top = float(np.max(np.abs(finite))) if len(finite) else 1.0
    decimals = max(0, 2 - int(np.floor(np.log10(top)))) if top > 0 else 2
    return lambda v: f"{v:.{decimals}f}"
