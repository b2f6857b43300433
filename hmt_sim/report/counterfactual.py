"""Counterfactuals: the same scenario at other settings over paired seeds.

Every setting runs the same seed list (the run's seed and the next N-1), so the world, the AI's
errors and the adversary draw the same random numbers at each setting (DESIGN.md principle 6):
differences between settings come from the setting, not from luck.

A session's people cannot be replayed at another setting: a ``decide`` input names a decision id
that may not exist there. Counterfactual runs therefore put model operators in every seat and
re-apply only the facilitator's inputs (``FACILITATOR_INPUTS``). Facilitator inputs that would
overwrite the compared parameter (an autonomy change when comparing autonomy) are left out, or
every setting would converge to the facilitator's choice.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hmt_sim.errors import InputError, ScenarioError, SimulationError
from hmt_sim.report.source import FACILITATOR_INPUTS, ReportSource
from hmt_sim.scenario.schema import Scenario

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
    from hmt_sim.scenario.yamldoc import parse_yaml_value

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
    from hmt_sim.scenario import load_scenario_text

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


def _run_one(task: tuple[int, Scenario, int, list[dict[str, Any]]]) -> tuple[int, int, Any]:
    """Worker: one run with model operators in every seat; returns its flattened metrics."""
    from hmt_sim.errors import HmtError
    from hmt_sim.metrics import flatten
    from hmt_sim.session import simulate

    index, scenario, seed, inputs = task
    try:
        return index, seed, flatten(simulate(scenario, seed=seed, inputs=inputs).metrics)
    except HmtError as exc:  # reported in the parent with the setting and seed
        return index, seed, f"{type(exc).__name__}: {exc}"


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def compare(source: ReportSource, spec: CompareSpec, n_seeds: int, workers: int | None = None,
            progress: Callable[[int, int], None] | None = None) -> Comparison:
    """Run every setting of ``spec`` (plus the run's own setting) over ``n_seeds`` paired seeds
    in a process pool, and return the metrics rows."""
    import time

    from hmt_sim.metrics import flatten

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
    tasks = [(gi, g.scenario, seed, kept) for gi, g in enumerate(groups) for seed in seeds]
    n_workers = min(workers or default_workers(), len(tasks))
    results: dict[tuple[int, int], Any] = {}
    started = time.perf_counter()
    if n_workers == 1:
        for done, task in enumerate(tasks, 1):
            gi, seed, row = _run_one(task)
            results[(gi, seed)] = row
            if progress:
                progress(done, len(tasks))
    else:
        # Fork (where the platform has it): workers inherit the loaded engine and start at once.
        # Our own context object, so the process-wide start method is left alone.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        ctx = multiprocessing.get_context(method)
        chunk = max(1, len(tasks) // (n_workers * 8))
        try:
            with warnings.catch_warnings(), ProcessPoolExecutor(n_workers, mp_context=ctx) as pool:
                # NumPy's BLAS keeps idle native threads; it re-initialises them after a fork
                # (pthread_atfork), and the workers run single-threaded Python only.
                warnings.filterwarnings("ignore", message=r".*use of fork\(\) may lead to",
                                        category=DeprecationWarning)
                for done, (gi, seed, row) in enumerate(
                        pool.map(_run_one, tasks, chunksize=chunk), 1):
                    results[(gi, seed)] = row
                    if progress:
                        progress(done, len(tasks))
        except BrokenProcessPool:
            raise SimulationError(
                "a counterfactual worker process died (out of memory?); try fewer --workers "
                "or fewer --seeds") from None
    for gi, g in enumerate(groups):
        for seed in seeds:
            row = results[(gi, seed)]
            if isinstance(row, str):
                raise SimulationError(f"counterfactual run {g.label}, seed {seed} failed: {row}")
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
