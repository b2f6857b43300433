"""Sweep commands: ``sweep`` (run a spec), ``analyse`` (means, CIs, paired differences),
``plot`` (line + CI band, or heatmap)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hmt_sim.cli import app
from hmt_sim.cli.options import AllowPlugins
from hmt_sim.errors import InputError
from hmt_sim.fileio import atomic_path

if TYPE_CHECKING:  # pragma: no cover
    from hmt_sim.sweep import SweepProgress, SweepSummary


def _parse_seeds(text: str | None) -> list[int] | int | None:
    if text is None:
        return None
    try:
        if "," in text:
            return [int(s) for s in text.split(",") if s.strip()]
        return int(text)
    except ValueError:
        raise InputError(
            f"--seeds: expected a count (20) or a list (1,2,3), got {text!r}") from None


@app.command("sweep", short_help="Run a sweep spec; results are streamed to Parquet.")
def sweep_cmd(
    spec: Annotated[Path | None, typer.Argument(
        help="sweep spec YAML (see docs/sweep.md); with --resume --out DIR, the one DIR used")]
    = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="results folder (default: sweeps/<spec name>)")] = None,
    workers: Annotated[int | None, typer.Option(help="worker processes (default: all cores)")]
    = None,
    backend: Annotated[str, typer.Option(help="local (process pool) or dask")] = "local",
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")] = None,
    resume: Annotated[bool, typer.Option(help="continue a sweep in --out, skipping "
                                         "committed runs")] = False,
    force: Annotated[bool, typer.Option(help="replace the results already in --out")] = False,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="extra fixed override for every run, e.g. run.duration_s=120")] = None,
    seeds: Annotated[str | None, typer.Option(
        help="replace the spec's seeds: a count (20) or a list (1,2,3)")] = None,
    chunk_size: Annotated[int | None, typer.Option(help="runs per task (default: automatic)")]
    = None,
    part_rows: Annotated[int, typer.Option(help="rows per Parquet part file")] = 1000,
    flush_s: Annotated[float, typer.Option(help="commit a part at least this often (s)")]
    = 10.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
    allow_plugins: AllowPlugins = False,
) -> None:
    """Run a sweep: every design point x every seed, results streamed to Parquet.

    `hmt-sim sweep --resume --out DIR` continues the sweep in DIR with the spec, --seeds and
    --set it was started with (kept in DIR/_manifest.json).

    Exit code 0 when every run succeeded, 1 when some failed (they are recorded with their
    error), 2 for a bad spec or option.
    """
    import shlex

    from hmt_sim.scenario import parse_overrides
    from hmt_sim.sweep import load_spec, run_sweep

    extra_set = parse_overrides(set_ or [])
    seed_arg = _parse_seeds(seeds)
    stored = _stored_arguments(out) if resume else None
    if spec is None:
        if stored is None:
            raise InputError(_no_spec_message(out, resume))
        spec = Path(stored["spec"])
        if not spec.is_file():
            raise InputError(f"--resume: the spec this sweep was started with, {spec}, is "
                             "gone; give its path: hmt-sim sweep SPEC --out DIR --resume")
    if stored is not None:  # what was given wins; the rest is as the sweep was started
        extra_set = extra_set if set_ else stored["set"]
        seed_arg = seed_arg if seeds is not None else stored["seeds"]
    sweep_spec = load_spec(spec, set_overrides=extra_set, seeds=seed_arg)
    out_dir = out if out is not None else Path("sweeps") / sweep_spec.name
    reporter = _Progress(quiet)
    try:
        summary = run_sweep(sweep_spec, out_dir, workers=workers, backend=backend,
                            scheduler=scheduler, resume=resume, force=force,
                            chunk_size=chunk_size, part_rows=part_rows, flush_s=flush_s,
                            progress=reporter.update,
                            arguments={"spec": spec, "set": extra_set})
    except KeyboardInterrupt:
        reporter.stop()
        print(f"interrupted: finished runs are saved in {out_dir}; continue with "
              f"`hmt-sim sweep --resume --out {shlex.quote(str(out_dir))}`", file=sys.stderr)
        raise typer.Exit(130) from None
    reporter.stop()
    _print_summary(summary)
    if summary.failed:
        raise typer.Exit(1)


def _stored_arguments(out: Path | None) -> dict[str, Any] | None:
    from hmt_sim.sweep.store import sweep_arguments

    return sweep_arguments(out) if out is not None else None


def _no_spec_message(out: Path | None, resume: bool) -> str:
    if not resume or out is None:
        return ("missing SPEC: hmt-sim sweep SPEC.yaml [--out DIR]; without SPEC only "
                "`hmt-sim sweep --resume --out DIR` (continue the sweep in DIR)")
    return (f"--resume --out {out}: {out} holds no sweep that recorded its spec (none yet, or "
            "one from an older hmt-sim); give the spec: hmt-sim sweep SPEC --out DIR --resume")


class _Progress:
    """A rich progress bar started on the first report, i.e. after the worker pool has forked
    (rich refreshes from a thread, and forking a threaded process is unsafe)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: Any = None
        self.task: Any = None

    def update(self, p: SweepProgress) -> None:
        if self.quiet:
            return
        if self.bar is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("[bold]sweep"), BarColumn(), MofNCompleteColumn(),
                TextColumn("runs"), TextColumn("[red]{task.fields[failed]} failed"),
                TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                TimeRemainingColumn(), console=Console(stderr=True),
            )
            self.bar.start()
            self.task = self.bar.add_task("sweep", total=p.total, failed=0, rate="")
        rate = f"{p.done / p.elapsed_s:.1f} runs/s" if p.elapsed_s > 0 else ""
        self.bar.update(self.task, completed=p.done, failed=p.failed, rate=rate)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _print_summary(s: SweepSummary) -> None:
    lines = [
        f"sweep: {s.points} design points x {s.seeds} seeds = {s.points * s.seeds} runs",
        f"  ran {s.ran} ({s.ok} ok, {s.failed} failed), skipped {s.skipped} already done",
        f"  {s.wall_s:.1f} s on {s.workers} {s.backend} worker(s): {s.runs_per_s:.1f} runs/s"
        if s.ran else "  nothing left to run",
        f"  results: {s.out}  (hmt-sim analyse {s.out}; pandas.read_parquet('{s.out}'))",
    ]
    if s.failed:
        lines.append(f"  {s.failed} failed runs: see the status and error columns")
    print("\n".join(lines))


