"""Scenario discovery: in which region of factor space does an outcome become likely?

``discover(DIR, "harm.wrongful_engagements >= 1")`` turns each run of a sweep into a case (the
condition holds) or not, then describes where the cases concentrate as plain rules:

    autonomy.level >= 7 and ai.reliability <= 0.8: harm.wrongful_engagements >= 1 in 62% of
    runs (covers 71% of such runs)

* **PRIM** (``hmt_sim.explore.prim``) peels boxes and reports the coverage-density trade-off;
  the box chosen balances the two (highest F1, the harmonic mean of coverage and density)
  among those whose density reaches ``min_density`` (by default halfway from the base rate
  to 1, and at least 50%: "likely"); ``box`` picks another point of the trajectory. With
  ``boxes`` > 1 the runs of a found box are set aside and PRIM searches the rest (covering).
* **CART** (scikit-learn's ``DecisionTreeClassifier``) is a second view: the leaves of a
  shallow tree where the condition is likely, each as a rule. A rule both methods find is
  robust; one only CART finds is often a corner PRIM peeled past.

Each run is one observation (seeds are replicates at a point), so density is "share of runs".
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hmt_sim.errors import InputError
from hmt_sim.explore.prim import Box, Limit, PrimResult, prim, prune_restrictions
from hmt_sim.explore.table import metric_names
from hmt_sim.explore.where import Condition, parse_condition


@dataclass(frozen=True)
class Rule:
    """A region of factor space and how often the condition holds there.

    ``limits``: factor → (low, high) inclusive, or the set of allowed values; factors not named
    are free. ``density``: share of the region's runs where the condition holds; ``coverage``:
    share of all such runs that fall in the region. ``text`` says it in plain words."""

    method: str
    limits: dict[str, Limit]
    density: float
    coverage: float
    n_runs: int
    n_cases: int
    text: str
    p_values: dict[str, float]
    dropped: tuple[str, ...] = ()
    """Factors PRIM had restricted whose restriction was not significant (p >= 0.05)."""


@dataclass(frozen=True)
class Discovery:
    """What ``discover()`` found: the PRIM rules (with the trajectory of the first search) and
    the CART rules, with the base rate to compare their densities with."""

    condition: Condition
    n_runs: int
    n_cases: int
    base_rate: float
    prim_rules: tuple[Rule, ...]
    cart_rules: tuple[Rule, ...]
    trajectory: PrimResult
    chosen: int
    """Index of the first PRIM rule's box in ``trajectory.trajectory``."""
    min_density: float
    """The density rules had to reach (given, or ``default_density`` of the base rate)."""
    note: str = ""


def discover(results: str | os.PathLike[str], where: str, *, min_density: float | None = None,
             boxes: int = 2, alpha: float = 0.05, min_mass: float = 0.05,
             cart_depth: int = 3, box: int | None = None) -> Discovery:
    """Find where ``where`` (``METRIC OP NUMBER``) is likely in a sweep folder's runs.

    ``box`` picks the first rule's box by its index on the peeling trajectory instead of the
    automatic choice (see ``choose``)."""
    from hmt_sim.sweep.store import load_results

    if min_density is not None and not 0 < min_density <= 1:
        raise InputError(f"min_density must be in (0, 1], got {min_density}")
    if boxes < 1:
        raise InputError(f"boxes must be >= 1, got {boxes}")
    path = Path(results)
    df = load_results(path, ok_only=True)
    condition = parse_condition(where, metric_names(df))
    factors = list(df.attrs["factors"])
    if not factors:
        raise InputError(f"{path}: the sweep has no factors: there is no factor space to search")
    runs = df[df[condition.metric].notna()]
    if runs.empty:
        raise InputError(f"{path}: no successful run reported {condition.metric!r}")
    x = runs[factors].reset_index(drop=True)
    y = condition.holds(runs[condition.metric].to_numpy())
    return discover_in(x, y, condition, min_density=min_density, boxes=boxes, alpha=alpha,
                       min_mass=min_mass, cart_depth=cart_depth, box=box)


