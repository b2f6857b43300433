"""Global sensitivity of a sweep's metrics to its factors: Sobol indices and Morris effects.

Which factors drive a metric over the whole factor space, alone and through interactions?

* **Sobol indices** (``design: {saltelli: N}``): the first-order index S1 of a factor is the
  share of the metric's variance explained by that factor alone; the total index ST adds every
  interaction it takes part in. ST near 0 means the factor can be fixed anywhere in its range.
  Estimated with SALib (Saltelli 2010, Jansen estimators) with bootstrap confidence intervals.
* **Morris elementary effects** (``design: {morris: R}``): mu* (mean absolute change of the
  metric per whole range of a factor, from steps of 2/3 of it) ranks factors cheaply; sigma
  large compared with mu* points to interactions or non-linearity. mu* gets a bootstrap
  interval.

The metric of a design point is its mean over the seeds (every point ran the same seeds, so
noise is common to all points and cancels in the differences both methods use). Each factor's
range is mapped to [0, 1], so Morris effects are "change of the metric over the whole range".
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hmt_sim.errors import InputError
from hmt_sim.explore.samples import SA_DESIGNS, design_size, unit_problem, unit_sample
from hmt_sim.explore.table import metric_names, point_means, resolve_metrics

CONF_LEVEL = 0.95
RESAMPLES = 1000


@dataclass(frozen=True)
class FactorIndex:
    """One factor's sensitivity to one metric. Sobol: ``first``/``total`` with the half-widths
    of their 95% bootstrap intervals. Morris: ``mu_star`` (with half-width), ``mu``,
    ``sigma``; the fields of the other method are NaN."""

    factor: str
    first: float = math.nan
    first_conf: float = math.nan
    total: float = math.nan
    total_conf: float = math.nan
    mu_star: float = math.nan
    mu_star_conf: float = math.nan
    mu: float = math.nan
    sigma: float = math.nan


@dataclass(frozen=True)
class MetricSensitivity:
    """The indices of every factor for one metric; ``note`` says why they are missing (a
    metric that never varies has no variance to share out)."""

    metric: str
    indices: tuple[FactorIndex, ...]
    variance: float
    note: str = ""


@dataclass(frozen=True)
class SensitivityResult:
    """What ``sensitivity()`` found: the method (``sobol`` or ``morris``), the design size,
    and one ``MetricSensitivity`` per metric."""

    method: str
    factors: tuple[str, ...]
    points: int
    seeds: int
    metrics: tuple[MetricSensitivity, ...]

    def to_frame(self) -> Any:
        """One row per (metric, factor): a pandas DataFrame for CSV files or further work."""
        import pandas as pd

        rows = [{"metric": m.metric, **vars(i)} for m in self.metrics for i in m.indices]
        df = pd.DataFrame(rows)
        keep = ["first", "first_conf", "total", "total_conf"] if self.method == "sobol" else [
            "mu_star", "mu_star_conf", "mu", "sigma"]
        return df[["metric", "factor", *keep]] if not df.empty else df


def sensitivity(results: str | os.PathLike[str], metrics: Sequence[str] | None = None,
                seed: int = 0) -> SensitivityResult:
    """Sobol indices (saltelli design) or Morris effects (morris design) of a sweep folder.

    ``metrics`` are exact names or group prefixes (``harm``); default: every numeric metric.
    ``seed`` fixes the bootstrap, so the same folder always gives the same intervals.
    """
    from hmt_sim.sweep.store import load_results

    path = Path(results)
    df = load_results(path)
    kind, n, design_seed = _design_of(path)
    factors = tuple(df.attrs["factors"])
    d = len(factors)
    if d < 1:
        raise InputError(f"{path}: the sweep has no factors to rank")
    expected = design_size(kind, n, d)
    if len(df.attrs["points"]) != expected:
        raise InputError(f"{path}: a {kind} design of {n} over {d} factors has {expected} "
                         f"points, the folder has {len(df.attrs['points'])}")
    names = resolve_metrics(metrics, metric_names(df), f"{path}")
    means = point_means(df, names, expected, f"{path}")
    x = unit_sample(kind, n, d, design_seed)
    out = []
    for name in names:
        y = means[name]
        holes = int(np.isnan(y).sum())
        if holes:
            out.append(MetricSensitivity(name, (), math.nan, f"not reported at {holes} of "
                                         f"{expected} design points: no indices"))
            continue
        variance = float(np.var(y))
        if not np.isfinite(variance) or variance <= 1e-24:
            out.append(MetricSensitivity(name, (), 0.0, "constant over the design: nothing to "
                                         "attribute"))
            continue
        rows = _sobol(factors, y, seed) if kind == "saltelli" else _morris(factors, x, y, seed)
        out.append(MetricSensitivity(name, rows, variance))
    seeds = int(df["seed"].nunique()) if "seed" in df else 0
    return SensitivityResult("sobol" if kind == "saltelli" else "morris", factors, expected,
                             seeds, tuple(out))


def _design_of(path: Path) -> tuple[str, int, int]:
    """(kind, size, design_seed) of a saltelli or morris sweep, from its manifest."""
    from hmt_sim.sweep.store import read_manifest

    spec = read_manifest(path).get("spec", {})
    design = spec.get("design")
    if isinstance(design, dict) and len(design) == 1:
        ((kind, n),) = design.items()
        if kind in SA_DESIGNS:
            return str(kind), int(n), int(spec.get("design_seed", 0))
    shown = design if isinstance(design, str) else next(iter(design or {"?": 0}))
    raise InputError(
        f"{path}: sensitivity indices need a sweep run with design {{saltelli: N}} (Sobol "
        f"indices) or {{morris: TRAJECTORIES}} (Morris effects); this one used {shown!r}. "
        "For a grid or LHS sweep, use `hmt-sim analyse` and `hmt-sim discover`")


def _sobol(factors: Sequence[str], y: np.ndarray, seed: int) -> tuple[FactorIndex, ...]:
    from SALib.analyze import sobol

    # SALib falls back on the global NumPy generator when seed is 0: always pass >= 1.
    res = sobol.analyze(unit_problem(len(factors)), y, calc_second_order=False,
                        num_resamples=RESAMPLES, conf_level=CONF_LEVEL, seed=seed + 1)
    return tuple(
        FactorIndex(f, first=float(res["S1"][i]), first_conf=float(res["S1_conf"][i]),
                    total=float(res["ST"][i]), total_conf=float(res["ST_conf"][i]))
        for i, f in enumerate(factors))


def _morris(factors: Sequence[str], x: np.ndarray, y: np.ndarray,
            seed: int) -> tuple[FactorIndex, ...]:
    from SALib.analyze import morris

    from hmt_sim.explore.samples import MORRIS_LEVELS

    res = morris.analyze(unit_problem(len(factors)), x, y, num_resamples=RESAMPLES,
                         conf_level=CONF_LEVEL, num_levels=MORRIS_LEVELS, seed=seed + 1)
    return tuple(
        FactorIndex(f, mu_star=float(res["mu_star"][i]), mu_star_conf=float(
            res["mu_star_conf"][i]), mu=float(res["mu"][i]), sigma=float(res["sigma"][i]))
        for i, f in enumerate(factors))


def analyse_function(method: str, factors: Sequence[str], y: np.ndarray, n: int,
                     design_seed: int = 0, seed: int = 0) -> tuple[FactorIndex, ...]:
    """Indices of outputs ``y`` computed at ``unit_sample(...)`` points: for checking the
    estimator on functions with known indices (Ishigami) without running a sweep."""
    if method == "saltelli":
        return _sobol(factors, y, seed)
    return _morris(factors, unit_sample("morris", n, len(factors), design_seed), y, seed)
