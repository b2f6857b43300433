"""Determinism checker: run a scenario in separate interpreters and compare the event logs.

A run must be a pure function of (scenario, seed, inputs) (DESIGN.md principle 1); replays,
crash recovery, paired sweeps and counterfactuals all rest on it. A set or dict iterated in hash
order, a global ``random`` call, a wall-clock read or state left over from an earlier run breaks
it, usually without any visible symptom. ``check_determinism`` makes such a break visible: it runs
the same triple in fresh ``python`` processes, each with a different ``PYTHONHASHSEED`` (so string
hashing, and hence set order, differs between them), plus once in this already-warm process, and
compares the logs event by event. The first difference is reported with both events and the
fields that differ, which usually points straight at the mechanism that leaked randomness.

Shipped with the library, as Gymnasium ships ``check_env``: scenario authors run it through
``hmt-sim check SCENARIO``.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hmt_sim.errors import InputError, SimulationError
from hmt_sim.events import Event, dumps, read_jsonl, write_jsonl
from hmt_sim.plugins.registry import allow_entry_points, entry_points_allowed
from hmt_sim.scenario.schema import Scenario

MISSING = "<missing>"
"""Shown for a field (or an event) that one log has and the other lacks."""

_HASH_SEEDS = ("1", "2718", "31415", "4", "5", "6", "7", "8")
BACKENDS = ("local", "dask")
"""Sweep executors a check can also run through (see ``hmt_sim.sweep.executors``)."""
LOG_COLUMN = "event_log_jsonl"


@dataclass(frozen=True)
class Divergence:
    """The first place where two event logs differ."""

    index: int
    """Position in the log (0-based); equals the shorter log's length when one log stops early."""
    run_a: str
    run_b: str
    event_a: Event | None
    event_b: Event | None
    fields: tuple[str, ...]
    """Fields whose values differ, in the order they appear; empty when an event is missing."""

    def describe(self) -> str:
        lines = [f"first divergence at event {self.index} ({self.run_a} vs {self.run_b})"]
        if self.fields:
            lines.append(f"  fields that differ: {', '.join(self.fields)}")
        for label, event in ((self.run_a, self.event_a), (self.run_b, self.event_b)):
            shown = dumps(event) if event is not None else "(log ended)"
            lines.append(f"  {label}: {shown}")
        return "\n".join(lines)


@dataclass(frozen=True)
class DeterminismReport:
    """What ``check_determinism`` found: the runs compared and the first divergence, if any."""

    scenario_id: str
    seed: int
    runs: tuple[str, ...]
    event_counts: tuple[int, ...]
    divergence: Divergence | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def deterministic(self) -> bool:
        return self.divergence is None

    def summary(self) -> str:
        if self.divergence is None:
            return (
                f"deterministic: {self.event_counts[0]} events identical across "
                f"{len(self.runs)} runs ({', '.join(self.runs)}; scenario {self.scenario_id}, "
                f"seed {self.seed})"
            )
        return (
            f"NOT deterministic: scenario {self.scenario_id}, seed {self.seed}\n"
            + self.divergence.describe()
        )


# ------------------------------------------------------------------------------ comparing logs


def normalise(events: Sequence[Event]) -> list[Event]:
    """Events as they read back from JSONL (tuples become lists), so logs from memory and from
    files compare equal exactly when their serialised forms do."""
    return [json.loads(dumps(e)) for e in events]


def differing_fields(a: Event, b: Event) -> tuple[str, ...]:
    """Keys whose values differ (a key only one event has counts as differing)."""
    keys = list(a) + [k for k in b if k not in a]
    return tuple(k for k in keys if a.get(k, MISSING) != b.get(k, MISSING))


def first_divergence(a: Sequence[Event], b: Sequence[Event], run_a: str = "run A",
                     run_b: str = "run B") -> Divergence | None:
    """The first event that differs between two logs, or None when they are identical."""
    for index, (ea, eb) in enumerate(zip(a, b, strict=False)):
        if ea != eb:
            return Divergence(index, run_a, run_b, ea, eb, differing_fields(ea, eb))
    if len(a) != len(b):
        n = min(len(a), len(b))
        return Divergence(
            n, run_a, run_b, a[n] if n < len(a) else None, b[n] if n < len(b) else None, ()
        )
    return None


