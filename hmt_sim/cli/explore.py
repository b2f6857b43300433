"""Exploration commands on a finished sweep: ``sensitivity`` (Sobol / Morris indices) and
``discover`` (PRIM and CART rules for where a condition is likely)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hmt_sim.cli import app
from hmt_sim.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from hmt_sim.explore import Discovery, SensitivityResult

IMAGE_SUFFIXES = (".png", ".pdf", ".svg")


def _check_image(out: Path) -> None:
    if out.suffix.lower() not in IMAGE_SUFFIXES:
        raise InputError(f"--out {out}: use a .png, .pdf or .svg file name")


@app.command(short_help="Sobol indices or Morris effects of a saltelli / morris sweep.")
def sensitivity(
    results: Annotated[Path, typer.Argument(help="a sweep results folder (design saltelli "
                                            "or morris)")],
    metric: Annotated[list[str] | None, typer.Option(
        "--metric", "-m", help="metric or group (harm) to rank factors for (repeatable; "
        "default: every metric)")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="figure (.png, .pdf, .svg)")]
    = Path("sensitivity.png"),
    csv: Annotated[Path | None, typer.Option(help="also write the indices as CSV")] = None,
    seed: Annotated[int, typer.Option(help="seed of the bootstrap intervals")] = 0,
) -> None:
    """Rank factors by their global influence on each metric.

    A sweep with design {saltelli: N} gives Sobol first-order (S1) and total (ST) indices;
    {morris: R} gives Morris mu* and sigma. Intervals are 95% bootstrap intervals.
    """
    from hmt_sim.explore import sensitivity as compute
    from hmt_sim.explore.plots import plot_sensitivity

    _check_image(out)
    if seed < 0:
        raise InputError(f"--seed must be >= 0, got {seed}")
    result = compute(results, metric, seed=seed)
    print(format_sensitivity(result))
    drawn = plot_sensitivity(result, out)
    if drawn:
        more = len([m for m in result.metrics if m.indices]) - drawn
        print(f"wrote {out}" + (f" (first {drawn} metrics; use --metric for others)"
                                if more > 0 else ""))
    if csv is not None:
        from hmt_sim.fileio import atomic_path

        with atomic_path(csv) as tmp:
            result.to_frame().to_csv(tmp, index=False)
        print(f"wrote {csv}")


def format_sensitivity(result: SensitivityResult) -> str:
    """The indices as plain text tables, one per metric, factors by influence."""
    if result.method == "sobol":
        head = ("Sobol indices: S1 = share of variance due to the factor alone, ST = with all "
                "its interactions (95% bootstrap CI)")
    else:
        head = ("Morris elementary effects: mu* = mean absolute change over a factor's range "
                "(95% bootstrap CI), sigma = spread (interactions, non-linearity)")
    seeds = f"{result.seeds} seed{'s' if result.seeds != 1 else ''}"
    lines = [f"{result.points} design points x {seeds}; {head}"]
    width = max(len(f) for f in result.factors)
    for m in result.metrics:
        lines.append("")
        if not m.indices:
            lines.append(f"{m.metric}: {m.note}")
            continue
        lines.append(f"{m.metric} (variance {m.variance:.4g}):")
        if result.method == "sobol":
            rows = sorted(m.indices, key=lambda r: -r.total)
            lines.append(f"  {'factor':<{width}}  {'S1':>24}  {'ST':>24}")
            for r in rows:
                lines.append(f"  {r.factor:<{width}}  {_ci(r.first, r.first_conf):>24}  "
                             f"{_ci(r.total, r.total_conf):>24}")
            null = [r.factor for r in rows if r.total - r.total_conf <= 0.0 and r.total < 0.05]
        else:
            rows = sorted(m.indices, key=lambda r: -r.mu_star)
            lines.append(f"  {'factor':<{width}}  {'mu*':>26}  {'sigma':>10}")
            for r in rows:
                lines.append(f"  {r.factor:<{width}}  {_ci(r.mu_star, r.mu_star_conf):>26}  "
                             f"{r.sigma:>10.3g}")
            top = max(r.mu_star for r in rows)
            null = [r.factor for r in rows if r.mu_star <= 0.01 * top]
        if null:
            lines.append(f"  no detectable influence: {', '.join(null)}")
    return "\n".join(lines)


def _ci(value: float, half: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:.3g} [{value - half:.3g}, {value + half:.3g}]"


@app.command(short_help="Find where a condition is likely (PRIM boxes, CART leaves).")
def discover(
    results: Annotated[Path, typer.Argument(help="a sweep results folder")],
    where: Annotated[str, typer.Option(
        "--where", help='condition on one metric: METRIC OP NUMBER, OP one of < <= > >= ==, '
        'e.g. "harm.wrongful_engagements >= 1"')],
    out: Annotated[Path, typer.Option("--out", "-o", help="peeling-trajectory figure "
                                      "(.png, .pdf, .svg)")] = Path("trajectory.png"),
    min_density: Annotated[float | None, typer.Option(
        help="a rule's share of runs where the condition holds must reach this (default: "
        "halfway from the base rate to 1, at least 0.5)")] = None,
    boxes: Annotated[int, typer.Option(help="most PRIM boxes to find (covering)")] = 2,
    box: Annotated[int | None, typer.Option(
        help="take this box of the peeling trajectory as the first rule")] = None,
    alpha: Annotated[float, typer.Option(help="share of a box peeled per step")] = 0.05,
    min_mass: Annotated[float, typer.Option(help="smallest box, as a share of the runs")]
    = 0.05,
    cart_depth: Annotated[int, typer.Option(help="depth of the CART tree")] = 3,
) -> None:
    """Scenario discovery: describe, as plain rules over the factors, where in the sweep the
    condition holds in most runs (PRIM peeling and pasting; CART as a second view)."""
    from hmt_sim.explore import discover as find
    from hmt_sim.explore.plots import plot_trajectory

    _check_image(out)
    for name, value, low, high in (("--min-density", min_density, 0.0, 1.0),
                                   ("--alpha", alpha, 0.0, 0.5),
                                   ("--min-mass", min_mass, 0.0, 1.0)):
        if value is not None and not low < value <= high:
            raise InputError(f"{name} must be in ({low:g}, {high:g}], got {value:g}")
    if cart_depth < 1:
        raise InputError(f"--cart-depth must be >= 1, got {cart_depth}")
    found = find(results, where, min_density=min_density, boxes=boxes, alpha=alpha,
                 min_mass=min_mass, cart_depth=cart_depth, box=box)
    print(format_discovery(found))
    plot_trajectory(found, out)
    print(f"wrote {out}")


def format_discovery(found: Discovery) -> str:
    """The rules in plain words, with the base rate and the trade-off of the chosen box."""
    lines = [f"{found.condition}: in {found.n_cases} of {found.n_runs} runs "
             f"({100 * found.base_rate:.0f}%)"]
    if found.note:
        lines.append(found.note)
    elif found.n_cases:
        lines.append(f"rules must reach a density of {100 * found.min_density:.0f}% "
                     "(--min-density)")
    if found.prim_rules:
        lines.append("")
        last = len(found.trajectory.trajectory) - 1
        lines.append(f"PRIM (peeling and pasting; box {found.chosen} of the trajectory's 0-{last}, "
                     "0 = everything; --box to choose another):")
        for i, rule in enumerate(found.prim_rules, 1):
            lines.append(f"  {i}. {rule.text}")
            if rule.p_values:
                ps = ", ".join(f"{k} p={v:.2g}" for k, v in rule.p_values.items())
                lines.append(f"     restrictions tested: {ps}")
            if rule.dropped:
                lines.append(f"     dropped as not significant (p >= 0.05): "
                             f"{', '.join(rule.dropped)}")
        if len(found.prim_rules) > 1:
            lines.append("     (rules after the first cover runs the earlier ones left out)")
    if found.n_cases:
        lines.append("")
        if found.cart_rules:
            lines.append("CART (leaves of a decision tree):")
            lines.extend(f"  - {rule.text}" for rule in found.cart_rules)
        else:
            lines.append("CART: no leaf of the tree reaches the density asked for")
    return "\n".join(lines)
