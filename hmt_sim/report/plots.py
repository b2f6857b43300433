"""The report's figures, drawn with matplotlib's object API and returned as PNG bytes.

``Figure`` objects with an Agg canvas are used directly instead of ``pyplot``: no global figure
registry, no backend switch as a side effect, safe in any process. Colours are the Okabe-Ito
palette (distinguishable with the common colour-vision deficiencies); every axis names its unit.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from hmt_sim.i18n import _
from hmt_sim.ladder import RUNG_NAMES
from hmt_sim.report.extract import Bookmark, Marker, Step

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
SIDE_COLOUR = {"red": OKABE_ITO["vermillion"], "blue": OKABE_ITO["blue"]}
GROUP_COLOURS = [OKABE_ITO[c] for c in ("black", "blue", "orange", "green", "sky", "vermillion",
                                         "purple", "yellow")]
DPI = 110
WIDTH_IN = 9.5

STYLE: dict[str, Any] = {
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "savefig.facecolor": "white",
    "figure.facecolor": "white",
}


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context(cast(Any, STYLE)):
        yield


def _figure(height_in: float, nrows: int = 1, sharex: bool = False
            ) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, 1, sharex=sharex, squeeze=False)[:, 0].tolist()
    return fig, axes


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _minutes(t: Any) -> Any:
    return np.asarray(t, dtype=float) / 60.0


def _context_lines(ax: Axes, markers: list[Marker], marks: list[Bookmark],
                   numbered: bool = True) -> None:
    """Injects as dotted grey lines numbered at the top; bookmarks as yellow-edged stars."""
    for i, m in enumerate(markers, 1):
        ax.axvline(m.t / 60.0, color="#777777", linestyle=":", linewidth=1.0, zorder=1)
        if numbered:
            ax.annotate(f"{i}", (m.t / 60.0, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(2, -10), textcoords="offset points", fontsize=8,
                        color="#444444")
    for b in marks:
        ax.axvline(b.t / 60.0, color=OKABE_ITO["orange"], linewidth=1.4, alpha=0.8, zorder=1)
        ax.plot([b.t / 60.0], [1.0], marker="*", markersize=11, color=OKABE_ITO["orange"],
                markeredgecolor="black", markeredgewidth=0.5, transform=ax.get_xaxis_transform(),
                clip_on=False, zorder=5)


def rung_name(rung: int) -> str:
    """A ladder rung's name in the language in force (``hmt_sim.ladder.RUNG_NAMES``)."""
    return _(RUNG_NAMES[rung])


def escalation_png(series: dict[str, tuple[list[float], list[int]]], steps: list[Step],
                   force: list[tuple[float, bool]], markers: list[Marker],
                   marks: list[Bookmark], duration_s: float) -> bytes:
    """Both sides' rungs over time; steps marked, inadvertent steps ringed; force as a rug."""
    with _style():
        fig, (ax,) = _figure(3.6)
        top = min(len(RUNG_NAMES) - 1, max(3, max(max(rs) for _, rs in series.values()) + 1))
        for side, name in (("red", _("adversary (red)")), ("blue", _("own side (blue)"))):
            ts, rs = series[side]
            offset = 0.04 if side == "red" else -0.04  # keep equal rungs apart
            ax.step(_minutes(ts), np.asarray(rs) + offset, where="post", linewidth=2.2,
                    color=SIDE_COLOUR[side], label=name)
        for s in steps:
            offset = 0.04 if s.side == "red" else -0.04
            ax.plot(s.t / 60.0, s.to_rung + offset, marker="o", markersize=6,
                    color=SIDE_COLOUR[s.side], zorder=4)
            if s.inadvertent:
                ax.plot(s.t / 60.0, s.to_rung + offset, marker="o", markersize=15,
                        markerfacecolor="none", markeredgecolor=OKABE_ITO["purple"],
                        markeredgewidth=2.2, zorder=5)
                ax.annotate(_("inadvertent"), (s.t / 60.0, s.to_rung + offset), xytext=(8, 6),
                            textcoords="offset points", color=OKABE_ITO["purple"],
                            fontweight="bold", fontsize=8.5)
        wrong = [t for t, civ in force if civ]
        right = [t for t, civ in force if not civ]
        if right:
            ax.plot(_minutes(right), [-0.35] * len(right), linestyle="none", marker="|",
                    markersize=9, color=OKABE_ITO["black"], label=_("use of force"))
        if wrong:
            ax.plot(_minutes(wrong), [-0.35] * len(wrong), linestyle="none", marker="v",
                    markersize=7, color=OKABE_ITO["purple"], label=_("force on a civilian"))
        if any(s.inadvertent for s in steps):
            ax.plot([], [], marker="o", markersize=10, markerfacecolor="none", linestyle="none",
                    markeredgecolor=OKABE_ITO["purple"], markeredgewidth=2,
                    label=_("inadvertent step"))
        _context_lines(ax, markers, marks)
        ax.set_yticks(range(top + 1))
        ax.set_yticklabels([f"{r} {rung_name(r)}" for r in range(top + 1)])
        ax.set_ylim(-0.6, top + 0.4)
        ax.set_xlim(0, duration_s / 60.0)
        ax.set_xlabel(_("simulation time (min)"))
        ax.set_ylabel(_("escalation rung"))
        ax.set_title(_("Escalation ladder over time"))
        fig.legend(loc="outside lower center", ncols=5)
        return _png(fig)


