"""Counterfactuals: the same scenario at other settings over paired seeds.

Every setting runs the same seed list (the run's seed and the next N-1), so the world, the AI's
errors and the adversary draw the same random numbers at each setting (DESIGN.md principle 6):
differences between settings come from the setting, not from luck.

A session's people cannot be replayed at another setting: a ``decide`` input names a decision id
that may not exist there. Counterfactual runs therefore put model operators in every seat and
re-apply only the facilitator's inputs (``FACILITATOR_INPUTS``). Facilitator inputs that would
overwrite the compared parameter (an autonomy change when comparing autonomy) are left out, or
every setting would converge to the facilitator's choice.

The runs go through the sweep's local executor (``hmt_sim.sweep.executors``) in batches
(``Runs``), so a worker that dies is handled as in a sweep: the runs in flight are retried one at
a time, the run that kills its worker is named, and the others complete.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from hmt_sim.errors import InputError, ScenarioError, SimulationError
from hmt_sim.metrics import flatten
from hmt_sim.report.source import FACILITATOR_INPUTS, ReportSource
from hmt_sim.scenario.loader import load_scenario_text
from hmt_sim.scenario.schema import Scenario
from hmt_sim.scenario.yamldoc import parse_yaml_value
from hmt_sim.sweep.executors import WORKER_DIED, LocalExecutor

MAX_SEEDS = 10_000
MAX_VALUES = 20


@dataclass(frozen=True, slots=True)
class CompareSpec:
    """``autonomy.level=5,7,9``: one dotted key and the values to compare."""

    key: str
    values: tuple[Any, ...]

    @property
    def text(self) -> str:
        return f"{self.key}={','.join(_show(v) for v in self.values)}"


@dataclass
class Group:
    """One setting: its label, the scenario at that setting, and one metrics row per seed."""

    label: str
    scenario: Scenario
    override: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def values(self, metric: str) -> list[Any]:
        return [row.get(metric) for row in self.rows]


@dataclass
class Comparison:
    spec: CompareSpec
    seeds: list[int]
    groups: list[Group]  # groups[0] is the run as it was set up ("as run")
    actual: dict[str, Any]  # the actual run's flattened metrics
    inputs_kept: list[dict[str, Any]]
    inputs_dropped: dict[str, int]  # input type -> how many were not re-applied
    workers: int
    elapsed_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Placement:
    """Where the actual value sits among one group's values (None values left out)."""

    n: int
    n_na: int
    median: float | None
    q1: float | None
    q3: float | None
    lo: float | None
    hi: float | None
    below: int
    equal: int
    above: int

    @property
    def percentile(self) -> float | None:
        """Mid-rank percentile of the actual value: 50 when it equals every run."""
        if self.n == 0:
            return None
        return 100.0 * (self.below + 0.5 * self.equal) / self.n


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _split_values(text: str) -> list[str]:
    """Split on commas outside brackets, so ``[1, 2],[3, 4]`` gives two list values."""
    parts: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def parse_compare(text: str) -> CompareSpec:
    """Parse ``KEY=V1,V2,...`` with the same value rules as ``--set``."""
    example = "for example --compare autonomy.level=5,7,9"
    key, sep, rest = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise InputError(f"bad --compare {text!r}: expected KEY=V1,V2,...; {example}")
    if any(not seg.strip() for seg in key.split(".")):
        raise InputError(f"bad --compare key {key!r}: expected a dotted path; {example}")
    raw = _split_values(rest)
    if not rest.strip() or any(not r for r in raw):
        raise InputError(f"bad --compare {text!r}: empty value in the list; {example}")
    if len(raw) > MAX_VALUES:
        raise InputError(f"bad --compare {text!r}: at most {MAX_VALUES} values")
    values = []
    for r in raw:
        try:
            values.append(parse_yaml_value(r))
        except ScenarioError as exc:
            detail = exc.problems[0].message if exc.problems else str(exc)
            raise InputError(f"bad --compare value {r!r}: {detail}") from None
    if len({json.dumps(v, sort_keys=True) for v in values}) != len(values):
        raise InputError(f"bad --compare {text!r}: a value is listed twice")
    return CompareSpec(key, tuple(values))


def scenario_at(base: Scenario, key: str, value: Any) -> Scenario:
    """``base`` with one override applied and validated like a ``--set``."""
    text = json.dumps(base.model_dump(mode="json"))
    try:
        return load_scenario_text(text, "scenario", overrides={key: value})
    except ScenarioError as exc:
        problems = "; ".join(f"{p.path}: {p.message}" if p.path else p.message
                             for p in exc.problems)
        raise InputError(f"--compare {key}={_show(value)}: {problems}") from None


