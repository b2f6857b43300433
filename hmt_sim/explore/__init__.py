"""Exploring a finished sweep: global sensitivity and scenario discovery.

    from hmt_sim.explore import sensitivity, discover
    s = sensitivity("results/sa")        # Sobol or Morris indices (saltelli / morris design)
    d = discover("results/ar", "harm.wrongful_engagements >= 1")
    print(d.prim_rules[0].text)          # "autonomy.level >= 7 and ...: ... in 62% of runs ..."

SALib, scikit-learn and matplotlib load only when a function needs them. See docs/sweep.md.
"""

from __future__ import annotations

from hmt_sim.explore.discovery import Discovery, Rule, discover, discover_in
from hmt_sim.explore.prim import Box, PrimResult, prim
from hmt_sim.explore.sensitivity import (
    FactorIndex,
    MetricSensitivity,
    SensitivityResult,
    sensitivity,
)
from hmt_sim.explore.where import Condition, parse_condition

__all__ = [
    "Box",
    "Condition",
    "Discovery",
    "FactorIndex",
    "MetricSensitivity",
    "PrimResult",
    "Rule",
    "SensitivityResult",
    "discover",
    "discover_in",
    "parse_condition",
    "prim",
    "sensitivity",
]
