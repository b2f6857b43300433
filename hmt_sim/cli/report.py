"""``hmt-sim report``: the after-action review of a run directory or a session file."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from hmt_sim.cli import app
from hmt_sim.cli.options import AllowPlugins


@app.command(short_help="Write an HTML after-action report of a run or a session.")
def report(
    source: Annotated[str, typer.Argument(help="run directory (hmt-sim run --out DIR) or "
                                          "session file saved by the visualiser")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="HTML file to write "
                                             "(default: RUN_DIR/report.html or "
                                             "SESSION.report.html)")] = None,
    compare: Annotated[str | None, typer.Option(help="re-simulate at other settings, e.g. "
                                                "autonomy.level=5,7,9")] = None,
    seeds: Annotated[int | None, typer.Option(help="paired seeds per setting for --compare "
                                              "(default 20)")] = None,
    workers: Annotated[int | None, typer.Option(help="worker processes for --compare "
                                                "(default: CPU count, at most 8)")] = None,
    allow_plugins: AllowPlugins = False,
) -> None:
    """Write a self-contained HTML after-action report (prints to PDF from a browser)."""
    from hmt_sim.report import DEFAULT_SEEDS, build_report

    started = time.perf_counter()
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
