"""What a report is made from: a run directory or a visualiser session file, read into one shape.

A run directory (``hmt-sim run --out DIR``) already holds the event log and metrics. A session
file (``hmt_sim.sessionfile``) holds only (scenario, seed, seats, inputs); since a run is a pure
function of those (DESIGN.md principle 1), the session is re-simulated here, to its end, to recover
its event log.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from hmt_sim.errors import InputError
from hmt_sim.events import Event
from hmt_sim.metrics import compute_metrics, timeseries
from hmt_sim.scenario.schema import Scenario

# Inputs a facilitator makes (re-applied in counterfactuals); the rest belong to a seat.
FACILITATOR_INPUTS = ("inject", "set_levels", "set_reliability", "bookmark")


@dataclass
class ReportSource:
    """Everything the report reads, whatever it was made from."""

    kind: str  # "run" or "session"
    path: Path
    scenario: Scenario
    seed: int
    events: list[Event]
    metrics: dict[str, dict[str, Any]]
    inputs: list[dict[str, Any]] = field(default_factory=list)
    human_seats: tuple[str, ...] = ()
    overrides: dict[str, Any] = field(default_factory=dict)
    version: str | None = None
    recorded_to: float | None = None  # a session: how far the room got before it stopped
    scenario_source: str | None = None  # a run: what was given to ``hmt-sim run``
    created: str | None = None  # a session: when its file was started (UTC, ISO 8601)

    @property
    def timeseries(self) -> pd.DataFrame:
        return timeseries(self.events)


def load_source(source: str | os.PathLike[str]) -> ReportSource:
    """Read ``source`` (a run directory or a session file) with a clear error otherwise."""
    path = Path(source)
    if path.is_dir():
        return _from_run_dir(path)
    if path.is_file():
        return _from_session_file(path)
    raise InputError(
        f"{path}: no such run directory or session file (give a directory written by "
        "'hmt-sim run --out DIR' or a session file saved by the visualiser)"
    )


def _scenario(data: Any, where: str) -> Scenario:
    if not isinstance(data, dict):
        raise InputError(f"{where}: has no scenario (expected the scenario as a mapping)")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise InputError(
            f"{where}: the stored scenario does not validate with this version of hmt-sim "
            f"({loc}: {first['msg']}); re-run it with 'hmt-sim run'"
        ) from None


def _from_run_dir(path: Path) -> ReportSource:
    from hmt_sim.rundir import read_run

    try:
        run, events = read_run(path)
    except (ValueError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: unreadable run directory: {exc}") from None
    if not isinstance(run, dict):
        raise InputError(f"{path}/run.json: expected a JSON object")
    scenario = _scenario(run.get("scenario"), f"{path}/run.json")
    metrics_file = path / "metrics.json"
    if metrics_file.is_file():
        try:
            metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"{metrics_file}: not valid JSON ({exc.msg}, line {exc.lineno})"
                             ) from None
    else:
        metrics = compute_metrics(events)
    seed = run.get("seed")
    if not isinstance(seed, int):
        raise InputError(f"{path}/run.json: 'seed' must be an integer, got {seed!r}")
    return ReportSource(
        kind="run", path=path, scenario=scenario, seed=seed, events=events, metrics=metrics,
        inputs=list(run.get("inputs") or []), overrides=dict(run.get("overrides") or {}),
        version=run.get("version"),
        scenario_source=(str(run["scenario_source"]) if run.get("scenario_source") else None),
    )


def _from_session_file(path: Path) -> ReportSource:
    from hmt_sim import sessionfile

    record = sessionfile.read(path)
    scenario = record.scenario()
    notice = record.torn_notice("is reported")
    if notice:
        sys.stderr.write(notice + "\n")
    session = record.session(scenario)
    sessionfile.replay_to(session, record, scenario.run.duration_s)  # located errors
    result = session.run_to_end()
    return ReportSource(
        kind="session", path=path, scenario=scenario, seed=record.seed, events=result.events,
        metrics=result.metrics, inputs=list(result.inputs), human_seats=tuple(record.human_seats),
        recorded_to=record.resume_time, created=str(record.header.get("created") or "") or None,
    )
