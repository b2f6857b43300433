"""``hmt-sim calibrate``: fit the operator model to the decisions people made in live sessions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hmt_sim.cli import app
from hmt_sim.cli.options import AllowPlugins


@app.command(short_help="Fit the operator model to people's decisions in session files.")
def calibrate(
    sessions: Annotated[list[Path], typer.Argument(
        help="session files recorded by hmt-sim play (or a Session)")],
    out: Annotated[Path, typer.Option("-o", "--out", help="the operators file to write, "
                                      "e.g. operator.yaml")],
    bootstrap: Annotated[int, typer.Option(
        help="bootstrap resamples for the 95% intervals")] = 200,
    seed: Annotated[int, typer.Option(help="seed of the bootstrap resampling")] = 0,
    intervals: Annotated[str, typer.Option(
        help="bootstrap (over reviews) or profile (profile likelihood)")] = "bootstrap",
    allow_plugins: AllowPlugins = False,
) -> None:
    """Fit review_time.median_s and sigma, verification.b0 and judgement.sensitivity by
    maximum likelihood to the reviews people answered in the session files, with 95%
    intervals (bootstrap over reviews, or profile likelihood), and write them as an
    operators: block (with a fit: record beside it) that `hmt-sim run SCENARIO --operators
    FILE` and `hmt-sim sweep SPEC --operators FILE` use. The same files and options give the
    same output file."""
    from hmt_sim.calibrate import calibrate as fit
    from hmt_sim.calibrate import write

    cal = fit(sessions, bootstrap=bootstrap, seed=seed, intervals=intervals)
    for session in cal.sessions:
        if session.notice:
            print(session.notice, file=sys.stderr)
    write(cal, out)
    reviews = cal.reviews
    print(f"{len(reviews)} reviews answered by people in {len(cal.sessions)} session file"
          f"{'s' if len(cal.sessions) != 1 else ''} ({sum(r.verified for r in reviews)} "
          f"inspected); log-likelihood {cal.log_likelihood:.1f}")
    for e in cal.estimates:
        print(f"  {e.name:<24} {e.value:9.4g}   95% [{e.low:.4g}, {e.high:.4g}]   "
              f"({e.n} reviews)")
    print(f"wrote {out}")
