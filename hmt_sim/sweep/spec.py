"""The sweep spec as data: ``Factor`` and ``SweepSpec`` (frozen pydantic models) and the limits.

This module is the bottom of the sweep package: designs, checks, workers and the runner import it,
and it imports none of them. Reading a spec file (``specfile.load_spec``) builds a ``SweepSpec``
from a checked ``SpecFile``; everything a worker needs is in it, the base scenario as text.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import math
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

TOP_KEYS = (
    "name", "description", "scenario", "set", "design", "design_seed", "factors", "seeds",
    "metrics", "timeseries", "baseline",
)
"""The keys of a spec file, in the order error messages list them."""
DESIGN_KINDS = ("full_factorial", "lhs", "sobol", "saltelli", "morris")
RANGE_KEYS = ("min", "max", "steps", "integer")
MAX_POINTS = 100_000
"""Most design points one spec may have (a sampled design says how many it wants)."""
MAX_RUNS = 50_000_000
"""Most runs (points x seeds) one spec may have: beyond that, split the sweep."""
MAX_SEEDS = 1_000_000
"""Most seeds one spec may list or count (the seed list is held in memory and hashed)."""
MAX_SEED = 2**63 - 1
"""Largest seed: results store seeds as 64-bit integers, and a scenario's ``run.seed`` too."""
MAX_DESIGN_VALUES = 2_000_000
"""Most factor values one design may hold (points x factors): each point is a mapping in
memory, so 100,000 points of 20 factors is the largest table a spec may build."""
Scalar = int | float | str | bool
PathT = tuple[str | int, ...]
Design = Literal["full_factorial", "lhs", "sobol", "saltelli", "morris"]


class Factor(BaseModel):
    """One factor: a dotted scenario key and either a list of values or a numeric range.

    ``Factor("ai.reliability", values=(0.6, 0.9))`` or ``Factor("autonomy.level", low=1,
    high=10, integer=True)``: the key may be given by position.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    values: tuple[Scalar, ...] | None = None  # discrete levels, in the order written
    low: float | None = None
    high: float | None = None
    # A range under full_factorial: even levels (never more than a design may have points).
    steps: int | None = Field(default=None, ge=1, le=MAX_POINTS)
    integer: bool = False

    def __init__(self, key: str | None = None, /, **data: Any) -> None:
        if key is not None:  # pydantic passes keywords only when it validates a nested factor
            data["key"] = key
        super().__init__(**data)

    @model_validator(mode="after")
    def _values_or_range(self) -> Factor:
        if (self.values is None) == (self.low is None or self.high is None):
            raise ValueError(f"factor {self.key!r}: give either values or both low and high")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"factor {self.key!r}: low ({self.low}) is above high ({self.high})")
        return self

    @property
    def is_range(self) -> bool:
        """Whether the factor is a numeric range (sampled, or ``steps`` levels) rather than a
        list of values."""
        return self.values is None

    def levels(self) -> tuple[Scalar, ...]:
        """The discrete levels used by a full factorial design."""
        if self.values is not None:
            return self.values
        assert self.low is not None and self.high is not None and self.steps is not None
        if self.steps == 1:
            return (self._cast(self.low),)
        span = self.high - self.low
        return tuple(
            self._cast(self.low + span * i / (self.steps - 1)) for i in range(self.steps)
        )

    def from_unit(self, u: float) -> Scalar:
        """Map a point of [0, 1) (from LHS or Sobol) to a value of this factor."""
        if self.values is not None:
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        assert self.low is not None and self.high is not None
        if self.integer:
            # Equal-width bins over the integers low..high, so each integer is equally likely.
            n = int(self.high) - int(self.low) + 1
            return int(self.low) + min(int(u * n), n - 1)
        return self._cast(self.low + (self.high - self.low) * u)

    def _cast(self, value: float) -> int | float:
        return round(value) if self.integer else float(round(value, 12))


class SweepSpec(BaseModel):
    """A validated sweep: everything a worker needs is in here (the scenario as text)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    name: str
    description: str = ""
    scenario_source: str
    scenario_text: str
    base_overrides: dict[str, Any] = Field(default_factory=dict)
    design: Design = "full_factorial"
    design_n: int | None = Field(default=None, ge=1)  # the points of a sampled design
    design_seed: int = 0
    factors: tuple[Factor, ...] = ()
    seeds: tuple[int, ...]
    metrics: tuple[str, ...] | None = None
    timeseries: bool = False
    baseline: dict[str, Any] | int | None = None
    points: tuple[dict[str, Scalar], ...] = ()

    @model_validator(mode="after")
    def _sampled_designs_have_a_size(self) -> SweepSpec:
        if (self.design == "full_factorial") != (self.design_n is None):
            raise ValueError(f"design {self.design!r}: design_n is the number of points of a "
                             "sampled design (lhs, sobol) and only of those")
        return self

    @property
    def factor_keys(self) -> tuple[str, ...]:
        """The factors' dotted keys, in the order written (the results' factor columns)."""
        return tuple(f.key for f in self.factors)

    @property
    def total_runs(self) -> int:
        """Design points times seeds."""
        return len(self.points) * len(self.seeds)

    def point_overrides(self, point: int) -> dict[str, Any]:
        """The overrides of one design point: the fixed ``set`` plus the point's values."""
        return {**self.base_overrides, **self.points[point]}

    def spec_hash(self) -> str:
        """What the results depend on: scenario text, overrides, points, seeds, kept metrics."""
        payload = {
            "scenario": hashlib.sha256(self.scenario_text.encode("utf-8")).hexdigest(),
            "set": self.base_overrides,
            "factors": list(self.factor_keys),
            "points": list(self.points),
            "seeds": list(self.seeds),
            "metrics": list(self.metrics) if self.metrics is not None else None,
            "timeseries": self.timeseries,
        }
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def baseline_point(self) -> int:
        """The design point other points are compared with (``baseline:``, else point 0)."""
        if self.baseline is None:
            return 0
        if isinstance(self.baseline, int):
            return self.baseline
        for i, point in enumerate(self.points):
            if all(same(point[k], v) for k, v in self.baseline.items()):
                return i
        return 0


def same(a: Any, b: Any) -> bool:
    """Equal values, numbers compared with a tolerance (0.7 from a range equals 0.7 written)."""
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


def select_metrics(patterns: Sequence[str] | None, names: Sequence[str]) -> list[str]:
    """The metric columns a spec keeps: exact names, group names (``harm``) or globs."""
    if patterns is None:
        return list(names)
    kept: list[str] = []
    for pattern in patterns:
        glob = pattern if "*" in pattern else None
        for name in names:
            if name in kept:
                continue
            if (glob and fnmatch.fnmatch(name, glob)) or name == pattern or name.startswith(
                pattern + "."
            ):
                kept.append(name)
    return kept
