"""Figures of global sensitivity and scenario discovery (matplotlib, Agg: no screen needed).

* ``plot_sensitivity``: one panel per metric; Sobol S1 and ST as bars with their 95% bootstrap
  intervals, or Morris mu* with its interval and sigma beside it.
* ``plot_trajectory``: PRIM's peeling trajectory, density against coverage, coloured by how
  many factors the box restricts; the chosen box is ringed.

Colours are from the Okabe-Ito palette, which reads for colour-blind viewers.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from hmt_sim.explore.discovery import Discovery
from hmt_sim.explore.sensitivity import SensitivityResult
from hmt_sim.fileio import atomic_path
from hmt_sim.sweep.plots import factor_label, metric_label

BLUE, ORANGE, GREEN, GREY = "#0072B2", "#E69F00", "#009E73", "#999999"
MAX_PANELS = 9


def _figure(panels: int, width: float, height: float) -> tuple[Any, list[Any]]:
    """A figure drawn on its own Agg canvas: no pyplot, no global backend switch."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cols = min(panels, 3)
    rows = math.ceil(panels / cols)
    fig = Figure(figsize=(width * cols, height * rows))
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[panels:]:
        ax.set_visible(False)
    return fig, flat[:panels]


def condition_text(condition: Any) -> str:
    """A condition in words: ``harm.wrongful_engagements >= 1`` -> ``Wrongful engagements
    (count) >= 1`` (the glossary's label and unit)."""
    return str(condition).replace(condition.metric, metric_label(condition.metric), 1)


def _save(fig: Any, out: str | os.PathLike[str], top: float = 0.94) -> None:
    fig.tight_layout(rect=(0, 0, 1, top) if fig.get_suptitle() else None)
    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=130, format=str(out).rsplit(".", 1)[-1].lower())


def plot_sensitivity(result: SensitivityResult, out: str | os.PathLike[str]) -> int:
    """Draw the indices of (at most ``MAX_PANELS``) metrics; returns how many were drawn."""
    metrics = [m for m in result.metrics if m.indices][:MAX_PANELS]
    if not metrics:
        return 0
    d = len(result.factors)
    fig, axes = _figure(len(metrics), 4.6, 0.5 * d + 1.6)
    pos = np.arange(d)
    for ax, m in zip(axes, metrics, strict=True):
        rows = m.indices
        if result.method == "sobol":
            h = 0.38
            ax.barh(pos - h / 2, [r.first for r in rows], h, xerr=[r.first_conf for r in rows],
                    color=BLUE, label="first order S1", capsize=2)
            ax.barh(pos + h / 2, [r.total for r in rows], h, xerr=[r.total_conf for r in rows],
                    color=ORANGE, label="total ST", capsize=2)
            ax.set_xlabel("share of variance (95% bootstrap CI)")
            ax.set_xlim(min(0.0, ax.get_xlim()[0]), max(1.05, ax.get_xlim()[1]))
        else:
            h = 0.38
            ax.barh(pos - h / 2, [r.mu_star for r in rows], h,
                    xerr=[r.mu_star_conf for r in rows], color=BLUE, label="mu* (95% CI)",
                    capsize=2)
            ax.barh(pos + h / 2, [r.sigma for r in rows], h, color=GREEN, label="sigma")
            ax.set_xlabel("change of the metric over a factor's range")
        ax.axvline(0, color=GREY, lw=0.8)
        ax.set_yticks(pos, [factor_label(r.factor) for r in rows])
        ax.invert_yaxis()
        ax.set_title(metric_label(m.metric), fontsize=10)
    handles, labels = axes[0].get_legend_handles_labels()
    # Below the title, above the panels: never over a bar.
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.955), ncol=2,
               fontsize=8, frameon=False)
    method = "Sobol indices" if result.method == "sobol" else "Morris elementary effects"
    seeds = f"{result.seeds} seed{'s' if result.seeds != 1 else ''}"
    fig.suptitle(f"{method}: {result.points} design points x {seeds}",
                 fontsize=11)
    _save(fig, out, top=0.9)
    return len(metrics)


def plot_trajectory(found: Discovery, out: str | os.PathLike[str]) -> None:
    """PRIM's coverage-density trade-off along the peeling (and pasting) trajectory."""
    import matplotlib

    boxes = found.trajectory.trajectory
    fig, (ax,) = _figure(1, 6.4, 4.6)
    dims = np.array([len(b.limits) for b in boxes])
    cmap = matplotlib.colormaps["viridis"].resampled(max(int(dims.max()) + 1, 2))
    points = ax.scatter([b.coverage for b in boxes], [b.density for b in boxes], c=dims,
                        cmap=cmap, vmin=-0.5, vmax=max(int(dims.max()), 1) + 0.5, s=22,
                        zorder=3)
    ax.plot([b.coverage for b in boxes], [b.density for b in boxes], color=GREY, lw=0.8,
            zorder=2)
    chosen = boxes[found.chosen]
    ax.scatter([chosen.coverage], [chosen.density], s=160, facecolors="none",
               edgecolors="black", lw=1.5, zorder=4, label=f"chosen box ({found.chosen})")
    ax.axhline(found.base_rate, color=ORANGE, ls="--", lw=1,
               label=f"base rate {100 * found.base_rate:.0f}%")
    bar = fig.colorbar(points, ax=ax, ticks=range(int(dims.max()) + 1))
    bar.set_label("restricted factors")
    ax.set_xlabel("coverage (share of all such runs inside the box)")
    ax.set_ylabel("density (share of the box's runs)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    # Under the axes, outside the data: the trajectory runs through every corner.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8,
              frameon=False)
    ax.set_title(f"PRIM peeling trajectory: {condition_text(found.condition)}", fontsize=10)
    _save(fig, out)