@app.command(short_help="Means with 95% CIs per design point; paired differences.")
def analyse(
    results: Annotated[Path, typer.Argument(help="a sweep results folder")],
    metric: Annotated[list[str] | None, typer.Option(
        "--metric", "-m", help="metric to report (repeatable; default: a key few)")] = None,
    baseline: Annotated[int | None, typer.Option(
        help="design point to compare with (default: the spec's baseline, else 0)")] = None,
    csv: Annotated[Path | None, typer.Option(help="also write the tables as CSV here "
                                             "(FILE.csv and FILE-paired.csv)")] = None,
) -> None:
    """Per-design-point means with 95% bootstrap intervals over seeds, and differences to a
    baseline point paired by seed (every point ran the same seeds), with a paired test, effect
    sizes and the Holm correction; rates that are a share of events also pooled (Wilson)."""
    from rich.console import Console

    from hmt_sim.sweep.analysis import (
        factors_of,
        paired_comparisons,
        point_intervals,
        pooled_rates,
    )
    from hmt_sim.sweep.store import load_results

    df = load_results(results)
    if df.empty:
        raise InputError(f"{results}: no runs yet")
    summary = point_intervals(df, metric)
    if summary.empty:
        raise InputError(f"{results}: no successful runs to analyse "
                         f"({int((df['status'] != 'ok').sum())} failed)")
    paired = paired_comparisons(df, baseline, metric) if df["point"].nunique() > 1 else None
    pooled = pooled_rates(df, metric)
    factors = factors_of(df)
    # Piped or captured output gets a wide console, so tables are not wrapped at 80 columns.
    console = Console() if sys.stdout.isatty() else Console(width=160, soft_wrap=True)
    ok, failed = int((df["status"] == "ok").sum()), int((df["status"] != "ok").sum())
    console.print(f"{results}: {len(df)} runs ({ok} ok, {failed} failed), "
                  f"{df['point'].nunique()} design points, {df['seed'].nunique()} seeds")
    _print_means(console, summary, factors)
    if not pooled.empty:
        _print_pooled(console, pooled, factors)
    if paired is not None and not paired.empty:
        _print_paired(console, paired, factors)
    if csv is not None:
        with atomic_path(csv) as tmp:
            summary.to_csv(tmp, index=False)
        if paired is not None:
            with atomic_path(csv.with_name(f"{csv.stem}-paired{csv.suffix or '.csv'}")) as tmp:
                paired.to_csv(tmp, index=False)
        if not pooled.empty:
            with atomic_path(csv.with_name(f"{csv.stem}-pooled{csv.suffix or '.csv'}")) as tmp:
                pooled.to_csv(tmp, index=False)
        console.print(f"wrote {csv}")


def _print_means(console: Any, summary: Any, factors: list[str]) -> None:
    from rich.table import Table

    for name, group in summary.groupby("metric", sort=False):
        table = Table(title=f"{name}: mean and 95% CI", title_justify="left",
                      caption=f"bootstrap over seeds (BCa; percentile where BCa is degenerate, "
                              f"e.g. all values equal); range {group['range'].iloc[0]}",
                      caption_justify="left")
        for col in ["point", *factors, "n", "mean", "95% CI", "CI method"]:
            table.add_column(col, justify="right")
        for _, row in group.iterrows():
            table.add_row(str(row["point"]), *[_cell(row[f]) for f in factors], str(row["n"]),
                          _num(row["mean"]), _ci(row), str(row["interval"]))
        console.print(table)


