"""CART as the second view of scenario discovery: a shallow tree's leaves as factor boxes.

scikit-learn's ``DecisionTreeClassifier`` splits on one factor at a time; every leaf is then a
box (the intersection of the splits on its path). Text factors enter one-hot, so a split reads
"is / is not a value". Classes are weighted as balanced, so a rare outcome still steers the
splits; which leaves count as rules is decided by their raw share of cases, not by the tree.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hmt_sim.explore.prim import Limit

Leaf = tuple[dict[str, Limit], int, int]
"""A leaf: its limits (only restricted factors), runs in it, cases among them."""


def leaves(x: Any, y: np.ndarray, *, depth: int = 3, seed: int = 0) -> list[Leaf]:
    """Every leaf of a tree of at most ``depth`` levels, as (limits, runs, cases)."""
    import pandas as pd
    from sklearn.tree import DecisionTreeClassifier

    features: list[tuple[str, Any]] = []  # (factor, None for numbers or the one-hot value)
    columns = []
    for c in x.columns:
        col = x[c]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            features.append((str(c), None))
            columns.append(col.to_numpy(dtype=float))
        else:
            for value in sorted(set(col.tolist()), key=str):
                features.append((str(c), value))
                columns.append((col.to_numpy(dtype=object) == value).astype(float))
    matrix = np.column_stack(columns)
    y = np.asarray(y, dtype=bool)
    tree = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=max(5, len(y) // 50),
                                  class_weight="balanced", random_state=seed)
    tree.fit(matrix, y)
    leaf_of = tree.apply(matrix)
    values = {str(c): np.unique(x[c].to_numpy()) for c in x.columns}
    t = tree.tree_
    out: list[Leaf] = []

    def walk(node: int, limits: dict[str, Limit]) -> None:
        left, right = int(t.children_left[node]), int(t.children_right[node])
        if left == right:  # a leaf
            mask = leaf_of == node
            out.append((limits, int(mask.sum()), int(y[mask].sum())))
            return
        factor, value = features[int(t.feature[node])]
        threshold = float(t.threshold[node])
        if value is None:
            lo, hi = limits.get(factor, (-math.inf, math.inf))
            assert isinstance(lo, float) and isinstance(hi, float)
            seen = values[factor].astype(float)
            below, above = seen[seen <= threshold], seen[seen > threshold]
            walk(left, {**limits, factor: (lo, float(below.max()) if below.size else hi)})
            walk(right, {**limits, factor: (float(above.min()) if above.size else lo, hi)})
        else:
            allowed = limits.get(factor, frozenset(values[factor].tolist()))
            assert isinstance(allowed, frozenset)
            walk(left, {**limits, factor: allowed - {value}})
            walk(right, {**limits, factor: allowed & {value}})

    walk(0, {})
    return out
