"""The numbers behind the sweep report: main effects with intervals, the headline sentence of
each metric, the two factors worth a heatmap, and the sensitivity and discovery results.

Everything is computed by the sweep and exploration code the commands use (``analyse``,
``plot``, ``sensitivity``, ``discover``); this module only chooses what a room needs to see
and puts it into words.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hmt_sim.errors import InputError
from hmt_sim.i18n import _
from hmt_sim.report.glossary import KEY_METRICS

DEFAULT_WHERE = "harm.wrongful_engagements >= 1"
"""The condition of the discovery section when ``--where`` is not given (and the sweep kept
the metric)."""
MAX_METRICS = 6
MAX_FACTORS = 6


@dataclass(frozen=True)
class Effect:
    """A metric's mean at every level of one factor (other factors pooled), with intervals."""

    metric: str
    factor: str
    table: Any  # DataFrame: factor value, n, mean, ci_low, ci_high, interval
    binned: bool

    @property
    def spread(self) -> float:
        """Largest minus smallest level mean: how far the factor moves the metric."""
        means = self.table["mean"].dropna()
        return float(means.max() - means.min()) if len(means) else 0.0


@dataclass
class SweepReportData:
    """What the sweep report shows, computed once."""

    path: Path
    manifest: dict[str, Any]
    results: Any  # the results table (DataFrame)
    factors: list[str]
    metrics: list[str]
    effects: dict[str, list[Effect]] = field(default_factory=dict)
    heatmap: tuple[str, str, str] | None = None  # (x factor, y factor, metric)
    heatmap_note: str = ""
    sensitivity: Any = None  # SensitivityResult
    sensitivity_note: str = ""
    discovery: Any = None  # Discovery
    discovery_note: str = ""
    left_out: list[str] = field(default_factory=list)
    """Metrics or factors asked for (or present) beyond what the report shows."""

    @property
    def ok_runs(self) -> int:
        """Successful runs in the table."""
        return int((self.results["status"] == "ok").sum())

    @property
    def seeds(self) -> int:
        """Distinct seeds run."""
        return int(self.results["seed"].nunique())


def collect(path: str | os.PathLike[str], *, where: str | None = None,
            metrics: list[str] | None = None, heatmap: tuple[str, str] | None = None,
            seed: int = 0) -> SweepReportData:
    """Read a sweep folder and compute every section's numbers. A ``where``, ``metrics`` or
    ``heatmap`` the user gave that does not fit the sweep is an ``InputError``; a default
    that does not fit only leaves its section with a note."""
    from hmt_sim.explore.table import metric_names, resolve_metrics
    from hmt_sim.sweep.analysis import check_columns
    from hmt_sim.sweep.store import load_results, read_manifest

    folder = Path(path)
    manifest = read_manifest(folder)
    df = load_results(folder)
    if df.empty or not (df["status"] == "ok").any():
        raise InputError(f"{folder}: no successful runs to report on (run or resume the sweep "
                         "first)")
    numeric = metric_names(df)
    if metrics:
        chosen = resolve_metrics(metrics, numeric, str(folder))
    else:
        chosen = [m for m in KEY_METRICS if m in numeric] or numeric[:4]
    varying = [f for f in df.attrs["factors"] if df[f].nunique() > 1]
    data = SweepReportData(folder, manifest, df, varying[:MAX_FACTORS], chosen[:MAX_METRICS])
    data.left_out = chosen[MAX_METRICS:] + varying[MAX_FACTORS:]
    factors = data.factors
    data.effects = {m: [main_effect(df, m, f) for f in factors] for m in data.metrics}
    condition_text = where if where is not None else DEFAULT_WHERE
    _discover(data, condition_text, given=where is not None)
    if heatmap is not None:
        check_columns(df, list(heatmap), "factor")
        if heatmap[0] == heatmap[1]:
            raise InputError(f"--heatmap {heatmap[0]},{heatmap[1]}: give two different factors")
    _sensitivity(data, seed)
    _choose_heatmap(data, heatmap)
    return data


