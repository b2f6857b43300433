"""``hmt-sim play`` and ``hmt-sim replay``: the visualiser for live tabletop exercises.

The visualiser is imported inside the commands, so the engine and ``hmt-sim --help`` never load
pygame (DESIGN.md principle 4). Arguments are checked first, cheapest first: a bad ``--size``
or a misspelt ``--seat`` is refused before the scenario is read, a seat number beyond the
scenario's operators before the engine and pygame are loaded. pygame's greeting line is
switched off (``PYGAME_HIDE_SUPPORT_PROMPT``) before pygame is imported.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Annotated

import typer

from hmt_sim.cli import app
from hmt_sim.cli.options import AllowPlugins, Lang
from hmt_sim.errors import InputError

MIN_SIZE = (1024, 640)
"""The smallest window the visualiser's panels fit (``visualiser.app.MIN_SIZE``; the docs say
so); a test keeps the two equal without importing pygame here."""
MAX_SIZE = (7680, 4320)
"""The largest window accepted (8K): beyond it the surfaces alone take gigabytes."""
_SIZE = re.compile(r"\s*(\d{1,6})\s*[xX]\s*(\d{1,6})\s*")


def window_size(text: str) -> tuple[int, int]:
    """``--size WxH`` as two whole numbers within ``MIN_SIZE`` .. ``MAX_SIZE``."""
    match = _SIZE.fullmatch(text)
    if match is None:
        raise InputError(f"--size must look like 1600x900 (width x height in pixels), got "
                         f"{text!r}")
    w, h = int(match[1]), int(match[2])
    (min_w, min_h), (max_w, max_h) = MIN_SIZE, MAX_SIZE
    if w < min_w or h < min_h:
        raise InputError(f"--size {w}x{h}: the window must be at least {min_w}x{min_h} "
                         "(the smallest the map and panels fit), e.g. --size 1280x720")
    if w > max_w or h > max_h:
        raise InputError(f"--size {w}x{h}: the window may be at most {max_w}x{max_h}")
    return w, h


def _quiet_pygame() -> None:
    """No "Hello from the pygame community" line: set before pygame is first imported (a value
    the user set is kept)."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


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
    room_view: Annotated[bool, typer.Option(
        "--room-view", help="start in the room view for the projector: no console, no truth "
        "(V switches it)")] = False,
    size: Annotated[str, typer.Option(help="window size WxH, at least 1024x640")] = "1600x900",
    no_record: Annotated[bool, typer.Option(
        "--no-record", help="do not write a session file")] = False,
    force: Annotated[bool, typer.Option(help="overwrite an existing --session file")]
    = False,
    serve: Annotated[bool, typer.Option(
        "--serve", help="also serve the seats to participants' devices (as hmt-sim serve): "
        "this window is the facilitator's console and projector")] = False,
    seats: Annotated[int | None, typer.Option(
        help="with --serve: number of seats (operator/0 .. operator/N-1); default 1")] = None,
    red: Annotated[bool, typer.Option(
        "--red", help="with --serve: a red-cell seat for the adversary's command")] = False,
    bind: Annotated[str | None, typer.Option(
        "--bind", help="with --serve: address to listen on (default 127.0.0.1; 'lan')")]
    = None,
    port: Annotated[int | None, typer.Option(
        help="with --serve: port (default 8765; 0: any free port)")] = None,
    no_qr: Annotated[bool, typer.Option(
        "--no-qr", help="with --serve: print the links without terminal QR codes")] = False,
    lang: Lang = "en",
    allow_plugins: AllowPlugins = False,
) -> None:
    """Open the visualiser: map, panels, operator seat, facilitator console, debrief."""
    from hmt_sim.seats import parse_seat, seat_index

    window = window_size(size)
    if not serve and (seats is not None or red or bind is not None or port is not None
                      or no_qr):
        raise InputError("--seats, --red, --bind, --port and --no-qr need --serve")
    if serve and (autoplay or seat):
        raise InputError("--serve gives the seats to participants' devices: drop --autoplay "
                         "and --seat (use --seats N)")
    if seats is not None and not 1 <= seats <= 200:
        raise InputError(f"--seats {seats}: from 1 to 200")
    if serve and resume is not None and (seats is not None or red):
        raise InputError("--resume takes the seats and red cell from the session; drop "
                         "--seats/--red")
    for name in seat or []:
        parse_seat(name)  # the name alone: no scenario needed yet
    if until is not None and not autoplay:
        raise InputError("--until needs --autoplay (a live session runs until you close it)")
    if resume is not None and (seed is not None or seat or set_ or session is not None):
        raise InputError("--resume takes the seed, seats, overrides and file from the session; "
                         "drop --seed/--seat/--set/--session")
    if scenario is None and resume is None:
        raise InputError("play needs a SCENARIO (hmt-sim list) or --resume SESSION")
    sc = None
    if scenario is not None:
        from hmt_sim.scenario import load_scenario, parse_overrides

        sc = load_scenario(scenario, overrides=parse_overrides(set_ or []), match_file_name=True)
        for name in seat or []:
            seat_index(name, sc.operators.count)  # before the engine and pygame are loaded
        if serve and (seats or 1) > sc.operators.count:
            raise InputError(f"--seats {seats}: the scenario has {sc.operators.count} "
                             f"operator(s); add --set operators.count={seats}")
    served = None
    if serve:
        from hmt_sim.room.server import check_bind
        from hmt_sim.seats import seat_names

        if resume is None:
            seat = seat_names(seats or 1)
        served = {"red": red, "bind": None if bind is None else check_bind(bind),
                  "port": port, "codes": not no_qr}
    from hmt_sim.i18n import set_language

    set_language(lang)
    _quiet_pygame()
    import visualiser

    out = visualiser.play(
        scenario=sc, seed=seed, seats=seat, session_path=session, resume=resume,
        autoplay=autoplay, until=until, screenshot=screenshot, speed=speed,
        large_fonts=large_fonts, size=window, record=not no_record, force=force,
        serve=served, room_view=room_view, settle=True,
    )
    where = f"; session file {out['session_file']}" if out["session_file"] else ""
    print(f"stopped at t={out['t']:.1f} s with {out['events']} events and "
          f"{out['inputs']} inputs{where}")
    if out["session_file"] and not out.get("finished", True):
        again = " --serve" if serve else ""
        print(f"resume with: hmt-sim play --resume {shlex.quote(out['session_file'])}{again}",
              flush=True)
    if screenshot is not None:
        print(f"wrote {screenshot}")
    if out.get("interrupted"):
        raise typer.Exit(130)


