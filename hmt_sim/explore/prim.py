"""PRIM, the Patient Rule Induction Method (Friedman and Fisher 1999), for scenario discovery.

Given runs (factor values) and a yes/no outcome, PRIM looks for a box (a range per numeric
factor, a set of values per categorical one) where the outcome is frequent:

* **peeling**: repeatedly cut off a small slice (``alpha``, 5% of the box) from one side of one
  numeric factor, or drop one value of a categorical factor, choosing the cut that leaves the
  highest share of cases in the box, until the box holds fewer than ``min_mass`` of all runs;
* **pasting**: then widen the final box again where adding a slice raises that share.

Every box along the way is kept: the *peeling trajectory* trades coverage (share of all cases
that fall in the box) against density (share of the box's runs that are cases). Restrictions
that do not matter are then dropped with a one-sided binomial test (as EMA Workbench's
quasi-p-values do), so rules name only factors that make a difference.

Written here rather than imported: the standalone ``prim`` package on PyPI is GPL-3.0 (this
project is Apache-2.0) and EMA Workbench, whose PRIM is the reference, pulls in statsmodels,
seaborn and an optimisation library for one function. This module keeps to the published
algorithm: peel, paste, trajectory, restriction tests; no PCA rotation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Limit = tuple[float, float] | frozenset[Any]
"""A numeric range (inclusive both ends) or the set of allowed categorical values."""


@dataclass(frozen=True)
class Box:
    """A box of factor space and how well it captures the cases.

    ``limits`` holds only restricted factors; ``coverage`` = cases in box / all cases,
    ``density`` = cases in box / runs in box, ``mass`` = runs in box / all runs."""

    limits: dict[str, Limit]
    coverage: float
    density: float
    mass: float
    n_runs: int
    n_cases: int
    p_values: dict[str, float] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()
    """Restrictions removed by ``prune_restrictions`` as not significant."""


@dataclass(frozen=True)
class PrimResult:
    """The peeling-and-pasting trajectory (first box: everything) and the base rate."""

    trajectory: tuple[Box, ...]
    base_rate: float
    n_cases: int
    n_runs: int


class _Data:
    """Factor columns as arrays, with their kinds, and the outcome."""

    def __init__(self, x: Any, y: np.ndarray) -> None:
        import pandas as pd

        self.names = [str(c) for c in x.columns]
        self.numeric = {c: bool(pd.api.types.is_numeric_dtype(x[c])
                                and not pd.api.types.is_bool_dtype(x[c])) for c in self.names}
        self.cols = {c: (x[c].to_numpy(dtype=float) if self.numeric[c]
                         else x[c].to_numpy(dtype=object)) for c in self.names}
        self.y = np.asarray(y, dtype=bool)
        self.full: dict[str, Limit] = {
            c: ((float(np.min(v)), float(np.max(v))) if self.numeric[c]
                else frozenset(v.tolist())) for c, v in self.cols.items()}

    def inside(self, limits: dict[str, Limit], skip: str | None = None) -> np.ndarray:
        keep = np.ones(len(self.y), dtype=bool)
        for c, lim in limits.items():
            if c == skip:
                continue
            v = self.cols[c]
            if isinstance(lim, frozenset):
                keep &= np.isin(v, list(lim))
            else:
                keep &= (v >= lim[0]) & (v <= lim[1])
        return keep

    def box(self, limits: dict[str, Limit]) -> Box:
        keep = self.inside(limits)
        n, k, total = int(keep.sum()), int(self.y[keep].sum()), int(self.y.sum())
        restricted = {c: lim for c, lim in limits.items() if lim != self.full[c]}
        return Box(restricted, k / total if total else 0.0, k / n if n else 0.0,
                   n / len(self.y), n, k)


def prim(x: Any, y: Sequence[bool] | np.ndarray, *, alpha: float = 0.05,
         min_mass: float = 0.05, paste_alpha: float = 0.05) -> PrimResult:
    """Peel and paste a box around the runs where ``y`` holds; ``x`` is a DataFrame of factors.

    Deterministic: ties between equally good cuts go to the first factor (in column order),
    lower side before upper.
    """
    if not 0 < alpha < 1 or not 0 < min_mass < 1:
        raise ValueError("alpha and min_mass must be in (0, 1)")
    data = _Data(x, np.asarray(y, dtype=bool))
    if len(data.y) == 0:
        raise ValueError("no runs to search")
    limits = dict(data.full)
    trajectory = [data.box(limits)]
    while True:
        nxt = _best_peel(data, limits, alpha, min_mass)
        if nxt is None:
            break
        limits = nxt
        trajectory.append(data.box(limits))
    while True:
        nxt = _best_paste(data, limits, paste_alpha)
        if nxt is None:
            break
        limits = nxt
        trajectory.append(data.box(limits))
    return PrimResult(tuple(trajectory), float(data.y.mean()), int(data.y.sum()), len(data.y))


def _peels(data: _Data, limits: dict[str, Limit], keep: np.ndarray,
           alpha: float) -> list[dict[str, Limit]]:
    """Every candidate box one peel smaller than ``limits``."""
    out: list[dict[str, Limit]] = []
    for c in data.names:
        v = data.cols[c][keep]
        lim = limits[c]
        if isinstance(lim, frozenset):
            if len(lim) > 1:
                out.extend({**limits, c: lim - {value}} for value in sorted(lim, key=str))
            continue
        lo_q = float(np.quantile(v, alpha, method="lower"))
        hi_q = float(np.quantile(v, 1 - alpha, method="higher"))
        above = v[v > lo_q]
        if above.size:  # cut everything at or below the alpha quantile
            out.append({**limits, c: (float(above.min()), lim[1])})
        below = v[v < hi_q]
        if below.size:
            out.append({**limits, c: (lim[0], float(below.max()))})
    return out


def _best_peel(data: _Data, limits: dict[str, Limit], alpha: float,
               min_mass: float) -> dict[str, Limit] | None:
    keep = data.inside(limits)
    best, best_mean, best_n = None, -1.0, -1
    for cand in _peels(data, limits, keep, alpha):
        inside = data.inside(cand)
        n = int(inside.sum())
        if n < min_mass * len(data.y) or n == 0:
            continue
        mean = float(data.y[inside].mean())
        if mean > best_mean + 1e-12 or (abs(mean - best_mean) <= 1e-12 and n > best_n):
            best, best_mean, best_n = cand, mean, n
    return best


def _best_paste(data: _Data, limits: dict[str, Limit],
                alpha: float) -> dict[str, Limit] | None:
    keep = data.inside(limits)
    n_box = int(keep.sum())
    current = float(data.y[keep].mean()) if n_box else 0.0
    step = max(1, round(alpha * n_box))
    best, best_mean = None, current
    for c in data.names:
        lim, full = limits[c], data.full[c]
        if lim == full:
            continue
        others = data.inside(limits, skip=c)
        v = data.cols[c]
        cands: list[dict[str, Limit]] = []
        if isinstance(lim, frozenset):
            assert isinstance(full, frozenset)
            cands = [{**limits, c: lim | {value}} for value in sorted(full - lim, key=str)]
        else:
            outside_lo = np.sort(v[others & (v < lim[0])])[::-1]
            outside_hi = np.sort(v[others & (v > lim[1])])
            if outside_lo.size:
                cands.append({**limits, c: (float(outside_lo[min(step, outside_lo.size) - 1]),
                                            lim[1])})
            if outside_hi.size:
                cands.append({**limits, c: (lim[0],
                                            float(outside_hi[min(step, outside_hi.size) - 1]))})
        for cand in cands:
            inside = data.inside(cand)
            mean = float(data.y[inside].mean())
            if mean > best_mean + 1e-12:
                best, best_mean = cand, mean
    return best


def prune_restrictions(x: Any, y: Sequence[bool] | np.ndarray, box: Box) -> Box:
    """The box with a one-sided binomial p-value per restriction, dropping those with p >= 0.05.

    p is the chance of seeing at least the box's cases among its runs if that restriction were
    lifted (density falling to that of the wider box): large p means the restriction adds
    nothing. The least useful restriction goes first, then the rest are tested again.
    """
    from scipy.stats import binom

    data = _Data(x, np.asarray(y, dtype=bool))
    limits = {**data.full, **box.limits}
    dropped: list[str] = []
    while True:
        current = data.box(limits)
        p_values = {}
        for c in current.limits:
            wider = data.box({**limits, c: data.full[c]})
            p_values[c] = float(binom.sf(current.n_cases - 1, current.n_runs, wider.density))
        worst = max(p_values, key=lambda c: (p_values[c], c), default=None)
        if worst is None or p_values[worst] < 0.05:
            return Box(current.limits, current.coverage, current.density, current.mass,
                       current.n_runs, current.n_cases, p_values, tuple(dropped))
        limits[worst] = data.full[worst]
        dropped.append(worst)