def compare_logs(logs: Sequence[tuple[str, Sequence[Event]]]) -> Divergence | None:
    """Compare every log with the first; return the earliest divergence found (or None)."""
    if not logs:
        return None
    base_label, base = logs[0]
    found: list[Divergence] = []
    for label, log in logs[1:]:
        d = first_divergence(base, log, base_label, label)
        if d is not None:
            found.append(d)
    return min(found, key=lambda d: d.index) if found else None


# ------------------------------------------------------------------------------ running


@dataclass(frozen=True)
class Job:
    """One (scenario, seed, inputs) triple to check; ``human_seats`` as the session had them."""

    scenario: Scenario
    seed: int
    inputs: tuple[dict[str, Any], ...] = ()
    human_seats: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"scenario": self.scenario.model_dump(mode="json"), "seed": self.seed,
                "inputs": list(self.inputs), "human_seats": list(self.human_seats)}


def _replay(scenario: Scenario, seed: int, inputs: Sequence[dict[str, Any]] | None,
            human_seats: Sequence[str]) -> list[Event]:
    from hmt_sim.session import Session

    session = Session(scenario, seed=seed, human_seats=list(human_seats),
                      inputs=list(inputs) if inputs else None)
    events = session.run_to_end().events
    session.model.close()  # many replays in one process: each model goes at once
    return events


