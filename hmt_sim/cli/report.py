"""``hmt-sim report``: the after-action review of a run directory or a session file, or the
report of a sweep results folder (recognised by its manifest)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from hmt_sim.cli import app
from hmt_sim.cli.options import AllowPlugins, Lang
from hmt_sim.errors import InputError


@app.command(short_help="Write an HTML report of a run, a session or a sweep.")
def report(
    source: Annotated[str, typer.Argument(help="run directory (hmt-sim run --out DIR), "
                                          "session file saved by the visualiser, or sweep "
                                          "results folder (hmt-sim sweep --out DIR)")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="HTML file to write "
                                             "(default: RUN_DIR/report.html, "
                                             "SESSION.report.html or SWEEP_DIR.report.html)")]
    = None,
    compare: Annotated[str | None, typer.Option(help="re-simulate at other settings, e.g. "
                                                "autonomy.level=5,7,9")] = None,
    seeds: Annotated[int | None, typer.Option(help="paired seeds per setting for --compare "
                                              "(default 20)")] = None,
    workers: Annotated[int | None, typer.Option(help="worker processes for --compare "
                                                "(default: CPU count, at most 8)")] = None,
    where: Annotated[str | None, typer.Option(
        help='sweep: the condition whose rules the report finds, METRIC OP NUMBER (default '
        '"harm.wrongful_engagements >= 1")')] = None,
    metric: Annotated[list[str] | None, typer.Option(
        "--metric", "-m", help="sweep: outcome or group to show (repeatable; default: the key "
        "metrics)")] = None,
    heatmap: Annotated[str | None, typer.Option(
        help="sweep: the two factors of the interaction map, X,Y (default: the two that move "
        "the --where metric most)")] = None,
    allow_plugins: AllowPlugins = False,
    lang: Lang = "en",
) -> None:
    """Write a self-contained HTML report (prints to PDF from a browser): the after-action
    review of a run or a session, or, for a sweep folder, main effects, an interaction map,
    sensitivity indices and rules in plain words."""
    from hmt_sim.i18n import use_language

    with use_language(lang):
        _report(source, out, compare, seeds, workers, where, metric, heatmap)


def _report(source: str, out: Path | None, compare: str | None, seeds: int | None,
            workers: int | None, where: str | None, metric: list[str] | None,
            heatmap: str | None) -> None:
    from hmt_sim.report import DEFAULT_SEEDS, build_report
    from hmt_sim.report.sweep import is_sweep_dir

    started = time.perf_counter()
    if is_sweep_dir(source):
        _sweep_report(source, out, where, metric, heatmap, compare, seeds, workers, started)
        return
    for name, given in (("--where", where), ("--metric", metric), ("--heatmap", heatmap)):
        if given:
            raise InputError(f"{name} applies to a sweep folder; {source} is not one (no "
                             "_manifest.json)")
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        tty = sys.stderr.isatty()
        if done == total or (tty and now - last[0] >= 1.0):
            last[0] = now
            end = "\n" if done == total else ""
            print(f"{chr(13) if tty else ''}counterfactual runs: {done}/{total}", end=end,
                  file=sys.stderr, flush=True)

    if compare is not None:
        print(f"comparing {compare} over {seeds or DEFAULT_SEEDS} paired seeds",
              file=sys.stderr)
    path = build_report(source, out, compare, seeds, workers, progress)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB, "
          f"{time.perf_counter() - started:.1f} s)")


def _sweep_report(source: str, out: Path | None, where: str | None, metric: list[str] | None,
                  heatmap: str | None, compare: str | None, seeds: int | None,
                  workers: int | None, started: float) -> None:
    from hmt_sim.report.sweep import build_sweep_report

    for name, given in (("--compare", compare), ("--seeds", seeds), ("--workers", workers)):
        if given is not None:
            raise InputError(f"{name} applies to a run or a session; {source} is a sweep folder "
                             "(its seeds are the sweep's)")
    pair = None
    if heatmap is not None:
        parts = [p.strip() for p in heatmap.split(",")]
        if len(parts) != 2 or not all(parts):
            raise InputError(f"--heatmap {heatmap!r}: expected two factors, X,Y (e.g. "
                             "autonomy.level,ai.reliability)")
        pair = (parts[0], parts[1])
    path = build_sweep_report(source, out, where=where, metrics=metric, heatmap=pair)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB, "
          f"{time.perf_counter() - started:.1f} s)")