def discover_in(x: Any, y: np.ndarray, condition: Condition, *,
                min_density: float | None = None,
                boxes: int = 2, alpha: float = 0.05, min_mass: float = 0.05,
                cart_depth: int = 3, box: int | None = None) -> Discovery:
    """``discover`` on a table of factors ``x`` (a DataFrame, one row per run) and outcomes."""
    y = np.asarray(y, dtype=bool)
    n_cases = int(y.sum())
    full = full_limits(x)
    if min_density is None:
        min_density = default_density(float(y.mean()) if len(y) else 0.0)
    first = prim(x, y, alpha=alpha, min_mass=min_mass)
    chosen = choose(first, min_density)
    if box is not None:
        if not 0 <= box < len(first.trajectory):
            raise InputError(f"box {box}: the peeling trajectory has boxes 0 to "
                             f"{len(first.trajectory) - 1}")
        chosen = box
    note = ""
    if n_cases == 0:
        note = f"{condition} never holds in these runs: there is nothing to find"
        return Discovery(condition, len(y), 0, 0.0, (), (), first, 0, min_density, note)
    if first.trajectory[chosen].density < min_density:
        note = (f"no box reaches a density of {min_density:.0%}; the densest box is shown "
                "(lower --min-density to see wider boxes)")
    rules: list[Rule] = []
    remaining = np.ones(len(y), dtype=bool)
    result = first
    for k in range(boxes):
        found = result.trajectory[chosen if k == 0 else choose(result, min_density)]
        xs, ys = x[remaining].reset_index(drop=True), y[remaining]
        peeled = found
        found = prune_restrictions(xs, ys, found)
        if rules and (found.density < min_density or not found.limits):
            break
        if not rules and found.density < min_density <= peeled.density:
            note = (f"the first rule falls below the density asked for ({found.density:.0%} < "
                    f"{min_density:.0%}) once its restrictions that are not significant are "
                    f"dropped; box {chosen} on the trajectory, which keeps them, reaches "
                    f"{peeled.density:.0%}: read the rule as weak")
        rules.append(_rule("PRIM", found, condition, n_cases, full))
        inside = _inside(x, found.limits)
        remaining &= ~inside
        if y[remaining].sum() < max(2, 0.1 * n_cases) or remaining.sum() < 10:
            break
        result = prim(x[remaining].reset_index(drop=True), y[remaining], alpha=alpha,
                      min_mass=min_mass * len(y) / max(int(remaining.sum()), 1))
    cart = cart_rules(x, y, condition, full, min_density=min_density, depth=cart_depth)
    return Discovery(condition, len(y), n_cases, float(y.mean()), tuple(rules), cart, first,
                     chosen, min_density, note)


def default_density(base_rate: float) -> float:
    """The density a rule must reach by default: halfway from the base rate to 1, so a rule
    always says something the base rate does not (at least 50%: "likely")."""
    return max(0.5, base_rate + (1.0 - base_rate) / 2)


def choose(result: PrimResult, min_density: float) -> int:
    """Among the boxes at least ``min_density`` dense, the best balance of coverage and
    density (highest F1 score, their harmonic mean); if none is that dense, the densest.
    Ties go to the larger box."""
    boxes = result.trajectory
    dense = [i for i, b in enumerate(boxes) if b.density >= min_density - 1e-12]
    if dense:
        return max(dense, key=lambda i: (_f1(boxes[i]), boxes[i].coverage, -i))
    return max(range(len(boxes)), key=lambda i: (boxes[i].density, boxes[i].coverage, -i))


def _f1(box: Box) -> float:
    total = box.density + box.coverage
    return 2 * box.density * box.coverage / total if total else 0.0


