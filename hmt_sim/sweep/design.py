"""Designs: which factor combinations a sweep runs.

* ``full_factorial``: every combination of the factors' levels, the first factor varying slowest.
* ``{lhs: N}``: a Latin hypercube of N points (``scipy.stats.qmc.LatinHypercube``).
* ``{sobol: N}``: N points of a scrambled Sobol sequence (``scipy.stats.qmc.Sobol``); powers of two
  keep its balance properties.

Sampled designs use the spec's ``design_seed`` (not the run seeds), so the same spec always gives
the same points; every point then runs with the same seed list (common random numbers).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence

from hmt_sim.sweep.spec import Factor, Scalar


def design_points(
    design: str, n: int | None, factors: Sequence[Factor], design_seed: int
) -> list[dict[str, Scalar]]:
    """The design points, each a mapping of factor key to value, in a fixed order."""
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
