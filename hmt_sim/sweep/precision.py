"""Enough seeds, automatically: add seeds in batches until every design point's interval for one
metric is as narrow as asked (``hmt-sim sweep SPEC --precision METRIC=HALFWIDTH``).

How many seeds a sweep needs depends on the spread of its metric, which is unknown until runs
have been made. So the sweep starts with the spec's seeds, measures each design point's 95%
interval for the metric (the interval ``analyse`` prints, ``point_interval``), and, while some
point's half-width is above the target, adds the *next* seeds in sequence (every point gets the
same new seeds, so points stay paired) and runs only those. The result is the same table a plain
sweep with that many seeds gives: runs are pure functions of (point, seed).

The stop rule, per design point: half-width <= target, once the point has at least
``min_seeds`` successful runs (a bootstrap interval from a handful of seeds is too narrow, and
five zeros give an interval of width 0). The sweep stops when every point meets it or when the
seed count reaches ``max_seeds`` (the cap); the points still above the target are then named.

How many seeds to add: a half-width shrinks like 1/sqrt(n), so a point at half-width h with n
seeds needs about ``n * (h / target)**2`` (``seeds_needed``; an estimate, since the spread seen
in n seeds is itself uncertain). The next batch grows the count to the largest such estimate,
by at least a quarter and at most double (so one noisy estimate cannot overshoot far), and
never past the cap. Every choice depends only on the results, so an interrupted precision sweep
resumed with ``--resume`` takes the same batches as one left alone.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hmt_sim.errors import InputError
from hmt_sim.sweep.intervals import (
    N_RESAMPLES,
    POOLED_RATES,
    Interval,
    bootstrap_mean,
    metric_range,
    pooled_rate,
)
from hmt_sim.sweep.spec import SweepSpec

DEFAULT_MAX_SEEDS = 100
"""The cap on seeds per design point when ``--max-seeds`` is not given."""
DEFAULT_MIN_SEEDS = 10
"""Successful seeds a point needs before its interval counts (bootstrap intervals from fewer
are too narrow)."""
CONFIDENCE = 0.95


@dataclass(frozen=True)
class PrecisionTarget:
    """What a precision sweep aims for: ``metric``'s 95% interval at most ``halfwidth`` either
    side at every design point, with at most ``max_seeds`` seeds, counting a point only from
    ``min_seeds`` successful seeds on."""

    metric: str
    halfwidth: float
    max_seeds: int = DEFAULT_MAX_SEEDS
    min_seeds: int = DEFAULT_MIN_SEEDS

    def __post_init__(self) -> None:
        if not (isinstance(self.halfwidth, int | float) and math.isfinite(self.halfwidth)
                and self.halfwidth > 0):
            raise InputError(f"--precision {self.metric}={self.halfwidth}: HALFWIDTH must be a "
                             "finite number > 0 (the half-width of the 95% interval, in the "
                             "metric's unit)")
        if self.max_seeds < 2:
            raise InputError(f"--max-seeds must be >= 2, got {self.max_seeds}")
        if self.min_seeds < 2:
            raise InputError(f"--min-seeds must be >= 2, got {self.min_seeds}")

    def to_json(self) -> dict[str, Any]:
        """The target as the manifest keeps it (``--resume`` reads it back)."""
        return {"metric": self.metric, "halfwidth": self.halfwidth,
                "max_seeds": self.max_seeds, "min_seeds": self.min_seeds}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PrecisionTarget:
        """The target stored in a manifest by ``to_json``."""
        return cls(str(data["metric"]), float(data["halfwidth"]),
                   int(data.get("max_seeds", DEFAULT_MAX_SEEDS)),
                   int(data.get("min_seeds", DEFAULT_MIN_SEEDS)))


def parse_precision(text: str) -> tuple[str, float]:
    """``"harm.civilian_casualties=0.5"`` -> (metric, half-width), with a clear error."""
    metric, sep, value = text.partition("=")
    metric, value = metric.strip(), value.strip()
    if not sep or not metric:
        raise InputError(f"--precision {text!r}: expected METRIC=HALFWIDTH, e.g. "
                         "mission.leakers=0.5")
    try:
        width = float(value)
    except ValueError:
        raise InputError(f"--precision {text!r}: HALFWIDTH must be a number > 0, got "
                         f"{value!r}") from None
    if not math.isfinite(width) or width <= 0:
        raise InputError(f"--precision {text!r}: HALFWIDTH must be a finite number > 0, got "
                         f"{value}")
    return metric, width


def check_metric(metric: str, allowed: Sequence[str], where: str = "--precision") -> None:
    """An unknown (or text) metric -> ``InputError`` naming the nearest and every allowed name."""
    if metric in allowed:
        return
    close = difflib.get_close_matches(metric, list(allowed), n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise InputError(f"{where}: unknown metric {metric!r}{hint} (allowed: "
                     f"{', '.join(allowed) or 'none'})")


# --------------------------------------------------------------------------------------------
# The interval of one point and the stop rule
# --------------------------------------------------------------------------------------------


def point_interval(group: Any, metric: str, n_resamples: int = N_RESAMPLES) -> Interval:
    """The 95% interval ``analyse`` prints for ``metric`` over one point's successful runs:
    the Wilson interval of the pooled rate for a rate that is a share of events (when the sweep
    kept its event columns), else the bootstrap interval of the per-run mean."""
    import numpy as np
    import pandas as pd

    def column(name: str) -> Any:
        return pd.to_numeric(group[name], errors="coerce").to_numpy(dtype=float)

    if metric in POOLED_RATES:
        events_col, trial_cols = POOLED_RATES[metric]
        if all(c in group.columns for c in (events_col, *trial_cols)):
            events = float(np.nansum(column(events_col)))
            trials = float(sum(np.nansum(column(c)) for c in trial_cols))
            return pooled_rate(events, trials, CONFIDENCE)
    values = column(metric)
    return bootstrap_mean(values[~np.isnan(values)], CONFIDENCE, metric_range(metric),
                          n_resamples)


def halfwidth(ci: Interval) -> float:
    """Half the interval's width (NaN when there is no interval)."""
    return (ci.high - ci.low) / 2