def _print_pooled(console: Any, pooled: Any, factors: list[str]) -> None:
    from rich.table import Table

    for name, group in pooled.groupby("metric", sort=False):
        table = Table(title=f"{name}: pooled over runs, {group['definition'].iloc[0]}",
                      title_justify="left", caption_justify="left",
                      caption="Wilson 95% CI; treats every event as independent (events in one "
                              "run may not be), so prefer the per-run mean's interval above")
        for col in ["point", *factors, "runs", "events", "trials", "rate", "95% CI"]:
            table.add_column(col, justify="right")
        for _, row in group.iterrows():
            table.add_row(str(row["point"]), *[_cell(row[f]) for f in factors], str(row["runs"]),
                          str(row["events"]), str(row["trials"]), _num(row["rate"]), _ci(row))
        console.print(table)


def _print_paired(console: Any, paired: Any, factors: list[str]) -> None:
    from rich.table import Table

    from hmt_sim.sweep.intervals import EXACT_PERMUTATION_MAX

    base = int(paired["baseline"].iloc[0])
    for name, group in paired.groupby("metric", sort=False):
        k = int(group["comparisons"].iloc[0])
        table = Table(
            title=f"{name}: difference to point {base}, paired by seed", title_justify="left",
            caption_justify="left",
            caption=(f"95% CI: bootstrap over seeds. p: exact sign-flip permutation test up to "
                     f"{EXACT_PERMUTATION_MAX} pairs, else Wilcoxon signed-rank; n/a where "
                     f"every difference is zero. {_holm_note(k)} "
                     f"r: matched-pairs rank-biserial correlation; "
                     f"d_z: mean difference / SD of differences."))
        for col in ["point", *factors, "pairs", "mean diff", "95% CI", "CI method", "p",
                    "p (Holm)", "r", "d_z"]:
            table.add_column(col, justify="right")
        for _, row in group.iterrows():
            table.add_row(str(row["point"]), *[_cell(row[f]) for f in factors],
                          str(row["n_pairs"]), _num(row["mean_diff"]), _ci(row),
                          str(row["interval"]), _p(row["p_value"]), _p(row["p_holm"]),
                          _num(row["rank_biserial"]), _num(row["d_z"]))
        console.print(table)


def _holm_note(k: int) -> str:
    if k == 0:
        return "p (Holm): no comparison of this metric could be tested."
    return f"p (Holm): adjusted over the {k} tested comparisons of this metric."


def _ci(row: Any) -> str:
    if row["ci_low"] != row["ci_low"]:  # NaN: no interval
        return "-"
    return f"[{_num(row['ci_low'])}, {_num(row['ci_high'])}]"


def _p(value: Any) -> str:
    v = float(value)
    if v != v:
        return "n/a"
    return "< 0.0001" if v < 1e-4 else f"{v:.4f}" if v < 0.001 else f"{v:.3f}"


def _num(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if v != v:  # NaN
        return "-"
    return f"{v:.4g}"


def _cell(value: Any) -> str:
    return _num(value) if isinstance(value, float) else str(value)


@app.command(short_help="Plot a metric against a factor (line + CI band, or heatmap).")
def plot(
    results: Annotated[Path, typer.Argument(help="a sweep results folder")],
    x: Annotated[str, typer.Option("--x", help="factor on the x axis")],
    y: Annotated[str, typer.Option("--y", help="metric to plot")],
    hue: Annotated[str | None, typer.Option("--hue", help="factor: one line per value")] = None,
    heatmap: Annotated[bool, typer.Option(help="heatmap of --y over --x and --hue")] = False,
    bins: Annotated[int | None, typer.Option(help="bin a continuous factor into N bins")]
    = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="image file (.png, .pdf, .svg)")]
    = Path("sweep.png"),
    title: Annotated[str | None, typer.Option(help="figure title")] = None,
    style: Annotated[str, typer.Option(
        help="default (screen) or paper (column-sized, print type, fonts kept in SVG/PDF)")]
    = "default",
) -> None:
    """Plot a metric against a factor: mean line with a 95% bootstrap CI band (or a heatmap).

    Axis labels come from the metric glossary with units; the format follows the -o suffix."""
    from hmt_sim.sweep.plots import STYLES
    from hmt_sim.sweep.plots import plot as draw

    if out.suffix.lower() not in (".png", ".pdf", ".svg", ".jpg", ".jpeg"):
        raise InputError(f"--out {out}: use a .png, .pdf or .svg file name")
    if bins is not None and bins < 1:
        raise InputError(f"--bins must be >= 1, got {bins}")
    if style not in STYLES:
        raise InputError(f"--style {style!r}: allowed: {', '.join(STYLES)}")
    draw(results, x, y, hue, heatmap=heatmap, bins=bins, out=out, title=title, style=style)
    print(f"wrote {out}")
