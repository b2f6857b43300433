"""What runs inside a worker process (local pool or Dask): a chunk of runs → compact rows.

A chunk carries the base scenario as *text* (so a Dask worker on another machine needs no copy of
the file), the overrides of each design point, and the seeds. Each distinct point is loaded once
per process (a small LRU cache keyed by scenario text and overrides); each run is isolated: an
exception becomes a ``failed`` row with its message, and the chunk goes on.

Rows are plain tuples in the column order the parent fixed (``Columns``), metric values already
coerced to float or text, so they pickle small and go straight into Parquet.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from hmt_sim import collection
from hmt_sim.plugins.registry import allow_entry_points, entry_points_allowed
from hmt_sim.scenario.schema import Scenario
from hmt_sim.sweep.scenarios import load_with
from hmt_sim.sweep.spec import select_metrics

Runner = Callable[[Scenario, int], dict[str, Any]]
"""A custom per-run function: (scenario, seed) -> flat metrics; the default runs ``simulate``."""

PROBE_DURATION_S = 1.0


@dataclass(frozen=True)
class Chunk:
    """A unit of work sent to a worker."""

    scenario_text: str
    scenario_name: str
    items: tuple[tuple[int, str, int], ...]  # (point, overrides as canonical JSON, seed)
    metric_columns: tuple[str, ...]
    text_columns: frozenset[str]
    timeseries: bool = False
    runner: Runner | None = None
    metric_patterns: tuple[str, ...] | None = None  # the spec's ``metrics:`` (None: keep all)
    # The parent's --allow-plugins, so spawned and Dask workers may load entry points too.
    allow_plugins: bool = field(default_factory=entry_points_allowed)

    @property
    def runs(self) -> int:
        """How many (point, seed) runs the chunk holds."""
        return len(self.items)

    def run(self) -> ChunkResult:
        """Run every item (in a worker process); see ``run_chunk``."""
        return run_chunk(self)

    def singles(self) -> list[Chunk]:
        """One chunk per run, to isolate a run that kills its worker."""
        return [replace(self, items=(item,)) for item in self.items]

    def failed(self, message: str) -> ChunkResult:
        """Every run of the chunk as ``failed`` with ``message`` (its worker died)."""
        blanks = [None] * len(self.metric_columns)
        return ChunkResult([(p, s, "failed", message, 0.0, *blanks) for p, _, s in self.items])


@dataclass(frozen=True)
class ChunkResult:
    """Rows ``(point, seed, status, error, wall_s, *metrics[, extras])`` and optional time series.

    ``metrics`` follow the chunk's ``metric_columns``. A run that reports a metric not among
    them (names can depend on what happened: ``ai.fpr_by_region.city`` exists only once the AI
    has judged a civilian over the city) appends a dict of those extra values, so nothing is
    dropped; the parent adds the new columns to the results.
    """

    rows: list[tuple[Any, ...]]
    timeseries: list[dict[str, list[Any]]] | None = None


def canonical(overrides: dict[str, Any]) -> str:
    return json.dumps(overrides, sort_keys=True, separators=(",", ":"))


@lru_cache(maxsize=32)
def _scenario(text: str, name: str, overrides_json: str) -> Scenario:
    # A per-process cache of frozen (immutable) scenarios: a short run costs about as much as
    # validating its scenario.
    return load_with(text, name, json.loads(overrides_json))


def point_scenario(text: str, name: str, overrides: dict[str, Any]) -> Scenario:
    """One design point's scenario through this process's cache of them. The parent validates
    every point this way before the pool starts, so forked workers find them loaded."""
    return _scenario(text, name, canonical(overrides))


def default_runner(sc: Scenario, seed: int) -> dict[str, Any]:
    from hmt_sim.metrics import flatten
    from hmt_sim.session import simulate

    return flatten(simulate(sc, seed=seed).metrics)


def metric_families(sc: Scenario) -> set[str]:
    """Dotted paths of the engine's dict-valued metrics (``ai.fpr_by_region``): their entries
    depend on what happens in a run, so a name under one is valid even when a probe lacks it."""
    from hmt_sim.session import simulate

    short = sc.model_copy(update={"run": sc.run.model_copy(
        update={"duration_s": min(sc.run.duration_s, PROBE_DURATION_S)})})
    found: set[str] = set()

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            if "." in prefix:
                found.add(prefix)
            for key, child in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), child)

    walk("", simulate(short, seed=sc.run.seed).metrics)
    return found


def probe_metrics(sc: Scenario, runner: Runner | None = None) -> dict[str, Any]:
    """The flat metrics a run of ``sc`` reports (names and sample values), from a short run.

    Names can depend on the scenario (harm by region), so the parent asks the engine rather than
    keeping a list that could drift.
    """
    short = sc.model_copy(
        update={"run": sc.run.model_copy(
            update={"duration_s": min(sc.run.duration_s, PROBE_DURATION_S)})}
    )
    if runner is not None:
        try:
            return dict(runner(short, sc.run.seed))
        except Exception:  # a custom runner may refuse a truncated run; fall back
            pass
    return default_runner(short, sc.run.seed)


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Run every (point, seed) in the chunk; never raises for a failing run."""
    if chunk.allow_plugins:
        allow_entry_points()
    rows: list[tuple[Any, ...]] = []
    series: list[dict[str, list[Any]]] | None = [] if chunk.timeseries else None
    runner = chunk.runner
    for point, overrides_json, seed in chunk.items:
        start = time.perf_counter()
        with collection.paused() if runner is None else nullcontext():
            try:
                sc = _scenario(chunk.scenario_text, chunk.scenario_name, overrides_json)
                if runner is not None:
                    flat, ts = runner(sc, seed), None
                else:
                    flat, ts = _simulate(sc, seed, chunk.timeseries)
                values = _coerce(flat, chunk.metric_columns, chunk.text_columns)
                extras = _extras(flat, chunk)
                status, error = "ok", None
            except Exception as exc:  # failure isolation: the run fails, the sweep goes on
                values, extras = [None] * len(chunk.metric_columns), None
                status, error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
                ts = None
        wall = time.perf_counter() - start
        row = (point, seed, status, error, wall, *values)
        rows.append((*row, extras) if extras else row)
        if series is not None and ts is not None:
            series.append({"point": [point] * len(ts), "seed": [seed] * len(ts),
                           **{str(c): ts[c].tolist() for c in ts.columns}})
    return ChunkResult(rows, series)