def seeds_needed(n: int, reached: float, target: float) -> int | None:
    """Seeds for a half-width of ``target``, from ``n`` seeds at half-width ``reached``:
    ``n * (reached / target)**2`` rounded up (an estimate; None without an interval)."""
    if n < 1 or not math.isfinite(reached):
        return None
    return max(1, math.ceil(n * (reached / target) ** 2 - 1e-9))


@dataclass(frozen=True)
class PointPrecision:
    """One design point against the target: its successful runs, the interval and its
    half-width, the estimated seeds for the target, and whether it is met."""

    point: int
    n: int
    estimate: float
    low: float
    high: float
    method: str
    halfwidth: float
    needed: int | None
    met: bool


def precision_table(df: Any, target: PrecisionTarget,
                    n_resamples: int = N_RESAMPLES) -> list[PointPrecision]:
    """Every design point of a results table against ``target``, by point number."""
    ok = df[df["status"] == "ok"]
    out: list[PointPrecision] = []
    for point in sorted({int(p) for p in df["point"]}):
        group = ok[ok["point"] == point]
        n = int(group[target.metric].notna().sum()) if target.metric in group else 0
        ci = point_interval(group, target.metric, n_resamples) if n else Interval(
            math.nan, math.nan, math.nan, "-")
        h = halfwidth(ci)
        needed = seeds_needed(n, h, target.halfwidth)
        needed = None if needed is None else max(needed, target.min_seeds)
        met = n >= target.min_seeds and math.isfinite(h) and h <= target.halfwidth + 1e-12
        out.append(PointPrecision(point, n, ci.estimate, ci.low, ci.high, ci.method, h, needed,
                                  met))
    return out


def next_seed_count(n: int, rows: Sequence[PointPrecision], target: PrecisionTarget) -> int:
    """How many seeds the next batch brings every point to (module docstring): the largest
    estimate among the points not yet met, at least ``min_seeds``, by at least a quarter more
    and at most double, never above the cap."""
    wanted = [r.needed if r.needed is not None else 2 * n for r in rows if not r.met]
    goal = max([target.min_seeds, *wanted])
    step = min(max(goal, n + math.ceil(n / 4)), 2 * n)
    return max(n + 1, min(step, target.max_seeds))


def next_seeds(seeds: Sequence[int], count: int) -> tuple[int, ...]:
    """``seeds`` followed by the next ones in sequence (after the largest) up to ``count``."""
    top = max(seeds)
    return (*seeds, *range(top + 1, top + 1 + count - len(seeds)))


