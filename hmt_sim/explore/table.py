"""Reading a sweep's results table for exploration: metric names and per-point means.

Shared by sensitivity and discovery, so both name metrics the same way and fail the same way
(the unknown name, where it came from, and the nearest valid names).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

import numpy as np

from hmt_sim.errors import InputError


def metric_names(df: Any) -> list[str]:
    """The numeric metric columns of a results table, in the manifest's order."""
    import pandas as pd

    return [m for m in df.attrs.get("metrics", []) if m in df.columns
            and pd.api.types.is_numeric_dtype(df[m])]


def suggest(name: str, names: Sequence[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest names, or ``""``."""
    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.5)
    if not close:
        short = [n for n in names if n.split(".")[-1] == name.split(".")[-1]]
        close = short[:3]
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def resolve_metrics(patterns: Sequence[str] | None, names: Sequence[str], where: str) -> list[str]:
    """Exact metric names or group prefixes (``harm`` is every ``harm.*``) → metric names."""
    if patterns is None or not list(patterns):
        if not names:
            raise InputError(f"{where}: the results have no numeric metrics")
        return list(names)
    chosen: list[str] = []
    for pattern in patterns:
        hits = [n for n in names if n == pattern or n.startswith(pattern + ".")]
        if not hits:
            groups = sorted({n.split(".")[0] for n in names})
            raise InputError(f"{where}: unknown metric {pattern!r}{suggest(pattern, names)} "
                             f"(groups: {', '.join(groups)}; `hmt-sim analyse` lists them)")
        chosen.extend(h for h in hits if h not in chosen)
    return chosen


def point_means(df: Any, names: Sequence[str], n_points: int,
                where: str) -> dict[str, np.ndarray]:
    """Each metric's mean over the successful seeds of every design point 0..n_points-1.

    A point without a successful run leaves a hole that no estimator can fill: that is an
    error naming the points (finish the sweep with ``--resume``, or look at the failures). A
    metric that no run of a point reported (a rate with no cases) is NaN there.
    """
    ok = df[df["status"] == "ok"] if "status" in df else df
    grouped = ok.groupby("point")[list(names)].mean()
    missing = sorted(set(range(n_points)) - {int(p) for p in grouped.index})
    if missing:
        shown = ", ".join(str(p) for p in missing[:8]) + (" ..." if len(missing) > 8 else "")
        raise InputError(f"{where}: {len(missing)} of {n_points} design points have no "
                         f"successful run (points {shown}); finish the sweep with --resume "
                         "or see the error column of the failed runs")
    grouped = grouped.reindex(range(n_points))
    return {name: grouped[name].to_numpy(dtype=float) for name in names}