def split_inputs(inputs: list[dict[str, Any]], key: str
                 ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """(inputs re-applied in counterfactuals, counts of those left out by type)."""
    kept: list[dict[str, Any]] = []
    dropped: dict[str, int] = {}
    for item in inputs:
        kind = str(item.get("type"))
        clash = (key.startswith("autonomy.") and (
            kind == "set_levels" or (kind == "inject" and
            (item.get("inject") or {}).get("kind") == "autonomy_change"))) or (
            key == "ai.reliability" and kind == "set_reliability")
        if kind in FACILITATOR_INPUTS and not clash:
            kept.append(item)
        else:
            label = f"{kind} (clashes with {key})" if clash else kind
            dropped[label] = dropped.get(label, 0) + 1
    return kept, dropped


Row = tuple[int, int, Any]
"""One run's outcome: (group index, seed, flattened metrics or the error message as text)."""


@dataclass(frozen=True)
class Runs:
    """A batch of counterfactual runs for the sweep executor (a ``sweep.executors.Work``).

    Carries the scenario of each group it runs (frozen, so it pickles as it is) and the
    facilitator inputs re-applied in every run.
    """

    items: tuple[tuple[int, int], ...]  # (group index, seed)
    scenarios: tuple[tuple[int, Scenario], ...]  # (group index, scenario) for those groups
    inputs: tuple[dict[str, Any], ...]

    @property
    def runs(self) -> int:
        """How many runs the batch holds."""
        return len(self.items)

    def run(self) -> list[Row]:
        """Every run, model operators in every seat; an engine error becomes that run's row."""
        from hmt_sim.session import simulate  # the engine loads in the worker only

        scenarios = dict(self.scenarios)
        rows: list[Row] = []
        for gi, seed in self.items:
            try:
                result = simulate(scenarios[gi], seed=seed, inputs=list(self.inputs))
                rows.append((gi, seed, flatten(result.metrics)))
            except Exception as exc:  # reported in the parent with the setting and seed
                rows.append((gi, seed, f"{type(exc).__name__}: {exc}"))
        return rows

    def singles(self) -> list[Runs]:
        """One batch per run, so the executor can find a run that kills its worker."""
        return [replace(self, items=(item,),
                        scenarios=tuple((g, sc) for g, sc in self.scenarios if g == item[0]))
                for item in self.items]

    def failed(self, message: str) -> list[Row]:
        """Every run of the batch failed with ``message`` (its worker process died)."""
        return [(gi, seed, message) for gi, seed in self.items]


def batches(groups: list[Group], seeds: list[int], inputs: list[dict[str, Any]],
            size: int) -> list[Runs]:
    """The runs of every group at every seed, group by group, ``size`` runs per batch."""
    items = [(gi, seed) for gi in range(len(groups)) for seed in seeds]
    out: list[Runs] = []
    for start in range(0, len(items), size):
        chunk = tuple(items[start:start + size])
        used = sorted({gi for gi, _ in chunk})
        out.append(Runs(chunk, tuple((gi, groups[gi].scenario) for gi in used), tuple(inputs)))
    return out


def default_workers() -> int:
    """All cores, up to 8 (a report's comparison is small)."""
    return max(1, min(os.cpu_count() or 1, 8))


def compare(source: ReportSource, spec: CompareSpec, n_seeds: int, workers: int | None = None,
            progress: Callable[[int, int], None] | None = None) -> Comparison:
    """Run every setting of ``spec`` (plus the run's own setting) over ``n_seeds`` paired seeds
    through the sweep's local executor, and return the metrics rows.

    Raises ``SimulationError`` naming the setting and seed of a run that failed or whose worker
    process died; the other runs complete first.
    """
    if not 1 <= n_seeds <= MAX_SEEDS:
        raise InputError(f"--seeds must be within 1..{MAX_SEEDS}, got {n_seeds}")
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    groups = [Group("as run", source.scenario, {})]
    for value in spec.values:
        groups.append(Group(f"{spec.key}={_show(value)}", scenario_at(source.scenario, spec.key,
                                                                      value), {spec.key: value}))
    seeds = [source.seed + i for i in range(n_seeds)]
    kept, dropped = split_inputs(source.inputs, spec.key)
    total = len(groups) * len(seeds)
    n_workers = min(workers or default_workers(), total)
    size = max(1, total // (n_workers * 8))
    results: dict[tuple[int, int], Any] = {}
    started = time.perf_counter()
    executor = LocalExecutor(n_workers)
    try:
        for _batch, rows in executor.run(batches(groups, seeds, kept, size)):
            for gi, seed, row in rows:
                results[(gi, seed)] = row
            if progress:
                progress(len(results), total)
    finally:
        executor.close()
    for gi, g in enumerate(groups):
        for seed in seeds:
            row = results[(gi, seed)]
            if isinstance(row, str):
                hint = "; try fewer --workers or fewer --seeds" if row == WORKER_DIED else ""
                raise SimulationError(
                    f"counterfactual run {g.label}, seed {seed} failed: {row}{hint}")
            g.rows.append(row)
    return Comparison(spec, seeds, groups, flatten(source.metrics), kept, dropped, n_workers,
                      time.perf_counter() - started)


def place(actual: Any, values: list[Any]) -> Placement:
    nums = np.array([float(v) for v in values if v is not None], dtype=float)
    n_na = sum(1 for v in values if v is None)
    if nums.size == 0:
        return Placement(0, n_na, None, None, None, None, None, 0, 0, 0)
    q1, med, q3 = (float(x) for x in np.percentile(nums, [25, 50, 75]))
    if actual is None:
        below = equal = above = 0
    else:
        a = float(actual)
        below, equal = int((nums < a).sum()), int((nums == a).sum())
        above = int(nums.size - below - equal)
    return Placement(int(nums.size), n_na, med, q1, q3, float(nums.min()), float(nums.max()),
                     below, equal, above)


def placements(cmp: Comparison, metric: str) -> list[Placement]:
    return [place(cmp.actual.get(metric), g.values(metric)) for g in cmp.groups]
