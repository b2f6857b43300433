"""Core commands: list, validate, schema, run (whose body is ``hmt_sim.cli.runbody.run``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from hmt_sim.cli import app
from hmt_sim.cli.direct import direct
from hmt_sim.cli.options import AllowPlugins
from hmt_sim.cli.runbody import print_metrics as print_metrics  # its earlier home
from hmt_sim.cli.runbody import run as run_body
from hmt_sim.errors import ScenarioError


@app.command("list")
def list_cmd() -> None:
    """List the bundled scenarios: id, then title."""
    from hmt_sim.scenario import list_bundled

    for sid, title, _description in list_bundled():
        print(f"{sid:<24} {title}")


@app.command(short_help="Check scenario files; print each problem as FILE:LINE:COL.")
def validate(files: Annotated[list[Path], typer.Argument(help="scenario files")],
             allow_plugins: AllowPlugins = False) -> None:
    """Check scenario files; print every problem as FILE:LINE:COL: error: key.path: message."""
    from hmt_sim.scenario import load_scenario

    bad = 0
    for f in files:
        try:
            sc = load_scenario(f, match_file_name=True)
        except ScenarioError as error:
            print(str(error), file=sys.stderr)
            bad += 1
        else:
            print(f"{f}: ok ({sc.id}: {sc.title})")
    if bad:
        raise typer.Exit(2)


@app.command(short_help="Print the JSON Schema of scenario files (for editors).")
def schema(out: Annotated[Path | None, typer.Option("-o", "--out", help="write to file")] = None
           ) -> None:
    """Print the JSON Schema of scenario files (for editor autocompletion)."""
    from hmt_sim.fileio import write_text_atomic
    from hmt_sim.scenario import scenario_json_schema

    text = json.dumps(scenario_json_schema(), indent=2) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(out, text)
        print(f"wrote {out}")


@app.command()
@direct("hmt_sim.cli.runbody:run")
def run(
    scenario: Annotated[str, typer.Argument(help="scenario file or bundled id (hmt-sim list)")],
    seed: Annotated[int | None, typer.Option(help="seed (default: the scenario's run.seed)")]
    = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override, e.g. "
                                                   "autonomy.level=7 (repeatable)")] = None,
    out: Annotated[Path | None, typer.Option(help="write events, metrics, time series here")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="print metrics as JSON")] = False,
    force: Annotated[bool, typer.Option(help="overwrite a run already in --out")] = False,
    operators: Annotated[Path | None, typer.Option(help="operators file (hmt-sim calibrate): "
                                                   "its operators: block is merged over the "
                                                   "scenario's, before --set")] = None,
    allow_plugins: AllowPlugins = False,
) -> None:
    """Run a scenario to its end and print its metrics."""
    run_body(scenario, seed=seed, set_=set_, out=out, as_json=as_json, force=force,
             operators=operators, allow_plugins=allow_plugins)
