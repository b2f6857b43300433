"""Designs: which factor combinations a sweep runs.

* ``full_factorial``: every combination of the factors' levels, the first factor varying slowest.
* ``{lhs: N}``: a Latin hypercube of N points (``scipy.stats.qmc.LatinHypercube``).
* ``{sobol: N}``: N points of a scrambled Sobol sequence (``scipy.stats.qmc.Sobol``); powers of two
  keep its balance properties.

Sampled designs use the spec's ``design_seed`` (not the run seeds), so the same spec always gives
the same points; every point then runs with the same seed list (common random numbers).

``design_size`` counts the points by arithmetic alone, so a spec's caps are checked before any
point is built: three factors of 1,000 steps are refused at once instead of expanding to a
billion mappings first.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence

from hmt_sim.sweep.spec import MAX_DESIGN_VALUES, MAX_POINTS, Factor, Scalar


def design_size(design: str, n: int | None, factors: Sequence[Factor]) -> int:
    """How many points ``design_points`` would return, computed without building any.

    A full factorial has the product of the factors' level counts; a sampled design has the
    ``n`` it asks for, times (factors + 2) for Saltelli and (factors + 1) for Morris.
    """
    if not factors:
        return 1
    if design == "full_factorial":
        return math.prod(_level_count(f) for f in factors)
    if n is None:
        raise ValueError(f"design {design!r} needs a number of points")
    if design in ("saltelli", "morris"):
        from hmt_sim.explore.samples import design_size as sensitivity_size

        return sensitivity_size(design, n, len(factors))
    return n


def _level_count(factor: Factor) -> int:
    if factor.values is not None:
        return len(factor.values)
    if factor.steps is None:
        raise ValueError(f"factor {factor.key!r}: a range needs steps under full_factorial")
    return factor.steps


def check_size(design: str, n: int | None, factors: Sequence[Factor]) -> int:
    """``design_size``, refused with a ``ValueError`` above ``MAX_POINTS`` points or
    ``MAX_DESIGN_VALUES`` factor values (points x factors)."""
    size = design_size(design, n, factors)
    if size > MAX_POINTS:
        raise ValueError(f"the design has {size:,} points; the limit is {MAX_POINTS:,}")
    if size * len(factors) > MAX_DESIGN_VALUES:
        raise ValueError(f"the design holds {size:,} points x {len(factors)} factors = "
                         f"{size * len(factors):,} values; the limit is {MAX_DESIGN_VALUES:,}")
    return size


def design_points(
    design: str, n: int | None, factors: Sequence[Factor], design_seed: int
) -> list[dict[str, Scalar]]:
    """The design points, each a mapping of factor key to value, in a fixed order.

    Raises ``ValueError`` before building anything when the design is over the caps
    (``check_size``).
    """
    check_size(design, n, factors)
    if not factors:
        return [{}]
    if design == "full_factorial":
        levels = [f.levels() for f in factors]
        return [
            {f.key: v for f, v in zip(factors, combo, strict=True)}
            for combo in itertools.product(*levels)
        ]
    from scipy.stats import qmc

    assert n is not None
    d = len(factors)
    if design == "lhs":
        sample = qmc.LatinHypercube(d=d, rng=design_seed).random(n)
    elif design == "sobol":
        sampler = qmc.Sobol(d=d, scramble=True, rng=design_seed)
        with warnings.catch_warnings():  # non-powers of two are allowed; the docs say why not
            warnings.simplefilter("ignore", UserWarning)
            sample = sampler.random(n)
    elif design in ("saltelli", "morris"):  # for `hmt-sim sensitivity` (hmt_sim.explore)
        from hmt_sim.explore.samples import unit_sample

        sample = unit_sample(design, n, d, design_seed)
    else:  # pragma: no cover - the spec validator allows only these
        raise ValueError(f"unknown design {design!r}")
    return [
        {f.key: f.from_unit(float(u)) for f, u in zip(factors, row, strict=True)}
        for row in sample
    ]
