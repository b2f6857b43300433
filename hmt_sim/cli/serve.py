"""``hmt-sim serve``: a room where participants join their seats from their own devices.

Everything heavy (the engine, Starlette, uvicorn, segno) is imported inside the command, so
``hmt-sim --help`` stays fast. Arguments are checked first, cheapest first.
"""

from __future__ import annotations

import shlex
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from hmt_sim.cli import app
from hmt_sim.cli.options import AllowPlugins, Lang
from hmt_sim.errors import InputError

MAX_SEATS = 200


def _term(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _default_path(scenario_id: str) -> Path:
    """sessions/<scenario>-<time>.jsonl, as ``hmt-sim play`` names its files."""
    from datetime import datetime

    return Path("sessions") / f"{scenario_id}-{datetime.now():%Y%m%d-%H%M%S}.jsonl"


def resume_command(path: Path | str, extra: str = "") -> str:
    """The exact command that resumes the room recorded in ``path``."""
    return f"hmt-sim serve --resume {shlex.quote(str(path))}{extra}"


@app.command(short_help="Serve a room: each participant joins a seat from a phone or laptop.")
def serve(
    scenario: Annotated[str | None, typer.Argument(
        help="scenario file or bundled id (optional with --resume: the recorded copy is used)")]
    = None,
    seats: Annotated[int | None, typer.Option(
        help="number of human seats (operator/0 .. operator/N-1); default 1")] = None,
    red: Annotated[bool, typer.Option(
        "--red", help="a red-cell seat: a participant chooses the adversary's steps")] = False,
    bind: Annotated[str | None, typer.Option(
        "--bind", help="address to listen on (default 127.0.0.1: this machine only); "
        "'lan' for this machine's address on the room's network")] = None,
    port: Annotated[int | None, typer.Option(
        help="port (default 8765; 0: any free port; a resume reuses the recorded one)")]
    = None,
    speed: Annotated[float | None, typer.Option(
        help="simulated seconds per wall second (1-60; default 1, a resume keeps the speed "
        "last set)")] = None,
    start: Annotated[bool, typer.Option(
        "--start", help="start the clock at once (default: paused until the facilitator "
        "starts it)")] = False,
    until: Annotated[float | None, typer.Option(
        help="pause the clock when it reaches this simulated time (a rehearsal)")] = None,
    seed: Annotated[int | None, typer.Option(help="seed (default: the scenario's run.seed)")]
    = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override, e.g. "
                                                   "operators.count=6 (repeatable)")] = None,
    session: Annotated[Path | None, typer.Option(
        help="session file to write (default sessions/<scenario>-<time>.jsonl)")] = None,
    resume: Annotated[Path | None, typer.Option(
        help="resume a served session: same state, same seat links")] = None,
    force: Annotated[bool, typer.Option(help="overwrite an existing --session file")]
    = False,
    no_qr: Annotated[bool, typer.Option(
        "--no-qr", help="print the links without terminal QR codes")] = False,
    lang: Lang = "en",
    allow_plugins: AllowPlugins = False,
) -> None:
    """Run one authoritative session and a web server; print one join link (and QR code) per
    seat and the facilitator's link. Stop with Ctrl-C: the session file is kept and the resume
    command printed."""
    if seats is not None and not 1 <= seats <= MAX_SEATS:
        raise InputError(f"--seats {seats}: from 1 to {MAX_SEATS}")
    if speed is not None and not 1.0 <= speed <= 60.0:
        raise InputError(f"--speed {speed:g}: from 1 to 60 simulated seconds per wall second")
    if resume is not None and (scenario is not None or seed is not None or set_
                               or session is not None or seats is not None or red):
        raise InputError("--resume takes the scenario, seed, seats, red cell and file from the "
                         "session; drop SCENARIO/--seed/--set/--session/--seats/--red")
    if scenario is None and resume is None:
        raise InputError("serve needs a SCENARIO (hmt-sim list) or --resume SESSION")
    from hmt_sim.i18n import set_language
    from hmt_sim.room.server import check_bind

    set_language(lang)
    addr = None if bind is None else check_bind(bind)
    _serve(scenario, seats, red, addr, port, speed, start, until, seed, set_ or [], session,
           resume, force, not no_qr)


def _serve(scenario: str | None, seats: int | None, red: bool, addr: str | None,
           port: int | None, speed: float | None, start: bool, until: float | None,
           seed: int | None, overrides: list[str], session_path: Path | None,
           resume: Path | None, force: bool, codes: bool) -> None:
    from hmt_sim import collection, sessionfile
    from hmt_sim.room.core import RoomClock
    from hmt_sim.room.start import ServedRoom, announce, open_room
    from hmt_sim.seats import seat_names
    from hmt_sim.session import Session

    if resume is not None:
        sess, record, writer = sessionfile.resume(resume)
        notice = record.torn_notice("resumes")
        if notice:
            print(notice, file=sys.stderr)
        count = len(record.human_seats)
        red = bool(record.header.get("red_cell", False))
    else:
        from hmt_sim.scenario import load_scenario, parse_overrides

        sc = load_scenario(scenario or "", overrides=parse_overrides(overrides),
                           match_file_name=True)
        count = 1 if seats is None else seats
        if count > sc.operators.count:
            raise InputError(f"--seats {count}: the scenario has {sc.operators.count} "
                             f"operator(s); add --set operators.count={count}")
        human = seat_names(sc.operators.count)[:count]
        red_cell: dict[str, Any] = {"red_cell": True} if red else {}
        sess = Session(sc, seed=seed, human_seats=human, **red_cell)
        writer = sessionfile.open(session_path or _default_path(sc.id), sc, sess.seed,
                                  human, force=force, **red_cell)
    try:
        room, server = open_room(sess, writer, count, red, addr, port,
                                 resume=resume is not None)
    except BaseException:
        writer.close()
        raise
    if speed is None:  # a resumed room runs at the speed last set, a new one at 1
        speed = room.keys.speed if resume is not None and room.keys.speed else 1.0
    room.remember_speed(speed)
    clock = RoomClock(sess, writer, speed=speed, paused=not start)
    if until is not None:
        clock.stop_at = float(until)
    served = ServedRoom(room, server, clock)
    served.start()
    # A long-lived room: what exists now (imports, web stack, scenario, session so far) is left
    # out of the collector's later passes, which walked it all and held up a seat's answer.
    collection.settle()
    print(f"room for {sess.scenario.id} at t={sess.now:.1f} s; session file {writer.path}")
    announce(room, codes=codes)
    print("the clock is " + ("running" if start else "paused: start it from the facilitator "
                             "page") + "; stop with Ctrl-C", flush=True)
    previous = signal.signal(signal.SIGTERM, _term)
    try:
        served.wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        served.stop()
    print(f"stopped at t={sess.now:.1f} s with {len(sess.inputs)} inputs; session file "
          f"{writer.path}")
    print(f"resume with: {resume_command(writer.path)}", flush=True)
