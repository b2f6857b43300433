"""The statistics behind ``analyse`` and ``plot``: a metric's possible range, bootstrap intervals
over seeds, a paired test with an effect size, pooled binomial rates and the Holm correction.

Sweep metrics are rarely normal: casualties are small counts with many zeros, rates live in
[0, 1], and a sweep often has few seeds. So intervals come from the bootstrap (resampling the
seeds, BCa where it is defined), are kept inside the metric's possible range, and paired
differences are tested without assuming normality. The statistics themselves are scipy's (the
Holm step-down is three lines of numpy, see ``holm``); this module chooses between them and says
which it used.

**How a metric's range is known.** The report glossary (``hmt_sim.report.glossary``) gives
every metric a unit: a ``share`` lies in [0, 1], a ``count`` or a time in seconds (``s``) is at
least 0, an escalation ``rung`` lies in [0, 7]. A metric the glossary does not know is a share
when its name says so (``*_rate``, ``*_fpr``, ``*_share``), a non-negative duration when it ends in
``_s``, and unbounded otherwise (``number``, e.g. an escalation score). A bootstrap interval of a
mean never leaves the range of the data anyway; the bound is a guarantee, not a repair.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

N_RESAMPLES = 9999
"""Bootstrap resamples for ``analyse`` (``plot`` uses fewer: a band needs less precision)."""
EXACT_PERMUTATION_MAX = 12
"""Up to this many pairs the paired test is an exact sign-flip permutation test (2**12 sign
patterns); above it, the Wilcoxon signed-rank test."""
MAX_RUNG = 7.0
"""The top of the escalation ladder (central war)."""

UNIT_RANGES: dict[str, tuple[float, float]] = {
    "share": (0.0, 1.0),
    "count": (0.0, math.inf),
    "s": (0.0, math.inf),
    "rung": (0.0, MAX_RUNG),
}
"""A glossary unit's possible values; units not listed (number, text) are unbounded."""

POOLED_RATES: dict[str, tuple[str, tuple[str, ...]]] = {
    "harm.distinction_fpr": ("harm.civilians_engaged", ("harm.civilians_presented",)),
    "harm.false_discovery_rate": ("harm.wrongful_engagements", ("control.uses_of_force",)),
    "mission.defence_rate": ("mission.threats_neutralised",
                             ("mission.threats_neutralised", "mission.leakers")),
}
"""Rates that are a share of events in each run, as (events, trials summed from these columns):
pooled over a design point's runs they give one binomial proportion (``hmt_sim.metrics``)."""


@dataclass(frozen=True)
class Interval:
    """An estimate and its interval, with the method that produced the interval (``BCa``,
    ``percentile`` where BCa is degenerate, ``Wilson``), or ``-`` when there is none."""

    estimate: float
    low: float
    high: float
    method: str


@dataclass(frozen=True)
class PairedTest:
    """A paired test of differences against 0: its p-value (NaN when it does not apply), the
    test's name (or why there is none), and two effect sizes."""

    p_value: float
    test: str
    rank_biserial: float  # matched-pairs rank-biserial correlation, -1..1
    d_z: float  # mean difference / SD of the differences


@lru_cache(maxsize=512)
def metric_range(name: str) -> tuple[float, float]:
    """The possible values of a metric, from its glossary unit or its name (module docstring)."""
    from hmt_sim.report.glossary import METRICS, info

    parent = name.rpartition(".")[0]
    if name in METRICS or parent in METRICS:
        return UNIT_RANGES.get(info(name).unit, (-math.inf, math.inf))
    leaf = name.rpartition(".")[2]
    if leaf.endswith(("_rate", "_fpr", "_share")):
        return UNIT_RANGES["share"]
    if leaf.endswith("_s"):
        return UNIT_RANGES["s"]
    return (-math.inf, math.inf)


def difference_range(name: str) -> tuple[float, float]:
    """The possible values of a difference of two values of a metric."""
    low, high = metric_range(name)
    return (low - high, high - low)


def describe_range(bounds: tuple[float, float]) -> str:
    """``0..1``, ``>= 0`` or ``unbounded``: the range as the output states it."""
    low, high = bounds
    if math.isinf(low) and math.isinf(high):
        return "unbounded"
    if math.isinf(high):
        return f">= {low:g}"
    if math.isinf(low):
        return f"<= {high:g}"
    return f"{low:g}..{high:g}"


