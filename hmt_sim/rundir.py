"""Run directories: ``events.jsonl``, ``metrics.json``, ``timeseries.csv`` and ``run.json``
(scenario, its hash, seed, overrides, inputs, version) - enough to reproduce the run exactly.

Every file is written atomically (temp file created exclusively, fsync, rename; never through a
planted link: ``hmt_sim.fileio``), so a crash leaves either the old file or the new one, never
half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from hmt_sim import __version__
from hmt_sim.errors import InputError
from hmt_sim.events import read_jsonl, write_jsonl
from hmt_sim.fileio import write_text_atomic
from hmt_sim.scenario.schema import Scenario
from hmt_sim.session import RunResult

RUN_FILES = ("events.jsonl", "metrics.json", "timeseries.csv", "run.json")


def scenario_hash(sc: Scenario) -> str:
    """SHA-256 of the scenario's canonical JSON (defaults filled in): same content, same hash."""
    canonical = json.dumps(sc.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def prepare_out_dir(out: str | os.PathLike[str], force: bool) -> Path:
    """Create ``out``; refuse to overwrite a previous run there unless ``force``."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: exists and is not a directory")
    existing = [name for name in RUN_FILES if (path / name).exists()]
    if existing and not force:
        raise InputError(
            f"{path}: already holds a run ({', '.join(existing)}); use --force to overwrite "
            "or choose another --out"
        )
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_run(result: RunResult, out: Path, overrides: dict[str, Any] | None = None,
              source: str | None = None) -> None:
    """Write the run's four files into ``out``, ``run.json`` last (it marks a complete run)."""
    # Remove the completeness marker first: a crash while overwriting an older run (--force)
    # then leaves an incomplete directory, never the old run.json beside the new events.
    (out / "run.json").unlink(missing_ok=True)
    write_jsonl(result.events, out / "events.jsonl")
    write_text_atomic(out / "metrics.json", json.dumps(result.metrics, indent=2) + "\n")
    write_text_atomic(out / "timeseries.csv", result.timeseries.to_csv(index=False))
    run = {
        "version": __version__,
        "scenario_id": result.scenario.id,
        "scenario_hash": scenario_hash(result.scenario),
        "scenario_source": source,
        "seed": result.seed,
        "overrides": overrides or {},
        "inputs": result.inputs,
        "scenario": result.scenario.model_dump(mode="json"),
    }
    # run.json last: its presence marks a complete run directory.
    write_text_atomic(out / "run.json", json.dumps(run, indent=2) + "\n")


def read_run(run_dir: str | os.PathLike[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(run.json, events) of a run directory, with a clear error when it is not one."""
    path = Path(run_dir)
    if not (path / "run.json").is_file() or not (path / "events.jsonl").is_file():
        raise InputError(f"{path}: not a run directory (needs run.json and events.jsonl)")
    try:
        run = json.loads((path / "run.json").read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{path / 'run.json'}:1: error: unreadable run directory: not UTF-8 "
                         "text") from None
    except json.JSONDecodeError as error:
        raise InputError(f"{path / 'run.json'}:{error.lineno}: error: unreadable run "
                         f"directory: not JSON ({error.msg})") from None
    if not isinstance(run, dict):
        raise InputError(f"{path / 'run.json'}:1: error: unreadable run directory: a run.json "
                         "is a JSON object")
    return run, read_jsonl(path / "events.jsonl")
