"""Core commands: list, validate, schema, run."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from hmt_sim.cli import app
from hmt_sim.cli.options import AllowPlugins
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
    from hmt_sim.rundir import prepare_out_dir, write_run
    from hmt_sim.scenario import load_scenario, parse_overrides
    from hmt_sim.session import simulate

    overrides = parse_overrides(set_ or [])
    if operators is not None:
        from hmt_sim.calibrate import operator_overrides

        overrides = {**operator_overrides(operators), **overrides}
    sc = load_scenario(scenario, overrides=overrides, match_file_name=True)
    out_dir = prepare_out_dir(out, force) if out is not None else None
    result = simulate(sc, seed=seed)
    if out_dir is not None:
        write_run(result, out_dir, overrides, source=str(scenario))
    if as_json:
        print(json.dumps(result.metrics, indent=2))
    else:
        print_metrics(sc.title, result.seed, result.metrics)
        if out_dir is not None:
            print(f"\nwrote {out_dir}/ (events.jsonl, metrics.json, timeseries.csv, run.json)")


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_fmt(v)}" for k, v in value.items())
    if isinstance(value, list):
        return f"[{len(value)} values]"
    return str(value)


def print_metrics(title: str, seed: int, metrics: dict[str, dict[str, Any]]) -> None:
    """A readable table per metric group (n/a where a ratio had nothing to count)."""
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(100, Console().width))
    console.print(f"[bold]{title}[/bold]  (seed {seed})")
    for group, values in metrics.items():
        table = Table(title=group, title_justify="left", show_header=False, box=None,
                      pad_edge=False)
        table.add_column("metric", style="cyan", min_width=28)
        table.add_column("value")
        for name, value in values.items():
            if isinstance(value, list):
                continue
            table.add_row(name, _fmt(value))
        console.print(table)