def bootstrap_mean(
    values: Sequence[float] | np.ndarray,
    confidence: float = 0.95,
    bounds: tuple[float, float] = (-math.inf, math.inf),
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
) -> Interval:
    """The mean with a bootstrap interval that resamples the values (one per seed).

    BCa (bias-corrected and accelerated) where it is defined; where it is degenerate (every
    value equal, or too few distinct values for its acceleration) the percentile interval, and
    ``method`` says which. The bootstrap draws come from ``seed``, so the same data give the same
    interval. NaN values are left out; fewer than two values give no interval.
    """
    from scipy import stats

    data = np.asarray(values, dtype=float)
    data = data[~np.isnan(data)]
    if len(data) == 0:
        return Interval(math.nan, math.nan, math.nan, "-")
    mean = float(data.mean())
    if len(data) < 2:
        return Interval(mean, math.nan, math.nan, "-")
    if np.all(data == data[0]):
        # Every resample has the same mean: BCa is undefined, the percentile interval is exact.
        return Interval(mean, mean, mean, "percentile")
    low = high = math.nan
    method = "BCa"
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy warns, then returns NaN, when BCa is degenerate
            res = stats.bootstrap((data,), np.mean, confidence_level=confidence,
                                  n_resamples=n_resamples, method=method,
                                  rng=np.random.default_rng(seed))
        low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
        if not (math.isnan(low) or math.isnan(high)):
            break
    low, high = _clip(low, bounds), _clip(high, bounds)
    return Interval(mean, min(low, mean), max(high, mean), method)


def paired_test(differences: Sequence[float] | np.ndarray) -> PairedTest:
    """Are the seed-paired differences centred on 0?

    Up to ``EXACT_PERMUTATION_MAX`` pairs: an exact sign-flip permutation test of the mean
    difference (every sign pattern, so valid however few seeds). More pairs: the Wilcoxon
    signed-rank test (zero differences dropped). No test when every difference is zero (the
    question has no information) or there are fewer than two pairs: ``p_value`` is NaN and
    ``test`` says why.
    """
    from scipy import stats

    d = np.asarray(differences, dtype=float)
    d = d[~np.isnan(d)]
    if len(d) < 2:
        return PairedTest(math.nan, "n/a: fewer than 2 pairs", math.nan, math.nan)
    if np.all(d == 0):
        return PairedTest(math.nan, "n/a: all differences are zero", 0.0, math.nan)
    rank_biserial = _rank_biserial(d)
    sd = float(d.std(ddof=1))
    d_z = float(d.mean()) / sd if sd > 0 else math.nan
    if len(d) <= EXACT_PERMUTATION_MAX:
        res = stats.permutation_test((d,), _mean_along, permutation_type="samples",
                                     n_resamples=math.inf, vectorized=True)
        return PairedTest(float(res.pvalue), "exact sign-flip permutation", rank_biserial, d_z)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ties: scipy switches to the normal approximation
        p = float(stats.wilcoxon(d, zero_method="wilcox").pvalue)
    return PairedTest(p, "Wilcoxon signed-rank", rank_biserial, d_z)


def pooled_rate(events: float, trials: float, confidence: float = 0.95) -> Interval:
    """A proportion of events pooled over runs, with the Wilson score interval (scipy).

    Pooling treats every event as one Bernoulli trial; events within a run can be correlated,
    so this interval can be too narrow, and the per-run mean with its bootstrap interval is the
    conservative figure.
    """
    from scipy import stats

    k, n = round(events), round(trials)
    if n <= 0:
        return Interval(math.nan, math.nan, math.nan, "-")
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return Interval(k / n, float(ci.low), float(ci.high), "Wilson")


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values (Holm 1979, step-down); NaN entries stay NaN and are not counted.

    The i-th smallest of m p-values is multiplied by m - i + 1, then a running maximum keeps
    the order and 1 caps it. Written out rather than taken from statsmodels' ``multipletests``
    (which gives the same numbers, see the tests): that function runs a full ``gc.collect()``
    on every call, 0.3 s each in a process holding pandas and matplotlib, 14 of the 18 s a
    71-metric ``analyse`` took.
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, math.nan)
    valid = np.flatnonzero(~np.isnan(p))
    if len(valid):
        order = valid[np.argsort(p[valid], kind="stable")]
        m = len(order)
        stepped = np.maximum.accumulate(p[order] * np.arange(m, 0, -1))
        out[order] = np.minimum(stepped, 1.0)
    return out


def _mean_along(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(x, axis=axis)


def _rank_biserial(d: np.ndarray) -> float:
    """Matched-pairs rank-biserial correlation (Kerby 2014): the share of the ranked absolute
    differences favouring a positive difference minus the share favouring a negative one."""
    from scipy import stats

    nonzero = d[d != 0]
    if len(nonzero) == 0:
        return 0.0
    ranks = stats.rankdata(np.abs(nonzero))
    return float((ranks[nonzero > 0].sum() - ranks[nonzero < 0].sum()) / ranks.sum())


def _clip(value: float, bounds: tuple[float, float]) -> float:
    return float(min(max(value, bounds[0]), bounds[1]))