def _simulate(sc: Scenario, seed: int, with_series: bool) -> tuple[dict[str, Any], Any]:
    from hmt_sim.sweep.headless import run_headless

    return run_headless(sc, seed, with_series)


def _extras(flat: dict[str, Any], chunk: Chunk) -> dict[str, Any] | None:
    """Kept metrics the run reported that are not (yet) columns, coerced like the others."""
    known = set(chunk.metric_columns)
    names = [k for k, v in flat.items() if k not in known and not isinstance(v, list | tuple)
             and not isinstance(v, dict)]
    if not names:
        return None
    if chunk.metric_patterns is not None:
        names = select_metrics(chunk.metric_patterns, names)
    out: dict[str, Any] = {}
    for name in names:
        value = flat[name]
        if value is None or isinstance(value, str):
            out[name] = value
        else:
            try:
                out[name] = float(value)
            except (TypeError, ValueError):
                out[name] = str(value)
    return out or None


def _coerce(flat: dict[str, Any], columns: Sequence[str], text: frozenset[str]) -> list[Any]:
    out: list[Any] = []
    for name in columns:
        value = flat.get(name)
        if value is None:
            out.append(None)
        elif name in text:
            out.append(str(value))
        else:
            try:
                out.append(float(value))
            except (TypeError, ValueError):
                out.append(None)
    return out
