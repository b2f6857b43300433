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
    from hmt_sim.sweep import SweepProgress, SweepSpec, SweepSummary
    from hmt_sim.sweep.precision import Batch, PrecisionSummary, PrecisionTarget


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
    operators: Annotated[Path | None, typer.Option(
        help="operators file (hmt-sim calibrate) merged over the scenario's, before --set")]
    = None,
    seeds: Annotated[str | None, typer.Option(
        help="replace the spec's seeds: a count (20) or a list (1,2,3)")] = None,
    chunk_size: Annotated[int | None, typer.Option(help="runs per task (default: automatic)")]
    = None,
    part_rows: Annotated[int, typer.Option(help="rows per Parquet part file")] = 1000,
    flush_s: Annotated[float, typer.Option(help="commit a part at least this often (s)")]
    = 10.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
    precision: Annotated[str | None, typer.Option(
        help="METRIC=HALFWIDTH: add seeds in batches until every design point's 95% interval "
        "of METRIC is at most HALFWIDTH either side (or --max-seeds is reached)")] = None,
    max_seeds: Annotated[int | None, typer.Option(
        help="with --precision: most seeds per design point (default 100)")] = None,
    min_seeds: Annotated[int | None, typer.Option(
        help="with --precision: seeds a point needs before its interval counts (default 10)")]
    = None,
    allow_plugins: AllowPlugins = False,
) -> None:
    """Run a sweep: every design point x every seed, results streamed to Parquet.

    `hmt-sim sweep --resume --out DIR` continues the sweep in DIR with the spec, --seeds and
    --set it was started with (kept in DIR/_manifest.json), and its --precision target.
    With --precision the spec's seeds are the first batch; the next seeds in sequence are added
    until the target or the cap is reached (docs/sweep.md).

    Exit code 0 when every run succeeded, 1 when some failed (they are recorded with their
    error), 2 for a bad spec or option.
    """
    import shlex

    from hmt_sim.scenario import parse_overrides
    from hmt_sim.sweep import load_spec, run_sweep

    extra_set = parse_overrides(set_ or [])
    if operators is not None:
        from hmt_sim.calibrate import operator_overrides

        extra_set = {**operator_overrides(operators), **extra_set}
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
        extra_set = extra_set if set_ or operators else stored["set"]
        seed_arg = seed_arg if seeds is not None else stored["seeds"]
    target = _precision_target(precision, max_seeds, min_seeds,
                               _stored_precision(out) if resume else None)
    sweep_spec = load_spec(spec, set_overrides=extra_set, seeds=seed_arg)
    out_dir = out if out is not None else Path("sweeps") / sweep_spec.name
    if target is not None:
        _precision_sweep(sweep_spec, out_dir, target, quiet, resume=resume, force=force,
                         workers=workers, backend=backend, scheduler=scheduler,
                         chunk_size=chunk_size, part_rows=part_rows, flush_s=flush_s,
                         arguments={"spec": spec, "set": extra_set})
        return
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


def _stored_precision(out: Path | None) -> dict[str, Any] | None:
    from hmt_sim.sweep.store import MANIFEST, read_manifest

    if out is None or not (out / MANIFEST).is_file():
        return None
    stored = read_manifest(out).get("precision")
    return stored if isinstance(stored, dict) else None


def _precision_target(text: str | None, max_seeds: int | None, min_seeds: int | None,
                      stored: dict[str, Any] | None) -> PrecisionTarget | None:
    """The target from --precision (or the one a resumed sweep was started with); the cap
    options alone are an error."""
    from hmt_sim.sweep.precision import PrecisionTarget, parse_precision

    if text is None and stored is None:
        if max_seeds is not None or min_seeds is not None:
            raise InputError("--max-seeds and --min-seeds go with --precision METRIC=HALFWIDTH")
        return None
    base = PrecisionTarget.from_json(stored) if stored is not None else None
    if text is not None:
        metric, width = parse_precision(text)
    else:
        assert base is not None
        metric, width = base.metric, base.halfwidth
    limits: dict[str, int] = {}
    for name, given, old in (("max_seeds", max_seeds, base.max_seeds if base else None),
                             ("min_seeds", min_seeds, base.min_seeds if base else None)):
        if given is not None or old is not None:
            limits[name] = given if given is not None else int(old or 0)
    return PrecisionTarget(metric, width, **limits)


def _precision_sweep(spec: SweepSpec, out_dir: Path, target: PrecisionTarget, quiet: bool,
                     **options: Any) -> None:
    import shlex

    from hmt_sim.sweep.precision import check_target, run_precision

    check_target(spec, target)
    print(f"precision: {target.metric} to within +/- {target.halfwidth:g} (95% interval) at "
          f"every design point; from {len(spec.seeds)} seeds, at most {target.max_seeds}, a "
          f"point counts from {target.min_seeds} seeds", file=sys.stderr)
    try:
        summary = run_precision(spec, out_dir, target, on_batch=_print_batch,
                                progress_factory=lambda: _Progress(quiet), **options)
    except KeyboardInterrupt:
        print(f"interrupted: finished runs are saved in {out_dir}; continue with "
              f"`hmt-sim sweep --resume --out {shlex.quote(str(out_dir))}`", file=sys.stderr)
        raise typer.Exit(130) from None
    _print_precision(summary)
    if summary.failed:
        raise typer.Exit(1)