def _inside(x: Any, limits: dict[str, Limit]) -> np.ndarray:
    keep = np.ones(len(x), dtype=bool)
    for c, lim in limits.items():
        v = x[c].to_numpy()
        if isinstance(lim, frozenset):
            keep &= np.isin(v.astype(object), list(lim))
        else:
            keep &= (v.astype(float) >= lim[0]) & (v.astype(float) <= lim[1])
    return keep


def _open_ends(limits: dict[str, Limit], full: dict[str, Limit]) -> dict[str, Limit]:
    """Numeric limits with the sides that do not cut anything set to -inf / inf."""
    out: dict[str, Limit] = {}
    for c, lim in limits.items():
        whole = full.get(c)
        if isinstance(lim, tuple) and isinstance(whole, tuple):
            lo = lim[0] if lim[0] > whole[0] else -math.inf
            hi = lim[1] if lim[1] < whole[1] else math.inf
            lim = (lo, hi)
        out[c] = lim
    return out


def full_limits(x: Any) -> dict[str, Limit]:
    """Each factor's observed range (numbers) or set of values (text, true/false)."""
    import pandas as pd

    out: dict[str, Limit] = {}
    for c in x.columns:
        col = x[c]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            out[str(c)] = (float(col.min()), float(col.max()))
        else:
            out[str(c)] = frozenset(col.tolist())
    return out


def _rule(method: str, box: Box, condition: Condition, total_cases: int,
          full: dict[str, Limit]) -> Rule:
    coverage = box.n_cases / total_cases if total_cases else 0.0
    limits = _open_ends(box.limits, full)
    return Rule(method, limits, box.density, coverage, box.n_runs, box.n_cases,
                rule_text(limits, condition, box.density, coverage), dict(box.p_values),
                box.dropped)


def rule_text(limits: dict[str, Limit], condition: Condition, density: float,
              coverage: float) -> str:
    """``"a >= 7 and b <= 0.8: COND in 62% of runs (covers 71% of such runs)"``."""
    parts = [limit_text(c, lim) for c, lim in limits.items()]
    where = " and ".join(parts) if parts else "anywhere in the design"
    return (f"{where}: {condition} in {_pct(density)} of runs "
            f"(covers {_pct(coverage)} of such runs)")


def limit_text(factor: str, lim: Limit) -> str:
    """One restriction in words: ``x >= 7``, ``x <= 0.8``, ``0.6 <= x <= 0.8``, ``x is a``."""
    if isinstance(lim, frozenset):
        values = sorted(lim, key=str)
        if len(values) == 1:
            return f"{factor} is {values[0]}"
        return f"{factor} in {{{', '.join(str(v) for v in values)}}}"
    lo, hi = lim
    if lo == hi:
        return f"{factor} = {_num(lo)}"
    if math.isinf(hi):
        return f"{factor} >= {_num(lo)}"
    if math.isinf(lo):
        return f"{factor} <= {_num(hi)}"
    return f"{_num(lo)} <= {factor} <= {_num(hi)}"


def cart_rules(x: Any, y: np.ndarray, condition: Condition, full: dict[str, Limit], *,
               min_density: float = 0.5,
               depth: int = 3) -> tuple[Rule, ...]:
    """The leaves of a shallow classification tree where the condition is likely, densest
    first. Numeric thresholds are moved onto observed values (``level > 6.5`` → ``>= 7``)."""
    from hmt_sim.explore.cart import leaves

    n_cases = int(np.sum(y))
    if n_cases == 0 or n_cases == len(y):
        return ()
    out = []
    for limits, n_runs, k in leaves(x, y, depth=depth):
        density = k / n_runs
        if density >= min_density - 1e-12:
            box = Box(limits, k / n_cases, density, n_runs / len(y), n_runs, k)
            out.append(_rule("CART", box, condition, n_cases, full))
    return tuple(sorted(out, key=lambda r: (-r.density, -r.coverage, r.text)))


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.4g}"


def _pct(v: float) -> str:
    return f"{100 * v:.0f}%"