# --------------------------------------------------------------------------------------------
# The loop
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """One batch of a precision sweep: the seed count every point reached, what the batch ran,
    and every point against the target afterwards."""

    seeds: int
    ran: int
    failed: int
    wall_s: float
    rows: tuple[PointPrecision, ...]

    @property
    def met(self) -> bool:
        """Every design point meets the target."""
        return all(r.met for r in self.rows)


@dataclass(frozen=True)
class PrecisionSummary:
    """What a precision sweep did: its target, the batches, and why it stopped."""

    out: Path
    target: PrecisionTarget
    batches: tuple[Batch, ...]
    seeds: tuple[int, ...]
    summaries: tuple[Any, ...] = field(default=(), repr=False)

    @property
    def met(self) -> bool:
        """The target was reached at every design point."""
        return bool(self.batches) and self.batches[-1].met

    @property
    def capped(self) -> list[PointPrecision]:
        """The points still above the target when the cap stopped the sweep."""
        return [] if self.met or not self.batches else [
            r for r in self.batches[-1].rows if not r.met]

    @property
    def failed(self) -> int:
        """Runs that failed, over every batch."""
        return sum(b.failed for b in self.batches)


def check_target(spec: SweepSpec, target: PrecisionTarget, runner: Any = None) -> None:
    """Refuse, before anything runs, a metric the sweep does not report as a number and a cap
    below the seeds it starts with."""
    from hmt_sim.sweep.runner import metric_columns

    names, text = metric_columns(spec, runner)
    check_metric(target.metric, [n for n in names if n not in text])
    if len(spec.seeds) > target.max_seeds:
        raise InputError(f"--max-seeds {target.max_seeds} is below the {len(spec.seeds)} seeds "
                         "the sweep starts with; raise --max-seeds or give fewer --seeds")


def _resumed_seeds(spec: SweepSpec, out: Path) -> SweepSpec:
    """The spec with the seeds the folder's earlier batches reached, when they continue the
    spec's own seeds (so a resume starts from the batch it was interrupted in)."""
    from hmt_sim.sweep.store import MANIFEST, read_manifest

    if not (out / MANIFEST).is_file():
        return spec
    stored = tuple(int(s) for s in read_manifest(out).get("seeds", []))
    if len(stored) > len(spec.seeds) and stored[: len(spec.seeds)] == spec.seeds:
        return spec.model_copy(update={"seeds": stored})
    return spec


def run_precision(
    spec: SweepSpec,
    out: str | os.PathLike[str],
    target: PrecisionTarget,
    *,
    resume: bool = False,
    force: bool = False,
    on_batch: Callable[[Batch, int | None], None] | None = None,
    progress_factory: Callable[[], Any] | None = None,
    n_resamples: int = N_RESAMPLES,
    **options: Any,
) -> PrecisionSummary:
    """Run ``spec`` into ``out`` in batches of seeds until ``target`` is met or capped.

    ``spec``'s seeds are the first batch (on ``resume``, the seeds the folder's manifest holds
    when they continue the spec's).
    ``options`` go to ``run_sweep`` (workers, backend, runner, arguments ...). ``on_batch``
    hears each finished batch and the next seed count (None when the sweep stops);
    ``progress_factory`` makes a fresh progress callback (with ``stop()``) per batch.
    """
    from hmt_sim.sweep.runner import run_sweep
    from hmt_sim.sweep.store import load_results

    check_target(spec, target, options.get("runner"))
    if resume:
        spec = _resumed_seeds(spec, Path(out))
    batches: list[Batch] = []
    summaries: list[Any] = []
    first = True
    while True:
        reporter = progress_factory() if progress_factory is not None else None
        try:
            summary = run_sweep(spec, out, resume=resume or not first, force=force and first,
                                grow_seeds=not first or resume, precision=target.to_json(),
                                progress=reporter.update if reporter is not None else None,
                                **options)
        finally:
            if reporter is not None:
                reporter.stop()
        first = False
        summaries.append(summary)
        rows = precision_table(load_results(out), target, n_resamples)
        n = len(spec.seeds)
        batch = Batch(n, summary.ran, summary.failed, summary.wall_s, tuple(rows))
        batches.append(batch)
        done = batch.met or n >= target.max_seeds
        upcoming = None if done else next_seed_count(n, rows, target)
        if on_batch is not None:
            on_batch(batch, upcoming)
        if upcoming is None:
            break
        spec = spec.model_copy(update={"seeds": next_seeds(spec.seeds, upcoming)})
    return PrecisionSummary(Path(out), target, tuple(batches), tuple(spec.seeds),
                            summaries=tuple(summaries))