@app.command(short_help="Play a recorded session back with a timeline scrubber.")
def replay(
    session: Annotated[Path, typer.Argument(help="session file written by hmt-sim play")],
    until: Annotated[float | None, typer.Option(
        help="unattended: scrub to this time, save --screenshot, exit")] = None,
    screenshot: Annotated[Path | None, typer.Option(help="save a PNG at the end")] = None,
    speed: Annotated[float, typer.Option(help="playback speed (1-60)")] = 1.0,
    large_fonts: Annotated[bool, typer.Option(help="projector-friendly font sizes")] = False,
    size: Annotated[str, typer.Option(help="window size WxH, at least 1024x640")] = "1600x900",
    lang: Lang = "en",
    allow_plugins: AllowPlugins = False,
) -> None:
    """Play a session back with a timeline scrubber (re-simulated from scenario, seed, inputs)."""
    window = window_size(size)
    from hmt_sim.i18n import set_language

    set_language(lang)
    _quiet_pygame()
    import visualiser

    out = visualiser.replay(session_path=session, until=until, screenshot=screenshot,
                            speed=speed, large_fonts=large_fonts, size=window, settle=True)
    print(f"replayed to t={out['t']:.1f} s ({out['events']} events, {out['inputs']} inputs)")
    if screenshot is not None:
        print(f"wrote {screenshot}")
