"""The operator model's likelihood, in three parts that share no parameter, each fitted by
maximum likelihood with ``scipy.optimize`` (docs/MODEL.md s.5, "Fitting operators to a room").

- **Reading time** (``review_time.median_s``, ``sigma``), from the reviews answered without
  inspecting: log(D / (1 + overload)) ~ N(log median, sigma), truncated at the time the review
  had left (a slower reading is a timeout, never an answer).
- **Whether the person looks** (``verification.b0``), from every answered review:
  P(verified) = (1 - sigmoid(b0 + x) r(level)) n, with x the other coefficients' terms at the
  scenario's values (an offset), r the level's reliance factor and n its noticing factor.
- **The call after a look** (``judgement.sensitivity``), from the verified reviews: the
  drift-diffusion's chance of reaching +B first from x0, in closed form (Bogacz et al. 2006):
  hostile (1 - e^-(x0+B)) / (1 - e^-2B), civilian (e^(x0+B) - 1) / (e^2B - 1), with B in
  proportion to the sensitivity. The engine's stepped diffusion draws its bounds in by its
  mean overshoot (the continuity correction of Broadie, Glasserman & Kou 1997), so its calls
  follow this closed form; a start beyond the drawn-in bound is a call at once. A call forced
  by the deadline is treated like any other (the truncation is ignored).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, special

from hmt_sim.calibrate.reviews import ReviewRecord
from hmt_sim.judgement import OVERSHOOT

EPS = 1e-9  # probabilities are kept in [EPS, 1 - EPS]: one call the model calls impossible
# (a person who answers against a start beyond the bound) must not make the likelihood -inf
B0_RANGE = (-20.0, 20.0)
SENSITIVITY_RANGE = (0.02, 10.0)  # the schema allows (0, 10]
SIGMA_RANGE = (1e-3, 3.0)  # the schema allows [0, 3]
HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
MIN_SECONDS = 1e-3  # an answer in 0 s is read as 1 ms (log 0 has no density)

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True)
class Arrays:
    """The reviews as columns, so a likelihood is a few vector operations."""

    verified: Bools
    offset: Floats
    reliance: Floats
    noticing: Floats
    log_d: Floats
    log_over: Floats
    log_left: Floats
    call: Bools
    truth: Bools
    start: Floats
    bound: Floats
    step: Floats

    @classmethod
    def of(cls, reviews: Sequence[ReviewRecord]) -> Arrays:
        """Columns of ``reviews``."""
        def col(name: str) -> Floats:
            return np.array([float(getattr(r, name)) for r in reviews], dtype=np.float64)

        def flag(name: str) -> Bools:
            return np.array([bool(getattr(r, name)) for r in reviews], dtype=np.bool_)

        d = np.maximum(col("duration_s"), MIN_SECONDS)
        left = np.maximum(col("time_left_s"), d)
        return cls(flag("verified"), col("offset"), col("reliance"), col("noticing"),
                   np.log(d), np.log1p(col("overload")), np.log(left), flag("call_hostile"),
                   flag("truth_hostile"), col("start"), col("bound_per_sensitivity"),
                   col("step_per_sensitivity"))

    def take(self, index: NDArray[np.intp]) -> Arrays:
        """The reviews at ``index`` (a bootstrap resample)."""
        return Arrays(*(getattr(self, f)[index] for f in self.__dataclass_fields__))

    def __len__(self) -> int:
        return int(self.verified.size)


@dataclass(frozen=True)
class PartFit:
    """One part's estimates (by parameter name), its log-likelihood and how many reviews."""

    estimates: dict[str, float]
    log_likelihood: float
    n: int


# ------------------------------------------------------------------ reading time
def review_time_loglik(mu: float, sigma: float, a: Arrays) -> float:
    """Log-likelihood of the unverified reviews' durations (in seconds) under a lognormal
    reading time with median e^mu and spread ``sigma``, truncated at the time left."""
    return _review_time_ll(mu, sigma, *_reading(a))


def _reading(a: Arrays) -> tuple[Floats, Floats, Floats]:
    """The unverified reviews' ln(D / (1 + overload)), its truncation point, and ln D."""
    m = ~a.verified
    return a.log_d[m] - a.log_over[m], a.log_left[m] - a.log_over[m], a.log_d[m]


def _review_time_ll(mu: float, sigma: float, y: Floats, upper: Floats, log_d: Floats
                    ) -> float:
    z = (y - mu) / sigma
    dens = -0.5 * z * z - math.log(sigma) - HALF_LOG_2PI - log_d  # density of D, not of y
    kept = special.log_ndtr((upper - mu) / sigma)
    return float(np.sum(dens - kept))