def _print_batch(batch: Batch, upcoming: int | None) -> None:
    import math

    met = sum(r.met for r in batch.rows)
    widths = [r for r in batch.rows if math.isfinite(r.halfwidth)]
    widest = max(widths, key=lambda r: r.halfwidth) if widths else None
    text = (f"batch: {batch.seeds} seeds per point (ran {batch.ran} runs, {batch.failed} "
            f"failed): {met} of {len(batch.rows)} points met")
    if widest is not None:
        text += f"; widest half-width {_num(widest.halfwidth)} at point {widest.point}"
    if upcoming is not None:
        text += f"; next: {upcoming} seeds"
    print(text, file=sys.stderr)


def _print_precision(s: PrecisionSummary) -> None:
    total = sum(b.ran for b in s.batches)
    wall = sum(b.wall_s for b in s.batches)
    seeds = f"{s.seeds[0]}-{s.seeds[-1]}" if len(s.seeds) > 1 else str(s.seeds[0])
    points = len(s.batches[-1].rows) if s.batches else 0
    lines = [f"sweep: {points} design points x {len(s.seeds)} seeds ({seeds}) in "
             f"{len(s.batches)} batch(es) this time, {total} runs in {wall:.1f} s"]
    if s.met:
        lines.append(f"  precision reached: {s.target.metric} within +/- "
                     f"{s.target.halfwidth:g} at every design point")
    else:
        lines.append(f"  cap reached ({s.target.max_seeds} seeds): {len(s.capped)} point(s) "
                     f"above +/- {s.target.halfwidth:g} for {s.target.metric}:")
        for r in s.capped:
            need = f"about {r.needed} seeds (estimate)" if r.needed is not None else "unknown"
            lines.append(f"    point {r.point}: half-width {_num(r.halfwidth)} with {r.n} "
                         f"seeds; the target needs {need}")
    lines.append(f"  results: {s.out}  (hmt-sim analyse {s.out} shows the half-widths)")
    if s.failed:
        lines.append(f"  {s.failed} failed runs: see the status and error columns")
    print("\n".join(lines))


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
        "--metric", "-m", help="metric to report (repeatable; default: harm.civilian_casualties, "
        "mission.leakers, control.meaningful_review_rate, escalation.max_rung_red)")] = None,
    baseline: Annotated[int | None, typer.Option(
        help="design point to compare with (default: the spec's baseline, else 0)")] = None,
    csv: Annotated[Path | None, typer.Option(help="also write the tables as CSV here "
                                             "(FILE.csv and FILE-paired.csv)")] = None,
    precision: Annotated[str | None, typer.Option(
        help="METRIC=HALFWIDTH: the half-width each point reached and the seeds this width "
        "would need (default: the target of a --precision sweep)")] = None,
) -> None:
    """Per-design-point means with 95% bootstrap intervals over seeds, and differences to a
    baseline point paired by seed (every point ran the same seeds), with a paired test, effect
    sizes and the Holm correction; rates that are a share of events also pooled (Wilson).
    With --precision (or for a sweep run with --precision): the half-width reached per point
    and an estimate of the seeds a wanted half-width needs."""
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
    target = _analyse_target(results, df, precision)
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
    if target is not None:
        _print_precision_table(console, df, target, factors)
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


def _analyse_target(results: Path, df: Any, text: str | None) -> PrecisionTarget | None:
    """The half-width to report against: --precision, else a precision sweep's own target."""
    from hmt_sim.explore.table import metric_names
    from hmt_sim.sweep.precision import PrecisionTarget, check_metric, parse_precision
    from hmt_sim.sweep.store import read_manifest

    stored = read_manifest(results).get("precision")
    if text is None:
        return PrecisionTarget.from_json(stored) if isinstance(stored, dict) else None
    metric, width = parse_precision(text)
    check_metric(metric, metric_names(df))
    if isinstance(stored, dict):
        base = PrecisionTarget.from_json(stored)
        return PrecisionTarget(metric, width, base.max_seeds, base.min_seeds)
    return PrecisionTarget(metric, width)


def _print_precision_table(console: Any, df: Any, target: PrecisionTarget,
                           factors: list[str]) -> None:
    from rich.table import Table

    from hmt_sim.sweep.precision import precision_table

    rows = precision_table(df, target)
    seeds = int(df["seed"].nunique())
    capped = [r.point for r in rows if not r.met and seeds >= target.max_seeds]
    firsts = df.groupby("point", sort=True).first()
    caption = (f"half-width: half the 95% interval's width (Wilson for pooled rates, else "
               f"bootstrap, as above). seeds needed: n x (half-width / {target.halfwidth:g})^2, "
               f"an estimate: it assumes the spread stays as measured. met: half-width <= "
               f"target with at least {target.min_seeds} seeds.")
    if capped:
        caption += (f" Points {', '.join(str(p) for p in capped)} hit the cap of "
                    f"{target.max_seeds} seeds without reaching the target.")
    table = Table(title=f"{target.metric}: precision, target +/- {target.halfwidth:g}",
                  title_justify="left", caption=caption, caption_justify="left")
    for col in ["point", *factors, "n", "estimate", "95% CI", "half-width", "seeds needed",
                "met"]:
        table.add_column(col, justify="right")
    for r in rows:
        first = firsts.loc[r.point]
        ci = "-" if r.low != r.low else f"[{_num(r.low)}, {_num(r.high)}]"
        needed = "-" if r.needed is None else f"~{r.needed}"
        met = "yes" if r.met else ("no (cap)" if r.point in capped else "no")
        table.add_row(str(r.point), *[_cell(first[f]) for f in factors], str(r.n),
                      _num(r.estimate), ci, _num(r.halfwidth), needed, met)
    console.print(table)


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
