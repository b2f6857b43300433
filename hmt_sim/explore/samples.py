"""The sampled designs that global sensitivity analysis needs, in the unit hypercube.

Sobol indices are estimated from a Saltelli (cross-) sample and Morris elementary effects from
one-at-a-time trajectories; neither can be computed from an arbitrary set of points. The sweep
asks for them as ``design: {saltelli: N}`` (N base points, N x (factors + 2) design points) or
``design: {morris: R}`` (R trajectories, R x (factors + 1) points). The sample depends only on
the kind, the size, the number of factors and the spec's ``design_seed``, so ``hmt-sim
sensitivity`` rebuilds exactly the same unit sample from the manifest instead of storing it.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

SA_DESIGNS = ("saltelli", "morris")
"""The sweep designs made for sensitivity analysis."""
MORRIS_LEVELS = 4
"""Grid levels of a Morris trajectory (SALib's default; 4 levels, jumps of 2/3 of a range)."""


def unit_problem(d: int) -> dict[str, Any]:
    """A SALib problem of ``d`` factors on [0, 1]: factors are mapped to their ranges later."""
    return {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}


def unit_sample(kind: str, n: int, d: int, design_seed: int) -> np.ndarray:
    """The (points x d) unit sample of a sensitivity design, in the order SALib analyses it."""
    problem = unit_problem(d)
    if kind == "saltelli":
        from SALib.sample import sobol

        with warnings.catch_warnings():  # SALib warns when n is not a power of two
            warnings.simplefilter("ignore")
            sample = sobol.sample(problem, n, calc_second_order=False, scramble=True,
                                  seed=design_seed)
    elif kind == "morris":
        from SALib.sample import morris

        sample = morris.sample(problem, n, num_levels=MORRIS_LEVELS, seed=design_seed)
    else:
        raise ValueError(f"unknown sensitivity design {kind!r}; allowed: {', '.join(SA_DESIGNS)}")
    # Sobol points can reach 1.0 exactly; factors map [0, 1) so that every level is reachable.
    return np.clip(np.asarray(sample, dtype=float), 0.0, np.nextafter(1.0, 0.0))


def design_size(kind: str, n: int, d: int) -> int:
    """How many design points a sensitivity design of size ``n`` over ``d`` factors has."""
    return n * (d + 2) if kind == "saltelli" else n * (d + 1)
