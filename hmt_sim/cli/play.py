"""``hmt-sim play`` and ``hmt-sim replay``: the visualiser for live tabletop exercises.

The visualiser is imported inside the commands, so the engine and ``hmt-sim --help`` never load
pygame (DESIGN.md principle 4).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hmt_sim.cli import app
from hmt_sim.cli.options import AllowPlugins
from hmt_sim.errors import InputError


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise InputError(f"--size must look like 1600x900, got {text!r}") from None
    if w < 320 or h < 240:
        raise InputError(f"--size {text}: at least 320x240")
    return w, h


@app.command(short_help="Open the visualiser for a live tabletop exercise.")
def play(
    scenario: Annotated[str | None, typer.Argument(
        help="scenario file or bundled id (optional with --resume: the recorded copy is used)")]
    = None,
    seed: Annotated[int | None, typer.Option(help="seed (default: the scenario's run.seed)")]
    = None,
    seat: Annotated[list[str] | None, typer.Option(
        "--seat", help="human seat: operator or operator/N (repeatable; default operator)")]
    = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override, e.g. "
                                                   "autonomy.levels.engage=6 (repeatable)")]
    = None,
    session: Annotated[Path | None, typer.Option(
        help="session file to write (default sessions/<scenario>-<time>.jsonl)")] = None,
    resume: Annotated[Path | None, typer.Option(
        help="resume a session file at the exact state it reached")] = None,
    autoplay: Annotated[bool, typer.Option(
        help="unattended: model operators in every seat; exits at --until")] = False,
    until: Annotated[float | None, typer.Option(
        help="with --autoplay: stop at this simulated time (seconds)")] = None,
    screenshot: Annotated[Path | None, typer.Option(help="save a PNG when the run stops")]
    = None,
    speed: Annotated[float, typer.Option(help="with --autoplay: simulated seconds per "
                                         "wall second")] = 60.0,
    large_fonts: Annotated[bool, typer.Option(help="projector-friendly font sizes")] = False,
    size: Annotated[str, typer.Option(help="window size WxH")] = "1600x900",
    no_record: Annotated[bool, typer.Option(
        "--no-record", help="do not write a session file")] = False,
    force: Annotated[bool, typer.Option(help="overwrite an existing --session file")]
    = False,
    allow_plugins: AllowPlugins = False,
) -> None:
    """Open the visualiser: map, panels, operator seat, facilitator console, debrief."""
    from hmt_sim.scenario import load_scenario, parse_overrides

    if until is not None and not autoplay:
        raise InputError("--until needs --autoplay (a live session runs until you close it)")
    if resume is not None and (seed is not None or seat or set_ or session is not None):
        raise InputError("--resume takes the seed, seats, overrides and file from the session; "
                         "drop --seed/--seat/--set/--session")
    if scenario is None and resume is None:
        raise InputError("play needs a SCENARIO (hmt-sim list) or --resume SESSION")
    sc = None
    if scenario is not None:
        sc = load_scenario(scenario, overrides=parse_overrides(set_ or []))
    import visualiser

    out = visualiser.play(
        scenario=sc, seed=seed, seats=seat, session_path=session, resume=resume,
        autoplay=autoplay, until=until, screenshot=screenshot, speed=speed,
        large_fonts=large_fonts, size=_size(size), record=not no_record, force=force,
    )
    where = f"; session file {out['session_file']}" if out["session_file"] else ""
    print(f"stopped at t={out['t']:.1f} s with {out['events']} events and "
          f"{out['inputs']} inputs{where}")
    if screenshot is not None:
        print(f"wrote {screenshot}")


@app.command(short_help="Play a recorded session back with a timeline scrubber.")
def replay(
    session: Annotated[Path, typer.Argument(help="session file written by hmt-sim play")],
    until: Annotated[float | None, typer.Option(
        help="unattended: scrub to this time, save --screenshot, exit")] = None,
    screenshot: Annotated[Path | None, typer.Option(help="save a PNG at the end")] = None,
    speed: Annotated[float, typer.Option(help="playback speed (1-60)")] = 1.0,
    large_fonts: Annotated[bool, typer.Option(help="projector-friendly font sizes")] = False,
    size: Annotated[str, typer.Option(help="window size WxH")] = "1600x900",
    allow_plugins: AllowPlugins = False,
) -> None:
    """Play a session back with a timeline scrubber (re-simulated from scenario, seed, inputs)."""
    import visualiser

    out = visualiser.replay(session_path=session, until=until, screenshot=screenshot,
                            speed=speed, large_fonts=large_fonts, size=_size(size))
    print(f"replayed to t={out['t']:.1f} s ({out['events']} events, {out['inputs']} inputs)")
    if screenshot is not None:
        print(f"wrote {screenshot}")
