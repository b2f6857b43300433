"""Entry points behind ``hmt-sim play`` and ``hmt-sim replay``: build the session (new, resumed
or replayed), open the window, run the loop, and always close the session file cleanly."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from hmt_sim import sessionfile
from hmt_sim.errors import HmtError, InputError
from hmt_sim.scenario.schema import Scenario
from hmt_sim.session import Session


def _headless_default(unattended: bool) -> None:
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    if unattended and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")


def _open(make: Callable[[], Any], live: Any, settle: bool = False) -> Any:
    """Open the window, or say plainly why not (no display) with the session file closed.
    ``settle``: then leave what exists out of the garbage collector's passes (the command
    line's own process only: ``hmt_sim.collection.settle``)."""
    import pygame

    try:
        app = make()
    except pygame.error as error:
        live.close()
        pygame.quit()
        raise HmtError(f"cannot open a window ({error}); on a machine without a display use "
                       "--autoplay, or set SDL_VIDEODRIVER=dummy") from None
    if settle:
        from hmt_sim import collection

        collection.settle()
    return app


def _tell(notice: str | None) -> None:
    """A warning for the person at the keyboard (a torn last line in a session file)."""
    if notice:
        sys.stderr.write(notice + "\n")


def default_session_path(scenario_id: str, folder: Path | None = None) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return (folder or Path("sessions")) / f"{scenario_id}-{stamp}.jsonl"


def check_resume_scenario(resume: Path, scenario: Scenario | None) -> None:
    """A session recorded with another scenario is named as such (not "changed since")."""
    if scenario is None:
        return
    recorded = sessionfile.read(resume).header.get("scenario_id")
    if recorded != scenario.id:
        raise InputError(
            f"{resume}: this session belongs to scenario {recorded!r}, not {scenario.id!r}; "
            f"to resume it, type: hmt-sim play --resume {shlex.quote(str(resume))} (without a "
            "scenario: the session carries its own copy)")


def play(scenario: Scenario | None = None, seed: int | None = None,
         seats: list[str] | None = None, session_path: Path | None = None,
         resume: Path | None = None, autoplay: bool = False, until: float | None = None,
         screenshot: Path | None = None, speed: float = 60.0, large_fonts: bool = False,
         size: tuple[int, int] = (1600, 900), record: bool = True, force: bool = False,
         serve: dict[str, Any] | None = None, room_view: bool = False, settle: bool = False
         ) -> dict[str, Any]:
    """Run a live (or unattended) session in a window; returns where it ended.

    ``room_view`` opens the projector's room view from the start (``App(room=True)``, the V key).

    ``serve`` (``seats``, ``red``, ``bind``, ``port``, ``codes``) also opens a room on the
    session: participants join from their devices and this window is the facilitator's
    console and clock. Ctrl-C closes the window with the session file saved
    (``interrupted`` in the result)."""
    _headless_default(autoplay)
    from visualiser.app import App
    from visualiser.controller import LiveRun

    writer = None
    red_cell: dict[str, Any] = {"red_cell": True} if serve and serve.get("red") else {}
    if resume is not None:
        check_resume_scenario(resume, scenario)
        session, _record, writer = sessionfile.resume(resume, scenario=scenario)
        _tell(_record.torn_notice("resumes"))
    else:
        if scenario is None:
            raise InputError("play needs a scenario (or --resume SESSION)")
        human = [] if autoplay else (seats if seats is not None else ["operator"])
        session = Session(scenario, seed=seed, human_seats=human, **red_cell)
        if record:
            path = session_path or default_session_path(scenario.id)
            writer = sessionfile.open(path, scenario, session.seed, human, force=force,
                                      **red_cell)
    error_log = None if writer is None else writer.path.with_suffix(".errors.log")
    if serve is not None:
        from hmt_sim.room.start import announce, open_room
        from visualiser.room_overlay import RoomApp, ServedRun

        try:
            room, server = open_room(session, writer, len(session.human_seats),
                                     bool(serve.get("red") or getattr(session, "red_cell",
                                                                      False)),
                                     serve.get("bind"), serve.get("port"),
                                     resume=resume is not None)
        except BaseException:
            if writer is not None:
                writer.close()
            raise
        announce(room, codes=bool(serve.get("codes", True)))
        served = ServedRun.open(room, session, writer, resumed=resume is not None)
        live: LiveRun = served
        make: Callable[[], Any] = lambda: RoomApp(  # noqa: E731
            served, size=size, large_fonts=large_fonts, error_log=error_log, room=room_view)
    else:
        server = None
        live = LiveRun(session, writer, auto_slow=not autoplay)
        make = lambda: App(live, size=size, large_fonts=large_fonts,  # noqa: E731
                           error_log=error_log, room=room_view)
    interrupted = False
    try:
        app = _open(make, live, settle)
    except BaseException:
        if server is not None:
            server.stop()
        raise
    try:
        if autoplay:
            live.speed = max(1.0, float(speed))
            app.run(until=session.duration if until is None else until, screenshot=screenshot)
        else:
            app.run()
            if screenshot is not None:
                app.screenshot(screenshot)
    except KeyboardInterrupt:
        interrupted = True  # the file holds every input; close writes the clock
    finally:
        app.close()
        if server is not None:
            server.stop()
    return {"t": session.now, "events": len(session.events), "inputs": len(session.inputs),
            "session_file": None if writer is None else str(writer.path),
            "errors": live.errors, "frames": app.frames, "interrupted": interrupted,
            "finished": session.finished, "room": app.room}


def replay(session_path: Path, until: float | None = None, screenshot: Path | None = None,
           speed: float = 1.0, large_fonts: bool = False, size: tuple[int, int] = (1600, 900),
           settle: bool = False) -> dict[str, Any]:
    """Play a session file back with a timeline scrubber (re-simulated, read-only)."""
    _headless_default(until is not None)
    from visualiser.app import App
    from visualiser.controller import LiveRun

    session, rec = sessionfile.replay_session(session_path)
    _tell(rec.torn_notice("replays"))
    live = LiveRun(session, None, read_only=True, record=rec, auto_slow=False)
    live.speed = max(1.0, float(speed))
    app = _open(lambda: App(live, size=size, large_fonts=large_fonts, replay=True), live,
                settle)
    try:
        if until is not None:
            live.scrub(until)
            while live.scrub_target is not None and app.running:
                app.frame()
            app.frame(0.0)
            if screenshot is not None:
                app.screenshot(screenshot)
        else:
            app.run()
            if screenshot is not None:
                app.screenshot(screenshot)
    finally:
        app.close()
    return {"t": live.session.now, "events": len(live.session.events),
            "inputs": len(rec.inputs), "frames": app.frames}
