"""Profile-likelihood intervals (``hmt-sim calibrate --intervals profile``): every value of a
parameter whose profile log-likelihood is within chi2(1)_0.95 / 2 = 1.92 of the maximum (the
likelihood-ratio test's acceptance region; Pawitan 2001, ch. 3). The other parameter of the
reading time is maximised out; b0 and the sensitivity are alone in their parts. An interval
that reaches the search range's end stops there (the data do not bound it).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from scipy import optimize, stats

from hmt_sim.calibrate.likelihood import (
    B0_RANGE,
    SENSITIVITY_RANGE,
    SIGMA_RANGE,
    Arrays,
    PartFit,
    judgement_loglik,
    review_time_loglik,
    verification_loglik,
)


def profile_intervals(a: Arrays, parts: tuple[PartFit, ...], level: float
                      ) -> dict[str, tuple[float, float]]:
    """The profile-likelihood interval of each fitted parameter."""
    cut = float(stats.chi2.ppf(level, 1)) / 2.0
    rt, ver, judge = parts
    median = rt.estimates["review_time.median_s"]
    sigma = rt.estimates["review_time.sigma"]
    mu = math.log(median)
    span = 20.0 * sigma + 1.0

    def over_sigma(m: float) -> float:
        res = optimize.minimize_scalar(
            lambda ls: -review_time_loglik(m, math.exp(ls), a),
            bounds=(math.log(SIGMA_RANGE[0]), math.log(SIGMA_RANGE[1])), method="bounded")
        return -float(res.fun)

    def over_mu(s: float) -> float:
        res = optimize.minimize_scalar(lambda m: -review_time_loglik(m, s, a),
                                       bounds=(mu - span, mu + span), method="bounded")
        return -float(res.fun)

    low_mu, high_mu = _region(over_sigma, mu, mu - span, mu + span, rt.log_likelihood - cut)
    return {
        "review_time.median_s": (math.exp(low_mu), math.exp(high_mu)),
        "review_time.sigma": _region(over_mu, sigma, *SIGMA_RANGE, rt.log_likelihood - cut),
        "verification.b0": _region(lambda b: verification_loglik(b, a),
                                   ver.estimates["verification.b0"], *B0_RANGE,
                                   ver.log_likelihood - cut),
        "judgement.sensitivity": _region(lambda s: judgement_loglik(s, a),
                                         judge.estimates["judgement.sensitivity"],
                                         *SENSITIVITY_RANGE, judge.log_likelihood - cut),
    }


def _region(loglik: Callable[[float], float], best: float, lo: float, hi: float,
            floor: float) -> tuple[float, float]:
    """Where ``loglik`` crosses ``floor`` on each side of ``best`` (or the range's end)."""
    def above(x: float) -> float:
        return loglik(x) - floor

    low = lo if above(lo) >= 0 else float(optimize.brentq(above, lo, best, xtol=1e-6))
    high = hi if above(hi) >= 0 else float(optimize.brentq(above, best, hi, xtol=1e-6))
    return low, high
