"""After-action review reports: one self-contained HTML file per run or session.

``build_report(source, out)`` reads a run directory or a session file, optionally re-simulates the
scenario at other settings over paired seeds (counterfactuals), and writes the HTML. The parts:
``source`` (what a report reads), ``extract`` (tables from the event log), ``plots`` (matplotlib
figures as PNG), ``counterfactual`` (paired-seed re-simulation in a process pool), ``glossary``
(what each metric means and the key-metric list) and ``html`` (the page).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from hmt_sim.report.counterfactual import CompareSpec, Comparison, compare, parse_compare
from hmt_sim.report.glossary import KEY_METRICS
from hmt_sim.report.html import render
from hmt_sim.report.source import ReportSource, load_source

DEFAULT_SEEDS = 20


def default_output(src: ReportSource) -> Path:
    """``RUN_DIR/report.html`` for a run directory, ``NAME.report.html`` beside a session."""
    if src.kind == "run":
        return src.path / "report.html"
    return src.path.with_name(f"{src.path.stem}.report.html")


def build_report(source: str | os.PathLike[str], out: str | os.PathLike[str] | None = None,
                 compare_spec: str | None = None, seeds: int | None = None,
                 workers: int | None = None,
                 progress: Callable[[int, int], None] | None = None) -> Path:
    """Write the report for ``source`` and return its path. ``compare_spec`` is
    ``KEY=V1,V2,...``; ``seeds`` the number of paired seeds per setting."""
    from hmt_sim.errors import InputError
    from hmt_sim.fileio import write_text_atomic

    if seeds is not None and compare_spec is None:
        raise InputError("--seeds needs --compare (for example --compare autonomy.level=5,7,9)")
    spec = parse_compare(compare_spec) if compare_spec is not None else None
    src = load_source(source)
    path = Path(out) if out is not None else default_output(src)
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give a file name such as report.html")
    if not path.parent.exists():
        raise InputError(f"{path.parent}: no such directory for the report")
    comparison = None
    if spec is not None:
        comparison = compare(src, spec, seeds if seeds is not None else DEFAULT_SEEDS, workers,
                             progress)
    write_text_atomic(path, render(src, comparison))
    return path


__all__ = [
    "DEFAULT_SEEDS",
    "KEY_METRICS",
    "CompareSpec",
    "Comparison",
    "ReportSource",
    "build_report",
    "compare",
    "default_output",
    "load_source",
    "parse_compare",
    "render",
]
