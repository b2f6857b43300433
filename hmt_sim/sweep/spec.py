"""Sweep spec YAML → a validated, frozen ``SweepSpec``, every problem located at FILE:LINE:COL.

A sweep spec names a base scenario, the factors to vary, a design, and an explicit seed list::

    scenario: airbase_swarm            # a path (relative to this file) or a bundled id
    set: {run.duration_s: 300}          # fixed overrides for every run (optional)
    design: full_factorial              # or {lhs: 200} / {sobol: 256}
    factors:
      autonomy.level: [5, 6, 7, 8]
      ai.reliability: {min: 0.6, max: 0.9, steps: 3}
    seeds: {start: 1, count: 20}        # or an explicit list [1, 2, 3]

The YAML is read with the scenario loader's safe, position-recording reader, so a sweep spec gets
the same protections (size cap, no Python tags, alias-bomb limit) and the same error format as a
scenario. Factor *values* are validated the only way that cannot drift from the engine: by
applying them as overrides to the base scenario with ``load_scenario_text``; the engine's message
(with its did-you-mean) is then re-located at the factor's line in the spec.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hmt_sim.errors import InputError
from hmt_sim.scenario.yamldoc import decode, read_capped, read_document

TOP_KEYS = (
    "name", "description", "scenario", "set", "design", "design_seed", "factors", "seeds",
    "metrics", "timeseries", "baseline",
)
DESIGN_KINDS = ("full_factorial", "lhs", "sobol")
RANGE_KEYS = ("min", "max", "steps", "integer")
MAX_POINTS = 100_000
MAX_RUNS = 50_000_000
Scalar = int | float | str | bool
PathT = tuple[str | int, ...]


@dataclass(frozen=True)
class Factor:
    """One factor: a dotted scenario key and either a list of values or a numeric range."""

    key: str
    values: tuple[Scalar, ...] | None = None  # discrete levels, in the order written
    low: float | None = None
    high: float | None = None
    steps: int | None = None  # a range under full_factorial: evenly spaced levels
    integer: bool = False

    @property
    def is_range(self) -> bool:
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

    def _cast(self, value: float) -> Scalar:
        return round(value) if self.integer else float(round(value, 12))


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: everything a worker needs is in here (the scenario as text)."""

    source: str
    name: str
    description: str
    scenario_source: str
    scenario_text: str
    base_overrides: dict[str, Any]
    design: str
    design_n: int | None
    design_seed: int
    factors: tuple[Factor, ...]
    seeds: tuple[int, ...]
    metrics: tuple[str, ...] | None
    timeseries: bool
    baseline: dict[str, Any] | int | None
    points: tuple[dict[str, Scalar], ...] = field(default=())

    @property
    def factor_keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.factors)

    @property
    def total_runs(self) -> int:
        return len(self.points) * len(self.seeds)

    def point_overrides(self, point: int) -> dict[str, Any]:
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
            if all(_same(point[k], v) for k, v in self.baseline.items()):
                return i
        return 0


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def load_spec(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    set_overrides: Mapping[str, Any] | None = None,
    seeds: Sequence[int] | int | None = None,
) -> SweepSpec:
    """Read and validate a sweep spec (a YAML path, or a mapping for the Python API).

    ``set_overrides`` adds fixed overrides (the CLI's ``--set``); ``seeds`` replaces the seed list
    (an int keeps the spec's start and changes the count). Raises ``ScenarioError`` with every
    problem located, or ``InputError`` for a file that cannot be read.
    """
    if isinstance(source, Mapping):
        import yaml

        text = yaml.safe_dump(dict(source), sort_keys=False)
        filename, base_dir = "<spec>", Path.cwd()
    else:
        path = Path(source)
        if not path.is_file():
            raise InputError(
                f"{source}: no such sweep spec file"
                if not path.exists()
                else f"{source}: is not a file"
            )
        filename, base_dir = os.fspath(source), path.resolve().parent
        text = decode(read_capped(path, filename), filename)
    from hmt_sim.sweep.validate import Validator

    doc = read_document(text, filename)
    return Validator(doc, base_dir, set_overrides or {}, seeds).run()


def select_metrics(patterns: Sequence[str] | None, names: Sequence[str]) -> list[str]:
    """The metric columns a spec keeps: exact names, group names (``harm``) or globs."""
    import fnmatch

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
