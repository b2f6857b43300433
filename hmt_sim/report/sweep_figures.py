"""Figures of the sweep report, as PNG bytes to inline in the HTML.

The main-effects grid is drawn here (one panel per metric and factor, mean line and 95%
bootstrap band); the heatmap, the sensitivity bars and the PRIM trajectory are the figures of
``hmt-sim plot``, ``sensitivity`` and ``discover``, drawn to a temporary file and read back, so
the report and the commands always show the same picture. Labels come from the glossary with
units; colours are Okabe-Ito (colour-blind safe).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hmt_sim.i18n import _
from hmt_sim.report.sweep_data import Effect

BLUE = "#0072B2"
PANEL_W, PANEL_H = 2.9, 2.1


def _png_of(draw: Callable[[Path], Any]) -> bytes:
    """Run ``draw(path)`` on a temporary PNG path and return the file's bytes."""
    with tempfile.TemporaryDirectory(prefix="hmt-report-") as tmp:
        path = Path(tmp) / "figure.png"
        draw(path)
        return path.read_bytes()


def main_effects_png(effects: dict[str, list[Effect]], factors: list[str]) -> bytes:
    """A grid: one row per metric, one column per factor; each panel the metric's mean with a
    95% bootstrap band over that factor's levels (the other factors pooled). Panels of a row
    share the y axis, so the factor that moves a metric most shows as the steepest line."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from hmt_sim.report.sweep_names import factor_name as factor_label
    from hmt_sim.report.sweep_names import metric_name as metric_label
    from hmt_sim.sweep.plots import level_labels

    metrics = list(effects)
    rows, cols = len(metrics), len(factors)
    fig = Figure(figsize=(max(PANEL_W * cols, 6.0), PANEL_H * rows + 0.3),
                 layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False, sharey="row")
    for i, metric in enumerate(metrics):
        for j, effect in enumerate(effects[metric]):
            ax = axes[i][j]
            table = effect.table
            xs_raw = list(table[effect.factor])
            numeric = all(isinstance(v, int | float | np.integer | np.floating)
                          and not isinstance(v, bool) for v in xs_raw)
            xs = np.asarray(xs_raw, dtype=float) if numeric else np.arange(len(xs_raw))
            ax.fill_between(xs, table["ci_low"], table["ci_high"], color=BLUE, alpha=0.2,
                            linewidth=0)
            ax.plot(xs, table["mean"], marker="o", ms=3, color=BLUE, lw=1.4)
            if not numeric or (len(xs_raw) <= 8 and not effect.binned):
                ax.set_xticks(xs, level_labels(xs_raw))
            ax.tick_params(labelsize=7.5)
            ax.grid(alpha=0.3, linewidth=0.5)
            if i == 0:
                ax.set_title(factor_label(effect.factor), fontsize=9.5, fontweight="bold")
            if i == rows - 1:
                ax.set_xlabel(factor_label(effect.factor)
                              + (" (binned)" if effect.binned else ""), fontsize=8.5)
            if j == 0:
                ax.set_ylabel(_wrap(metric_label(metric)), fontsize=8.5)
    with io.BytesIO() as buf:
        fig.savefig(buf, format="png", dpi=110)
        return buf.getvalue()


def _wrap(text: str, width: int = 22) -> str:
    """Break a long axis label onto two lines at a space."""
    if len(text) <= width or " " not in text:
        return text
    cut = text.rfind(" ", 0, width + 1)
    cut = cut if cut > 0 else text.find(" ")
    return text[:cut] + "\n" + text[cut + 1:]


def heatmap_png(df: Any, x: str, y: str, metric: str) -> bytes:
    """``hmt-sim plot --heatmap``'s figure of ``metric`` over factors ``x`` and ``y``."""
    from hmt_sim.sweep.plots import plot

    return _png_of(lambda path: plot(df, x, metric, y, heatmap=True, out=path))


def sensitivity_png(result: Any) -> bytes | None:
    """Sobol S1 and ST (or Morris mu* and sigma) per factor, one panel per metric, labelled
    with the glossary's names; None when no metric has indices."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from hmt_sim.report.sweep_names import factor_name as factor_label
    from hmt_sim.report.sweep_names import metric_name as metric_label
    from hmt_sim.sweep.plots import OKABE_ITO

    metrics = [m for m in result.metrics if m.indices]
    if not metrics:
        return None
    d = len(result.factors)
    cols = min(len(metrics), 3)
    rows = -(-len(metrics) // cols)
    fig = Figure(figsize=(3.6 * cols + 1.4, (0.42 * d + 1.0) * rows + 0.5), layout="constrained")
    FigureCanvasAgg(fig)
    axes = list(fig.subplots(rows, cols, squeeze=False, sharey=True).ravel())
    pos = np.arange(d)
    sobol = result.method == "sobol"
    for ax, m in zip(axes, metrics, strict=False):
        by = {r.factor: r for r in m.indices}
        ordered = [by[f] for f in result.factors]
        first = [r.first if sobol else r.mu_star for r in ordered]
        first_err = [r.first_conf if sobol else r.mu_star_conf for r in ordered]
        second = [r.total if sobol else r.sigma for r in ordered]
        second_err = [r.total_conf for r in ordered] if sobol else None
        ax.barh(pos - 0.2, first, 0.38, xerr=first_err, color=OKABE_ITO[0], capsize=2,
                label=_("S1: alone") if sobol else _("mu*: mean effect"))
        ax.barh(pos + 0.2, second, 0.38, xerr=second_err, color=OKABE_ITO[1], capsize=2,
                label=_("ST: with interactions") if sobol else _("sigma: spread"))
        ax.axvline(0, color="#999999", lw=0.8)
        if sobol:
            ax.set_xlim(min(-0.05, ax.get_xlim()[0]), max(1.05, ax.get_xlim()[1]))
            ax.set_xlabel(_("share of variance"), fontsize=8.5)
        ax.set_title(_wrap(metric_label(m.metric), 34), fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(axis="x", alpha=0.3, linewidth=0.5)
    axes[0].set_yticks(pos, [factor_label(f) for f in result.factors])
    axes[0].invert_yaxis()
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=2, fontsize=8.5,
               frameon=False)
    with io.BytesIO() as buf:
        fig.savefig(buf, format="png", dpi=110)
        return buf.getvalue()


def trajectory_png(found: Any) -> bytes:
    """``hmt-sim discover``'s peeling trajectory (coverage against density)."""
    from hmt_sim.explore.plots import plot_trajectory

    return _png_of(lambda path: plot_trajectory(found, path))