def trust_png(ts: pd.DataFrame, markers: list[Marker], marks: list[Bookmark],
              duration_s: float) -> bytes:
    """Operators' mean trust next to the AI's true accuracy at that moment."""
    with _style():
        fig, (ax,) = _figure(3.0)
        t = _minutes(ts["t"])
        ax.plot(t, ts["ai_accuracy"].astype(float), color=OKABE_ITO["orange"], linewidth=2.0,
                label=_("AI accuracy (ground truth)"))
        if ts["trust"].notna().any():
            ax.plot(t, ts["trust"].astype(float), color=OKABE_ITO["blue"], linewidth=2.0,
                    linestyle="--", label=_("operators' trust in the AI"))
        _context_lines(ax, markers, marks)
        ax.set_ylim(0, 1.05)
        ax.set_xlim(0, duration_s / 60.0)
        ax.set_xlabel(_("simulation time (min)"))
        ax.set_ylabel(_("probability / trust (0-1)"))
        ax.set_title(_("Trust versus AI accuracy"))
        fig.legend(loc="outside lower center", ncols=2)
        return _png(fig)


def workload_png(ts: pd.DataFrame, markers: list[Marker], marks: list[Bookmark],
                 duration_s: float) -> bytes:
    """Share of operators busy and the reviews waiting, one panel each, same time axis."""
    with _style():
        fig, (ax1, ax2) = _figure(3.8, nrows=2, sharex=True)
        t = _minutes(ts["t"])
        util = ts["utilisation"].astype(float)
        ax1.fill_between(t, 100 * util, step="post", color=OKABE_ITO["sky"], alpha=0.6,
                         linewidth=0)
        ax1.step(t, 100 * util, where="post", color=OKABE_ITO["blue"], linewidth=1.2)
        ax1.set_ylim(0, 105)
        ax1.set_ylabel(_("operators busy (%)"))
        ax1.set_title(_("Workload"))
        ax2.step(t, ts["queue"].astype(float), where="post", color=OKABE_ITO["vermillion"],
                 linewidth=1.6)
        ax2.set_ylim(0, max(1.0, float(ts["queue"].max())) * 1.15)
        ax2.set_ylabel(_("reviews waiting (count)"))
        ax2.set_xlabel(_("simulation time (min)"))
        ax2.yaxis.set_major_locator(MaxNLocator(integer=True))
        for ax in (ax1, ax2):
            _context_lines(ax, markers, marks, numbered=ax is ax1)
            ax.set_xlim(0, duration_s / 60.0)
        return _png(fig)


def distribution_png(title: str, unit_label: str, groups: list[str], values: list[list[Any]],
                     actual: Any, seed: int, xlabel: str, integer: bool = False) -> bytes:
    """Strip and box plot of one metric per setting, with the actual run as a line."""
    with _style():
        fig = Figure(figsize=(4.6, 3.2), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        data = [np.array([float(v) for v in vs if v is not None], dtype=float) for vs in values]
        positions = np.arange(1, len(groups) + 1)
        nonempty = [(p, d) for p, d in zip(positions, data, strict=True) if d.size]
        if nonempty:
            ax.boxplot([d for _, d in nonempty], positions=[p for p, _ in nonempty], widths=0.5,
                       showfliers=False, medianprops={"color": "black", "linewidth": 1.8},
                       boxprops={"color": "#555555"}, whiskerprops={"color": "#555555"},
                       capprops={"color": "#555555"})
        jitter = np.random.default_rng(seed)  # fixed: the same report twice looks the same
        for i, (p, d) in enumerate(zip(positions, data, strict=True)):
            if d.size:
                x = p + jitter.uniform(-0.17, 0.17, d.size)
                ax.scatter(x, d, s=13, alpha=0.55, color=GROUP_COLOURS[i % len(GROUP_COLOURS)],
                           edgecolors="none", zorder=3)
            else:
                ax.annotate(_("n/a"), (p, 0.5), xycoords=("data", "axes fraction"), ha="center",
                            color="#777777")
        if actual is not None:
            ax.axhline(float(actual), color=OKABE_ITO["vermillion"], linewidth=1.8,
                       linestyle="--", label=_("this run ({value})").format(value=f"{actual:g}"),
                       zorder=4)
            fig.legend(loc="outside lower right", fontsize=8)
        if integer:
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        tilt = max(len(g) for g in groups) > 8 and len(groups) > 2
        ax.set_xticks(positions)
        ax.set_xticklabels(groups, rotation=20 if tilt else 0, ha="right" if tilt else "center",
                           fontsize=8)
        ax.set_xlim(0.4, len(groups) + 0.6)
        ax.set_ylabel(unit_label)
        ax.set_xlabel(_("{factor} (each dot one seed)").format(factor=xlabel))
        ax.set_title(title)
        return _png(fig)
