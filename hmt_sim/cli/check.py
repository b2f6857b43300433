"""``hmt-sim check``: is this scenario deterministic across processes and sweep backends?"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from hmt_sim.cli import app
from hmt_sim.cli.options import AllowPlugins


@app.command(short_help="Check that runs are deterministic across processes, backends.")
def check(
    scenarios: Annotated[list[str], typer.Argument(
        help="scenario files or bundled ids (hmt-sim list); several are checked together")],
    seed: Annotated[int | None, typer.Option(help="seed (default: each scenario's run.seed)")]
    = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override, e.g. "
                                                   "autonomy.level=7 (repeatable)")] = None,
    processes: Annotated[int, typer.Option(help="fresh interpreters to run in (1-8)")] = 2,
    backend: Annotated[list[str] | None, typer.Option(
        help="also run through this sweep backend: local, dask (a one-worker LocalCluster) "
        "or none (repeatable; default local)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the reports as JSON")] = False,
    allow_plugins: AllowPlugins = False,
) -> None:
    """Run scenarios in separate processes (different PYTHONHASHSEED), here, and through the
    sweep backend, and compare the event logs event by event. Prints the first differing event
    and exits 1 if any log differs."""
    from hmt_sim.check import Job, check_jobs
    from hmt_sim.scenario import load_scenario, parse_overrides

    overrides = parse_overrides(set_ or [])
    loaded = [load_scenario(s, overrides=overrides, match_file_name=True) for s in scenarios]
    jobs = [Job(sc, sc.run.seed if seed is None else seed) for sc in loaded]
    backends = [b for b in (backend or ["local"]) if b != "none"]
    reports = check_jobs(jobs, processes=processes, backends=backends)
    if as_json:
        out = []
        for report in reports:
            d = report.divergence
            out.append({
                "deterministic": report.deterministic, "scenario": report.scenario_id,
                "seed": report.seed, "runs": list(report.runs),
                "events": list(report.event_counts),
                "divergence": None if d is None else {
                    "index": d.index, "runs": [d.run_a, d.run_b], "fields": list(d.fields),
                    "events": [d.event_a, d.event_b]},
            })
        sys.stdout.write(json.dumps(out if len(out) > 1 else out[0], indent=2) + "\n")
    else:
        for report in reports:
            sys.stdout.write(report.summary() + "\n")
    if not all(r.deterministic for r in reports):
        raise typer.Exit(1)
