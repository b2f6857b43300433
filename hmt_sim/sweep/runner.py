"""``sweep()``: spec → chunks → executor → Parquet parts, with resume and progress.

The parent never holds more than one part's worth of rows (``part_rows``) plus the results of
the chunks in flight, so memory stays flat however many runs a sweep has. The (point, seed) pairs
are generated lazily, point by point, and pairs already committed are skipped (``resume``).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hmt_sim import __version__
from hmt_sim.errors import InputError
from hmt_sim.sweep.spec import SweepSpec, select_metrics
from hmt_sim.sweep.specfile import load_spec
from hmt_sim.sweep.store import FORMAT, META_COLUMNS, ResultsStore, column_kind
from hmt_sim.sweep.worker import Chunk, Runner, canonical, point_scenario, probe_metrics

MAX_CHUNK = 64


@dataclass(frozen=True)
class SweepProgress:
    """Handed to the progress callback after every finished chunk."""

    done: int  # runs finished in this session
    total: int  # runs this session has to do (after skipping committed ones)
    failed: int
    skipped: int  # already committed (resume)
    elapsed_s: float

    @property
    def eta_s(self) -> float | None:
        if self.done == 0:
            return None
        return self.elapsed_s / self.done * (self.total - self.done)


@dataclass(frozen=True)
class SweepSummary:
    """What a sweep did; ``results()`` loads the table."""

    out: Path
    spec_hash: str
    points: int
    seeds: int
    ran: int
    skipped: int
    ok: int
    failed: int
    wall_s: float
    workers: int
    backend: str
    interrupted: bool = False

    @property
    def runs_per_s(self) -> float:
        return self.ran / self.wall_s if self.wall_s > 0 else math.nan

    def results(self) -> Any:
        from hmt_sim.sweep.store import load_results

        return load_results(self.out)


def run_sweep(
    spec: SweepSpec | str | os.PathLike[str] | Mapping[str, Any],
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    backend: str = "local",
    scheduler: Any = None,
    scheduler_timeout_s: float = 10.0,
    resume: bool = False,
    force: bool = False,
    set_overrides: Mapping[str, Any] | None = None,
    seeds: Sequence[int] | int | None = None,
    chunk_size: int | None = None,
    part_rows: int = 1000,
    flush_s: float = 10.0,
    progress: Callable[[SweepProgress], None] | None = None,
    runner: Runner | None = None,
    arguments: Mapping[str, Any] | None = None,
    grow_seeds: bool = False,
    precision: Mapping[str, Any] | None = None,
) -> SweepSummary:
    """Run a sweep into ``out``; see ``sweep`` for the arguments. Returns a summary.

    ``arguments`` (``spec``: the spec file's path, ``set``: the extra overrides) are kept in the
    manifest so ``--resume`` needs only the folder; they are filled in when ``spec`` is a path.
    ``grow_seeds`` (with ``resume``): the folder may hold the same sweep with fewer seeds, the
    first ones of this spec's list; the new seeds are then run (a precision sweep's next batch).
    ``precision``: the precision target to keep in the manifest (``hmt_sim.sweep.precision``).
    """
    if not isinstance(spec, SweepSpec):
        if arguments is None and isinstance(spec, str | os.PathLike):
            arguments = {"spec": os.fspath(spec), "set": dict(set_overrides or {})}
        spec = load_spec(spec, set_overrides=set_overrides, seeds=seeds)
    elif set_overrides or seeds is not None:
        raise InputError("set_overrides/seeds apply when loading a spec; pass a path instead")
    if backend not in ("local", "dask"):
        raise InputError(f"unknown backend {backend!r} (allowed: local, dask)")
    if part_rows < 1 or flush_s <= 0:
        raise InputError("part_rows must be >= 1 and flush_s > 0")
    if chunk_size is not None and chunk_size < 1:
        raise InputError(f"--chunk-size must be >= 1, got {chunk_size}")

    # The executor first: a bad --workers or --scheduler must fail before anything is written.
    executor: Any
    if backend == "dask":
        from hmt_sim.sweep.executors import DaskExecutor

        executor = DaskExecutor(scheduler, scheduler_timeout_s)
    else:
        from hmt_sim.sweep.executors import LocalExecutor

        executor = LocalExecutor(workers)
    try:
        metric_cols, text_cols = metric_columns(spec, runner)
        manifest = _manifest(spec, metric_cols, text_cols, arguments)
        if precision is not None:
            manifest["precision"] = dict(precision)
        if grow_seeds and resume:
            _grow_seeds(Path(out), spec, manifest)
        store, done_pairs = ResultsStore.create(Path(out), manifest, resume=resume, force=force)
    except BaseException:
        executor.close()
        raise
    todo = spec.total_runs - len(done_pairs)
    size = chunk_size or max(1, min(MAX_CHUNK, math.ceil(todo / (executor.workers * 16))))
    chunks = _chunks(spec, done_pairs, size, store, runner)
    del done_pairs  # only the generator needs it

    start = time.perf_counter()
    ran = ok = failed = 0
    rows: list[tuple[Any, ...]] = []
    series: list[dict[str, list[Any]]] = []
    last_flush = time.monotonic()
    interrupted = False

    def flush() -> None:
        # Take the rows out *before* writing: if Ctrl-C lands mid-write, the final flush cannot
        # commit them a second time (an uncommitted run is simply run again on --resume).
        nonlocal last_flush
        batch, batch_series = rows[:], series[:]
        rows.clear()
        series.clear()
        store.write_part(batch, batch_series if spec.timeseries else None)
        last_flush = time.monotonic()

    try:
        for chunk, result in executor.run(chunks):
            rows.extend(store.normalise(row, chunk.metric_columns) for row in result.rows)
            if result.timeseries:
                series.extend(result.timeseries)
            ran += len(result.rows)
            bad = sum(1 for r in result.rows if r[2] != "ok")
            failed += bad
            ok += len(result.rows) - bad
            if len(rows) >= part_rows or time.monotonic() - last_flush >= flush_s:
                flush()
            if progress is not None:
                progress(SweepProgress(ran, todo, failed, spec.total_runs - todo,
                                       time.perf_counter() - start))
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        executor.close()
        flush()  # commit every finished run, also on Ctrl-C
        store.write_manifest("interrupted" if interrupted else "complete" if ran == todo
                             else "incomplete")
    return SweepSummary(
        out=Path(out), spec_hash=manifest["spec_hash"], points=len(spec.points),
        seeds=len(spec.seeds), ran=ran, skipped=spec.total_runs - todo, ok=ok, failed=failed,
        wall_s=time.perf_counter() - start, workers=executor.workers, backend=backend,
    )


def sweep(
    spec: SweepSpec | str | os.PathLike[str] | Mapping[str, Any],
    out: str | os.PathLike[str],
    **options: Any,
) -> Any:
    """Run a sweep and return its results as a pandas DataFrame (one row per run).

    ``spec``: a sweep spec YAML path, a mapping with the same keys, or a ``SweepSpec``.
    ``out``: the results folder (Parquet parts + ``_manifest.json``).
    Options: ``workers`` (default all cores), ``backend`` ("local" or "dask"), ``scheduler``
    (a Dask address or ``Client``), ``scheduler_timeout_s``, ``resume``, ``force``,
    ``set_overrides`` (extra fixed overrides), ``seeds`` (replace the seed list, or an int
    count), ``chunk_size``, ``part_rows``, ``flush_s``, ``progress`` (a callback taking
    ``SweepProgress``), ``runner`` (a picklable ``(scenario, seed) -> flat metrics``
    function used instead of ``simulate``).
    """
    summary = run_sweep(spec, out, **options)
    df = summary.results()
    df.attrs["summary"] = summary
    return df


# --------------------------------------------------------------------------------------------


def metric_columns(spec: SweepSpec, runner: Runner | None) -> tuple[list[str], set[str]]:
    """The metric columns a sweep of ``spec`` keeps (from a short probe run) and which of them
    hold text."""
    sc = point_scenario(spec.scenario_text, spec.scenario_source, spec.point_overrides(0))
    sample = probe_metrics(sc, runner)
    names = select_metrics(spec.metrics, list(sample))
    clash = [n for n in names if n in spec.factor_keys or n in META_COLUMNS]
    if clash:
        raise InputError(f"factor or column name {clash[0]!r} is also a metric name")
    return names, {n for n in names if isinstance(sample[n], str)}


def _manifest(spec: SweepSpec, metrics: list[str], text: set[str],
              arguments: Mapping[str, Any] | None) -> dict[str, Any]:
    import hashlib

    args = None
    if arguments is not None and arguments.get("spec") is not None:
        # Identity only (the spec file and the extra --set; the seeds are below): never the
        # workers or the backend, which do not change the results.
        args = {"spec": os.path.abspath(arguments["spec"]), "set": dict(arguments.get("set", {}))}
    factor_kinds = [(k, column_kind(p[k] for p in spec.points)) for k in spec.factor_keys]
    columns = [("point", "int"), ("seed", "int"), *factor_kinds, ("status", "str"),
               ("error", "str"), ("wall_s", "float"),
               *[(m, "str" if m in text else "float") for m in metrics]]
    return {
        "format": FORMAT,
        "spec_hash": spec.spec_hash(),
        "versions": [__version__],
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "spec": {
            "source": spec.source,
            "name": spec.name,
            "description": spec.description,
            "scenario": spec.scenario_source,
            "scenario_sha256": hashlib.sha256(spec.scenario_text.encode("utf-8")).hexdigest(),
            "set": spec.base_overrides,
            "design": spec.design if spec.design_n is None else {spec.design: spec.design_n},
            "design_seed": spec.design_seed,
            "metrics_kept": list(spec.metrics) if spec.metrics is not None else None,
            "timeseries": spec.timeseries,
        },
        "arguments": args,
        "factors": list(spec.factor_keys),
        "seeds": list(spec.seeds),
        "points": [{"point": i, "factors": p} for i, p in enumerate(spec.points)],
        "baseline_point": spec.baseline_point(),
        "metrics": metrics,
        "probe_metrics": metrics,
        "columns": [list(c) for c in columns],
        "runs": spec.total_runs,
    }


def _grow_seeds(out: Path, spec: SweepSpec, manifest: dict[str, Any]) -> None:
    """When ``out`` holds this sweep with fewer seeds (the first ones of ``spec.seeds``), move
    its manifest to the longer seed list, so the resume that follows runs only the new seeds.
    Anything else (another spec, other seeds) is left for the store to refuse as usual."""
    import json

    from hmt_sim.fileio import write_text_atomic
    from hmt_sim.sweep.store import MANIFEST, read_manifest

    if not (out / MANIFEST).is_file():
        return
    old = read_manifest(out)
    seeds = list(old.get("seeds", []))
    if not seeds or seeds == list(spec.seeds) or seeds != list(spec.seeds[: len(seeds)]):
        return
    if spec.model_copy(update={"seeds": tuple(seeds)}).spec_hash() != old.get("spec_hash"):
        return
    grown = {**old, "spec_hash": manifest["spec_hash"], "seeds": manifest["seeds"],
             "runs": manifest["runs"]}
    write_text_atomic(out / MANIFEST, json.dumps(grown, indent=2) + "\n")


def _chunks(spec: SweepSpec, done: set[tuple[int, int]], size: int, store: ResultsStore,
            runner: Runner | None) -> Iterator[Chunk]:
    """Point-major (point, seed) pairs not yet committed, ``size`` at a time. Each chunk asks
    for the store's current metric columns (they grow when runs report new metric names)."""
    batch: list[tuple[int, str, int]] = []
    for point in range(len(spec.points)):
        overrides = canonical(spec.point_overrides(point))
        for seed in spec.seeds:
            if (point, seed) in done:
                continue
            batch.append((point, overrides, seed))
            if len(batch) >= size:
                yield _chunk(spec, batch, store, runner)
                batch = []
    if batch:
        yield _chunk(spec, batch, store, runner)


def _chunk(spec: SweepSpec, items: list[tuple[int, str, int]], store: ResultsStore,
           runner: Runner | None) -> Chunk:
    text = frozenset(name for name, kind in store.columns if kind == "str")
    return Chunk(spec.scenario_text, spec.scenario_source, tuple(items),
                 tuple(store.metric_names), text, spec.timeseries, runner, spec.metrics)
