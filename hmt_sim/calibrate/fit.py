"""Fit the operator model to the reviews of live sessions, with bootstrap intervals, and write
the result as an ``operators:`` block that ``hmt-sim run --operators`` merges over a scenario.

The three parts of the likelihood (``hmt_sim.calibrate.likelihood``) share no parameter, so
each is maximised on its own; the intervals resample reviews with replacement (a seeded
generator: the same session files give the same file, byte for byte) and refit all three.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hmt_sim.calibrate.likelihood import (
    Arrays,
    PartFit,
    fit_b0,
    fit_review_time,
    fit_sensitivity,
)
from hmt_sim.calibrate.profile import profile_intervals
from hmt_sim.calibrate.reviews import ReviewRecord, SessionReviews, collect
from hmt_sim.errors import InputError

MIN_REVIEWS = 30  # answered reviews in all
MIN_EACH = 10  # of them verified (the call fit) and not verified (the reading-time fit)
DEFAULT_BOOTSTRAP = 200
MIN_BOOTSTRAP = 20
MAX_BOOTSTRAP = 100_000
LEVEL = 0.95
INTERVALS = ("bootstrap", "profile")
FITTED = ("review_time.median_s", "review_time.sigma", "verification.b0",
          "judgement.sensitivity")
HELD_FIXED = (
    "verification.b_trust", "verification.b_workload", "verification.b_pressure",
    "verification.b_accountability", "verification.b_explanation", "verification.b_lethal",
    "verification.t0_s", "verification.eta", "accountability_prompt",
    "judgement.d_prime", "judgement.d_prime_default", "judgement.look_s",
    "judgement.evidence_bound",
    "judgement.pressure_bound_drop", "judgement.step_s", "judgement.prior_hostile",
    "judgement.lethal_caution", "judgement.advice_weight", "judgement.suggestion_anchor",
    "judgement.narrowed_cap", "judgement.suggestion_log_odds", "judgement.persuasion",
    "judgement.spoofed_factor",
)
NOTES = (
    "review_time is fitted to the reviews answered without inspecting (durations truncated "
    "at the time each review had left); verification.b0 to whether each review was "
    "inspected; judgement.sensitivity to the calls after an inspection",
    "the call's likelihood is the diffusion's closed-form chance of reaching a bound first; "
    "calls forced by a deadline are not modelled",
    "held_fixed are the sessions' scenario values, used as they were in each session; merged "
    "over a scenario with other values, b0 and sensitivity keep their fitted numbers",
)


@dataclass(frozen=True)
class Estimate:
    """A parameter's maximum-likelihood estimate and its bootstrap interval."""

    name: str
    value: float
    low: float
    high: float
    n: int  # reviews its part of the likelihood uses


@dataclass(frozen=True)
class Calibration:
    """The fit of the operator model to the reviews of some session files."""

    sessions: tuple[SessionReviews, ...]
    parts: tuple[PartFit, ...]
    estimates: tuple[Estimate, ...]
    bootstrap: int
    seed: int
    intervals: str = "bootstrap"

    @property
    def reviews(self) -> list[ReviewRecord]:
        """Every review fitted, session by session."""
        return [r for s in self.sessions for r in s.reviews]

    @property
    def log_likelihood(self) -> float:
        """The total log-likelihood at the estimates (the three parts added)."""
        return sum(p.log_likelihood for p in self.parts)

    def estimate(self, name: str) -> Estimate:
        """The estimate of one parameter by its dotted name (``review_time.median_s``)."""
        return next(e for e in self.estimates if e.name == name)


def calibrate(paths: Sequence[str | os.PathLike[str]], bootstrap: int = DEFAULT_BOOTSTRAP,
              seed: int = 0, intervals: str = "bootstrap") -> Calibration:
    """Replay the session files, collect the reviews people answered, and fit. ``intervals``
    is ``bootstrap`` (percentiles of ``bootstrap`` refits on resampled reviews, seeded) or
    ``profile`` (profile likelihood)."""
    if not paths:
        raise InputError("calibrate needs at least one session file")
    if seed < 0:
        raise InputError(f"--seed: the bootstrap's seed is a whole number >= 0, got {seed}")
    if intervals not in INTERVALS:
        raise InputError(f"--intervals: {intervals!r} is not one of {', '.join(INTERVALS)}")
    if intervals == "bootstrap" and not MIN_BOOTSTRAP <= bootstrap <= MAX_BOOTSTRAP:
        raise InputError(f"--bootstrap: resamples must be {MIN_BOOTSTRAP}..{MAX_BOOTSTRAP}, "
                         f"got {bootstrap}")
    sessions = tuple(collect(p, i) for i, p in enumerate(paths))
    reviews = [r for s in sessions for r in s.reviews]
    check_enough(reviews, sessions)
    arrays = Arrays.of(reviews)
    parts = fit_parts(arrays)
    bounds = (bootstrap_intervals(arrays, bootstrap, seed) if intervals == "bootstrap"
              else profile_intervals(arrays, parts, LEVEL))
    estimates = tuple(
        Estimate(name, value, *bounds[name], part.n)
        for part in parts for name, value in part.estimates.items()
    )
    return Calibration(sessions, parts, estimates, bootstrap, seed, intervals)