def fit_review_time(a: Arrays) -> PartFit:
    """Maximum-likelihood median and sigma of the reading time."""
    y, upper, log_d = _reading(a)
    lo, hi = math.log(SIGMA_RANGE[0]), math.log(SIGMA_RANGE[1])
    x0 = [float(np.mean(y)), min(hi, max(lo, math.log(max(float(np.std(y)), 1e-3))))]
    res = optimize.minimize(
        lambda th: -_review_time_ll(th[0], math.exp(th[1]), y, upper, log_d), x0,
        method="L-BFGS-B", bounds=[(None, None), (lo, hi)])
    mu, sigma = float(res.x[0]), math.exp(float(res.x[1]))
    return PartFit({"review_time.median_s": math.exp(mu), "review_time.sigma": sigma},
                   -float(res.fun), int(y.size))


# ------------------------------------------------------------------ verification
def verification_loglik(b0: float, a: Arrays) -> float:
    """Log-likelihood of which reviews were verified, given b0."""
    return float(_verification_ll(np.float64(b0), a))


def _verification_ll(b0: Floats | np.float64, a: Arrays) -> Floats:
    """The log-likelihood at each b0 (an array of them broadcasts: one value per row)."""
    b = np.asarray(b0, dtype=np.float64)[..., None]
    p_verify = (1.0 - special.expit(b + a.offset) * a.reliance) * a.noticing
    p = np.clip(p_verify, EPS, 1.0 - EPS)
    return np.sum(np.where(a.verified, np.log(p), np.log1p(-p)), axis=-1)


def fit_b0(a: Arrays) -> PartFit:
    """Maximum-likelihood b0 (the other coefficients fixed)."""
    b0 = _maximise(lambda b: _verification_ll(b, a), *B0_RANGE, log_scale=False)
    return PartFit({"verification.b0": b0}, verification_loglik(b0, a), len(a))


# ------------------------------------------------------------------ judgement
def p_call_hostile(sensitivity: float | Floats, start: Floats, bound_unit: Floats,
                   step_unit: Floats, truth: Bools) -> Floats:
    """P(the diffusion ends at +B) for each review at this sensitivity (a column of
    sensitivities broadcasts: one row each). The engine draws its stepped walk's bounds in by
    the mean overshoot (``hmt_sim.judgement.OVERSHOOT`` step spreads), so its calls follow the
    continuous closed form at B; a start at or beyond the drawn-in bound is a call made at
    once by its sign."""
    b = sensitivity * bound_unit
    inner = np.maximum(1e-9, b - OVERSHOOT * sensitivity * step_unit)
    inside = np.abs(start) < inner
    bw = np.where(inside, b, 1.0)
    x = np.where(inside, start, 0.0)
    up = np.expm1(-(x + bw)) / np.expm1(-2.0 * bw)  # hostile: drift +1 in log-odds units
    p = np.where(truth, up, np.exp(x - bw) * up)  # civilian: drift -1
    return np.where(inside, p, (start > 0).astype(np.float64))


def judgement_loglik(sensitivity: float, a: Arrays) -> float:
    """Log-likelihood of the verified reviews' calls at this sensitivity."""
    return float(_judgement_ll(np.float64(sensitivity), a.take(np.flatnonzero(a.verified))))


def _judgement_ll(sensitivity: Floats | np.float64, v: Arrays) -> Floats:
    """The log-likelihood of ``v``'s calls (every review in it verified) at each sensitivity."""
    s = np.asarray(sensitivity, dtype=np.float64)[..., None]
    p = np.clip(p_call_hostile(s, v.start, v.bound, v.step, v.truth), EPS, 1.0 - EPS)
    return np.sum(np.where(v.call, np.log(p), np.log1p(-p)), axis=-1)


def fit_sensitivity(a: Arrays) -> PartFit:
    """Maximum-likelihood sensitivity (every other judgement parameter fixed)."""
    v = a.take(np.flatnonzero(a.verified))
    s = _maximise(lambda x: _judgement_ll(x, v), *SENSITIVITY_RANGE, log_scale=True)
    return PartFit({"judgement.sensitivity": s}, float(_judgement_ll(np.float64(s), v)),
                   len(v))


def _maximise(fn: Callable[[Floats], Floats], lo: float, hi: float, log_scale: bool,
              points: int = 41) -> float:
    """The maximiser of a one-parameter log-likelihood on [lo, hi]: the best of a grid (the
    judgement's likelihood has steps where a start crosses a bound), refined by bounded Brent
    between its neighbours. ``fn`` takes an array of parameter values."""
    def back(g: Any) -> Any:
        return np.exp(g) if log_scale else g

    grid = np.linspace(math.log(lo) if log_scale else lo, math.log(hi) if log_scale else hi,
                       points)
    values = fn(back(grid))
    i = int(np.argmax(values))
    left, right = float(grid[max(0, i - 1)]), float(grid[min(points - 1, i + 1)])
    res = optimize.minimize_scalar(lambda g: -float(fn(back(np.float64(g)))),
                                   bounds=(left, right), method="bounded",
                                   options={"xatol": 1e-6})
    best = float(res.x) if -float(res.fun) >= float(values[i]) else float(grid[i])
    return float(back(np.float64(best)))