def main_effect(df: Any, metric: str, factor: str) -> Effect:
    """``metric``'s mean with a 95% bootstrap interval at each level of ``factor`` (binned
    into 8 when it has more than 12 values, as ``plot`` does), the other factors pooled."""
    from hmt_sim.sweep.plots import MAX_LEVELS, line_data

    binned = df[factor].nunique() > MAX_LEVELS and _numeric(df[factor])
    table = line_data(df, factor, metric, bins=None)
    return Effect(metric, factor, table.sort_values(factor).reset_index(drop=True), binned)


def _numeric(column: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column))


def strongest(effects: list[Effect]) -> Effect | None:
    """The factor that moves the metric most (largest spread of level means)."""
    moving = [e for e in effects if len(e.table) > 1 and math.isfinite(e.spread)]
    return max(moving, key=lambda e: e.spread) if moving else None


def _choose_heatmap(data: SweepReportData, given: tuple[str, str] | None) -> None:
    metric = data.discovery.condition.metric if data.discovery is not None else (
        data.metrics[0] if data.metrics else None)
    if metric is None:
        data.heatmap_note = _("The sweep has no numeric metric to map.")
        return
    if given is not None:
        data.heatmap = (given[0], given[1], metric)
        return
    if len(data.factors) < 2:
        data.heatmap_note = _("An interaction map needs two factors that vary; this sweep has "
                              "{n}.").format(n=len(data.factors))
        return
    totals = _sobol_totals(data, metric)
    if totals:
        ranked = sorted(data.factors, key=lambda f: -totals.get(f, -math.inf))
    else:
        effects = data.effects.get(metric) or [main_effect(data.results, metric, f)
                                               for f in data.factors]
        ranked = [e.factor for e in sorted(effects, key=lambda e: -e.spread)]
    data.heatmap = (ranked[0], ranked[1], metric)


def _sobol_totals(data: SweepReportData, metric: str) -> dict[str, float]:
    """The Sobol total index of each factor for ``metric`` (empty without Sobol indices)."""
    res = data.sensitivity
    if res is None or res.method != "sobol":
        return {}
    for m in res.metrics:
        if m.metric == metric:
            return {r.factor: r.total for r in m.indices}
    return {}


def _sensitivity(data: SweepReportData, seed: int) -> None:
    from hmt_sim.explore import sensitivity
    from hmt_sim.explore.samples import SA_DESIGNS

    design = data.manifest.get("spec", {}).get("design")
    kind = next(iter(design)) if isinstance(design, dict) and design else design
    if kind not in SA_DESIGNS:
        data.sensitivity_note = _(
            "This sweep used a {design} design, which does not allow sensitivity indices. Run "
            "the same factors with design {{saltelli: N}} (Sobol indices) or {{morris: R}} "
            "(Morris effects) to rank them over the whole space.").format(
            design=kind or "full_factorial")
        return
    try:
        data.sensitivity = sensitivity(data.path, data.metrics, seed=seed)
    except InputError as exc:  # e.g. a design point with no successful run yet
        data.sensitivity_note = _("No sensitivity indices: {reason}").format(reason=exc)


def _discover(data: SweepReportData, where: str, given: bool) -> None:
    from hmt_sim.explore import discover
    from hmt_sim.explore.table import metric_names

    metric = where.split()[0] if where.split() else ""
    if not given and metric not in metric_names(data.results):
        data.discovery_note = _("The default condition ({where}) needs a metric this sweep did "
                                "not keep; give one with --where.").format(where=DEFAULT_WHERE)
        return
    if not data.factors:
        if given:
            raise InputError(f"{data.path}: the sweep has no factors that vary: there is no "
                             "factor space to search (--where)")
        data.discovery_note = _("The sweep has no factors that vary: nothing to search.")
        return
    data.discovery = discover(data.path, where)