def check_enough(reviews: Sequence[ReviewRecord], sessions: Sequence[SessionReviews]) -> None:
    """Refuse a fit with too few reviews, saying how many it needs and what was found."""
    verified = sum(r.verified for r in reviews)
    unverified = len(reviews) - verified
    if len(reviews) >= MIN_REVIEWS and min(verified, unverified) >= MIN_EACH:
        return
    seats = sorted({len(s.human_seats) for s in sessions})
    hint = (" (no session had a person in a seat: record them with hmt-sim play)"
            if seats == [0] else "")
    raise InputError(
        f"calibrate needs at least {MIN_REVIEWS} reviews answered by a person, at least "
        f"{MIN_EACH} of them inspected and {MIN_EACH} not; the {len(sessions)} session "
        f"file{'s' if len(sessions) != 1 else ''} hold {len(reviews)} ({verified} inspected, "
        f"{unverified} not){hint}. Record more sessions, or longer ones, and give them all.")


def fit_parts(a: Arrays) -> tuple[PartFit, ...]:
    """The three parts' maximum-likelihood fits."""
    return fit_review_time(a), fit_b0(a), fit_sensitivity(a)


def bootstrap_intervals(a: Arrays, resamples: int, seed: int
                        ) -> dict[str, tuple[float, float]]:
    """Percentile intervals (95 %) from refits on reviews resampled with replacement. A
    resample with too few reviews of a kind for a part skips that part."""
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {name: [] for name in FITTED}
    n = len(a)
    for _ in range(resamples):
        sample = a.take(rng.integers(0, n, n))
        verified = int(sample.verified.sum())
        fits = [fit_b0(sample)]
        if n - verified >= 2:
            fits.append(fit_review_time(sample))
        if verified >= 1:
            fits.append(fit_sensitivity(sample))
        for part in fits:
            for name, value in part.estimates.items():
                draws[name].append(value)
    tail = (1.0 - LEVEL) / 2.0 * 100.0
    return {name: (float(np.percentile(v, tail)), float(np.percentile(v, 100.0 - tail)))
            if v else (math.nan, math.nan) for name, v in draws.items()}


def document(cal: Calibration) -> dict[str, Any]:
    """The file ``hmt-sim calibrate`` writes: an ``operators:`` block and a ``fit:`` block."""
    def num(x: float) -> float:
        return float(f"{x:.4g}")

    values = {e.name: num(e.value) for e in cal.estimates}
    operators = {
        "review_time": {"median_s": values["review_time.median_s"],
                        "sigma": values["review_time.sigma"]},
        "verification": {"b0": values["verification.b0"]},
        "judgement": {"sensitivity": values["judgement.sensitivity"]},
    }
    reviews = cal.reviews
    fit = {
        "method": "maximum likelihood",
        "reviews": len(reviews),
        "inspected": sum(r.verified for r in reviews),
        "sessions": [{"file": s.path, "scenario": s.scenario.id, "seed": s.seed,
                      "reviews": len(s.reviews)} for s in cal.sessions],
        "log_likelihood": {
            "total": round(cal.log_likelihood, 3),
            **{_part_name(p): round(p.log_likelihood, 3) for p in cal.parts},
        },
        "intervals": ({"method": "bootstrap percentile over reviews", "level": LEVEL,
                       "resamples": cal.bootstrap, "seed": cal.seed}
                      if cal.intervals == "bootstrap" else
                      {"method": "profile likelihood", "level": LEVEL}),
        "parameters": {e.name: {"estimate": num(e.value), "low": num(e.low),
                                "high": num(e.high), "reviews": e.n}
                       for e in cal.estimates},
        "held_fixed": held_fixed(cal.sessions),
        "notes": list(NOTES),
    }
    return {"operators": operators, "fit": fit}


def _part_name(part: PartFit) -> str:
    return next(iter(part.estimates)).split(".")[0]


def held_fixed(sessions: Sequence[SessionReviews]) -> dict[str, Any]:
    """The operator parameters the fit took from the sessions' scenarios: one value, or the
    distinct values in session order when the sessions differ."""
    out: dict[str, Any] = {}
    for key in HELD_FIXED:
        seen: list[Any] = []
        for s in sessions:
            value: Any = s.scenario.operators
            for part in key.split("."):
                value = getattr(value, part)
            if value not in seen:
                seen.append(value)
        out[key] = seen[0] if len(seen) == 1 else seen
    return out


def write(cal: Calibration, path: str | os.PathLike[str]) -> None:
    """Write the calibration file (atomically: a failed write leaves no half file)."""
    import yaml

    from hmt_sim.fileio import write_text_atomic

    head = ("# hmt-sim calibrate: the operator model fitted to people's decisions in live "
            "sessions.\n# Use it with: hmt-sim run SCENARIO --operators FILE (or sweep); the "
            "fit: block is ignored there.\n")
    text = yaml.safe_dump(document(cal), sort_keys=False, default_flow_style=False,
                          allow_unicode=True, width=100)
    write_text_atomic(path, head + text)
