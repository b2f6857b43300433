"""``hmt-sim check``: is this scenario deterministic across processes?"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from hmt_sim.cli import app


@app.command()
def check(
    scenario: Annotated[str, typer.Argument(help="scenario file or bundled id (hmt-sim list)")],
    seed: Annotated[int | None, typer.Option(help="seed (default: the scenario's run.seed)")]
    = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override, e.g. "
                                                   "autonomy.level=7 (repeatable)")] = None,
    processes: Annotated[int, typer.Option(help="fresh interpreters to run in (1-8)")] = 2,
    backend: Annotated[list[str] | None, typer.Option(
        help="also run through this sweep backend: local, dask (a one-worker LocalCluster) "
        "or none (repeatable; default local)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Run a scenario in separate processes (different PYTHONHASHSEED), here, and through the
    sweep backend, and compare the event logs; print the first differing event and exit 1 if
    any differ."""
    from hmt_sim.check import check_determinism
    from hmt_sim.scenario import load_scenario, parse_overrides

    overrides = parse_overrides(set_ or [])
    sc = load_scenario(scenario, overrides=overrides)
    backends = [b for b in (backend or ["local"]) if b != "none"]
    report = check_determinism(sc, seed, processes=processes, backends=backends)
    if as_json:
        d = report.divergence
        sys.stdout.write(json.dumps({
            "deterministic": report.deterministic, "scenario": report.scenario_id,
            "seed": report.seed, "runs": list(report.runs),
            "events": list(report.event_counts),
            "divergence": None if d is None else {
                "index": d.index, "runs": [d.run_a, d.run_b], "fields": list(d.fields),
                "events": [d.event_a, d.event_b]},
        }, indent=2) + "\n")
    else:
        sys.stdout.write(report.summary() + "\n")
    if not report.deterministic:
        raise typer.Exit(1)
