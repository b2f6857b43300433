"""The body of ``hmt-sim run``, without typer.

``hmt_sim.cli.core.run`` declares the command's options for typer and calls ``run`` here with
every value; the card's fast path (``hmt_sim.cli.quick``) parses a well-formed ``run`` command
line itself and calls the same ``run`` with the same values, so a run starts without importing
typer (about a quarter of a short run's start-up). Importing this module imports nothing else.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself is not imported at run time: the fast path avoids it
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from hmt_sim.scenario.schema import Scenario


def run(scenario: str, seed: int | None = None, set_: list[str] | None = None,
        out: Path | None = None, as_json: bool = False, force: bool = False,
        operators: Path | None = None, allow_plugins: bool = False) -> None:
    """Run a scenario to its end and print its metrics (``allow_plugins`` has acted already,
    through its option callback)."""
    import gc

    # Start-up (the imports, the scenario) makes objects that live as long as the process; the
    # collector's passes over them while they are made, and its passes over everything when
    # the interpreter exits, took about 60 ms of a one-second run. So the collector pauses
    # while they are made and they are frozen (left out of its passes) while the scenario
    # runs; when this returns every frozen object is handed back to it, so a program that
    # calls this keeps a collector that sees its whole heap. At exit everything is frozen
    # again (atexit): Python promises no finalisation of what still exists then anyway. A
    # caller who paused the collector keeps it paused and gets none of this.
    settle = gc.isenabled()
    if settle:
        import atexit

        gc.disable()
        atexit.unregister(gc.freeze)  # once, however often a program calls this
        atexit.register(gc.freeze)
    try:
        _run(scenario, seed, set_ or [], out, as_json, force, operators, settle)
    finally:
        if settle:
            gc.unfreeze()
            gc.enable()


def _run(scenario: str, seed: int | None, items: list[str], out: Path | None, as_json: bool,
         force: bool, operators: Path | None, settle: bool) -> None:
    import json

    # Mesa first, from this shallow stack: its logger walks the caller's stack when mesa.model
    # is imported, scanning every loaded module once per frame, so importing it before the
    # scenario schema (pydantic, yaml) and nested in no other import costs less.
    import hmt_sim.mesa_import  # noqa: F401
    from hmt_sim.rundir import prepare_out_dir, write_run
    from hmt_sim.session import simulate

    sc, overrides = load(scenario, items, operators)
    if settle:
        import gc

        gc.freeze()
        gc.enable()
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


def load(scenario: str, items: list[str], operators: Path | None
         ) -> tuple[Scenario, dict[str, Any]]:
    """The validated scenario and the overrides ``items`` (``--set``) and ``operators`` give,
    from the cache of the last runs (``hmt_sim.cli.runcache``) when it holds them: a repeated
    run then neither parses YAML nor builds pydantic's validators. Errors come from the loader,
    in its order (overrides, operators file, scenario), whether or not a cache entry exists."""
    from hmt_sim.cli import runcache

    entry = runcache.entry(scenario, items) if operators is None else None
    kept = entry.load() if entry is not None else None
    if kept is not None:
        return kept
    from hmt_sim.scenario.loader import load_scenario, load_scenario_bytes, shown_name
    from hmt_sim.scenario.overrides import parse_overrides

    overrides = parse_overrides(items)
    if operators is not None:
        from hmt_sim.calibrate import operator_overrides

        overrides = {**operator_overrides(operators), **overrides}
    if entry is None:
        return load_scenario(scenario, overrides=overrides, match_file_name=True), overrides
    sc = load_scenario_bytes(entry.raw, entry.path, shown_name(scenario, entry.path),
                             overrides, match_file_name=True)
    entry.store(sc, overrides)
    return sc, overrides


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