def run_in_subprocesses(jobs: Sequence[Job], hash_seeds: Sequence[str],
                        timeout_s: float = 600.0) -> list[list[list[Event]]]:
    """Run every job in one fresh interpreter per hash seed (the interpreters run side by side,
    each job after the other); return ``logs[interpreter][job]``.

    The scenario travels as its JSON form (what a sweep worker or a saved run.json carries), so a
    scenario that does not survive serialisation also shows up as a divergence.
    """
    with tempfile.TemporaryDirectory(prefix="hmt-check-") as tmp:
        job_file = Path(tmp) / "jobs.json"
        job_file.write_text(json.dumps([j.to_json() for j in jobs]), encoding="utf-8")
        procs = []
        for i, hash_seed in enumerate(hash_seeds):
            out = Path(tmp) / f"worker-{i}"
            out.mkdir()
            env = {**os.environ, "PYTHONHASHSEED": hash_seed}
            cmd = [sys.executable, "-m", "hmt_sim.check", "--worker", str(job_file), str(out)]
            if entry_points_allowed():  # the user's --allow-plugins reaches fresh interpreters
                cmd.append("--allow-plugins")
            procs.append((subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.PIPE, text=True), out))
        logs: list[list[list[Event]]] = []
        failures: list[str] = []
        for proc, out in procs:
            try:
                _, err = proc.communicate(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                failures.append(f"a worker ran longer than {timeout_s:.0f} s")
                continue
            if proc.returncode != 0:
                tail = "\n".join(err.strip().splitlines()[-5:])
                failures.append(f"a worker exited with {proc.returncode}:\n{tail}")
                continue
            logs.append([read_jsonl(out / f"{k}.jsonl") for k in range(len(jobs))])
        if failures:
            raise SimulationError("determinism check: " + "\n".join(failures))
    return logs


def _log_runner(sc: Scenario, seed: int, inputs: tuple[dict[str, Any], ...],
                human_seats: tuple[str, ...]) -> dict[str, str]:
    """A sweep ``Runner`` that returns the whole event log (as JSONL text) instead of metrics."""
    events = _replay(sc, seed, inputs, human_seats)
    return {LOG_COLUMN: "".join(dumps(e) + "\n" for e in events)}


def run_through_sweep(jobs: Sequence[Job], backend: str) -> list[list[Event]]:
    """Run each job as a one-run sweep chunk through a sweep executor, as a sweep would: the
    scenario travels as YAML text and is re-read by the worker's loader. ``local`` is the
    sweep's process pool (one worker), ``dask`` a one-worker Dask ``LocalCluster`` here."""
    import yaml

    from hmt_sim.sweep.worker import Chunk

    chunks = []
    for k, job in enumerate(jobs):
        runner = functools.partial(_log_runner, inputs=job.inputs, human_seats=job.human_seats)
        text = yaml.safe_dump(job.scenario.model_dump(mode="json"), sort_keys=False)
        chunks.append(Chunk(text, f"<check {job.scenario.id}>", ((k, "{}", job.seed),),
                            (LOG_COLUMN,), frozenset({LOG_COLUMN}), False, runner))
    cluster = None
    executor: Any
    if backend == "local":
        from hmt_sim.sweep.executors import LocalExecutor

        executor = LocalExecutor(workers=1)
    else:
        from distributed import LocalCluster

        from hmt_sim.sweep.executors import DaskExecutor

        cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        executor = DaskExecutor(cluster)
    logs: dict[int, list[Event]] = {}
    try:
        for _chunk, result in executor.run(chunks):
            point, _seed, status, error, _wall, text = result.rows[0]
            if status != "ok":
                raise SimulationError(
                    f"determinism check: the {backend} sweep backend failed: {error}")
            logs[point] = [json.loads(line) for line in str(text).splitlines() if line]
    finally:
        executor.close()
        if cluster is not None:
            cluster.close()
    return [logs[k] for k in range(len(jobs))]


def check_jobs(jobs: Sequence[Job], *, processes: int = 2, in_process: bool = True,
               backends: Sequence[str] = ("local",), timeout_s: float = 600.0
               ) -> list[DeterminismReport]:
    """``check_determinism`` for many triples at once: the interpreters start once for all."""
    if not 1 <= processes <= len(_HASH_SEEDS):
        raise InputError(f"processes must be within 1..{len(_HASH_SEEDS)}, got {processes}")
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown:
        raise InputError(f"unknown backend {unknown[0]!r} (allowed: {', '.join(BACKENDS)})")
    runs: list[tuple[str, list[list[Event]]]] = []
    hash_seeds = _HASH_SEEDS[:processes]
    for h, logs in zip(hash_seeds, run_in_subprocesses(jobs, hash_seeds, timeout_s),
                       strict=True):
        runs.append((f"process PYTHONHASHSEED={h}", logs))
    if in_process:
        runs.append(("this process", [
            normalise(_replay(j.scenario, j.seed, j.inputs, j.human_seats)) for j in jobs]))
    for backend in dict.fromkeys(backends):
        runs.append((f"sweep backend {backend}", run_through_sweep(jobs, backend)))
    reports = []
    for k, job in enumerate(jobs):
        named = [(label, logs[k]) for label, logs in runs]
        reports.append(DeterminismReport(
            scenario_id=job.scenario.id,
            seed=job.seed,
            runs=tuple(label for label, _ in named),
            event_counts=tuple(len(log) for _, log in named),
            divergence=compare_logs(named),
        ))
    return reports


def check_determinism(scenario: Scenario, seed: int | None = None, *,
                      inputs: Sequence[dict[str, Any]] | None = None,
                      human_seats: Sequence[str] = (), processes: int = 2,
                      in_process: bool = True, backends: Sequence[str] = ("local",),
                      timeout_s: float = 600.0) -> DeterminismReport:
    """Run ``(scenario, seed, inputs)`` in ``processes`` fresh interpreters (each with its own
    ``PYTHONHASHSEED``), once here if ``in_process``, and once through each sweep backend in
    ``backends`` ("local", "dask"); compare every log with the first.
    ``inputs`` and ``human_seats`` replay a recorded session (``Session.inputs``).

    Returns a report; ``report.deterministic`` is False when any log differs, and
    ``report.divergence`` names the first differing event of the earliest divergence.
    """
    job = Job(scenario, scenario.run.seed if seed is None else int(seed),
              tuple(inputs or ()), tuple(human_seats))
    return check_jobs([job], processes=processes, in_process=in_process, backends=backends,
                      timeout_s=timeout_s)[0]


# ------------------------------------------------------------------------------ worker entry


def _worker(job_path: str, out_dir: str) -> None:
    """Child side: read the jobs, run each, write each log (atomically) where the parent said."""
    for k, job in enumerate(json.loads(Path(job_path).read_text(encoding="utf-8"))):
        scenario = Scenario.model_validate(job["scenario"])
        events = _replay(scenario, job["seed"], job["inputs"], job["human_seats"])
        write_jsonl(events, Path(out_dir) / f"{k}.jsonl")


if __name__ == "__main__":  # pragma: no cover - exercised through subprocesses
    args = sys.argv[1:]
    if args[-1:] == ["--allow-plugins"]:
        allow_entry_points()
        args = args[:-1]
    if len(args) != 3 or args[0] != "--worker":
        sys.exit("usage: python -m hmt_sim.check --worker JOBS.json OUT_DIR [--allow-plugins] "
                 "(internal)")
    _worker(args[1], args[2])
