"""Opening a room on a session: tokens, socket, app and server, and telling the facilitator.

Used by ``hmt-sim serve`` (the room's own clock) and ``hmt-sim play --serve`` (the pygame
screen owns the clock). A resumed room reads its tokens (and port) from beside the session file,
so every link printed before a crash still works.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import TextIO

from hmt_sim.i18n import _
from hmt_sim.room import qr
from hmt_sim.room.core import Room, RoomClock, run_clock
from hmt_sim.room.keys import FACILITATOR, RED, RoomKeys, keys_path
from hmt_sim.room.server import (
    DEFAULT_BIND,
    DEFAULT_PORT,
    ServerThread,
    allowed_hosts,
    bind,
    public_host,
)
from hmt_sim.room.web import build_app
from hmt_sim.session import Session
from hmt_sim.sessionfile import SessionWriter


def room_keys(session_file: Path | None, seats: int, red: bool, resume: bool) -> RoomKeys:
    """The room's tokens: those saved beside a resumed session, or new ones."""
    path = None if session_file is None else keys_path(session_file)
    if resume and path is not None and path.exists():
        return RoomKeys.load(path)
    return RoomKeys.create(seats, red)


def open_room(session: Session, writer: SessionWriter | None, seats: int, red: bool = False,
              addr: str | None = None, port: int | None = None, resume: bool = False
              ) -> tuple[Room, ServerThread]:
    """Serve ``session`` to ``seats`` seats (and a red cell); returns the room and its
    running server. On resume the saved address and port are reused unless named."""
    keys_file = None if writer is None else keys_path(writer.path)
    keys = room_keys(None if writer is None else writer.path, seats, red, resume)
    addr = addr or (keys.bind if resume else DEFAULT_BIND)
    if port is None:
        port = keys.port if resume and keys.port else DEFAULT_PORT
    room = Room(session, keys, keys_file)  # checks the seats before anything is bound
    sock = bind(addr, port)
    keys.bind, keys.port = addr, int(sock.getsockname()[1])
    if keys_file is not None:
        try:
            keys.save(keys_file)
        except OSError:
            sock.close()
            raise
    room.base_url = f"http://{public_host(addr)}:{keys.port}"
    server = ServerThread(build_app(room, allowed_hosts(addr)), sock)
    server.start()
    return room, server


def announce(room: Room, out: TextIO = sys.stdout, codes: bool = True) -> None:
    """Print each seat's join link (and QR code), the red cell's, then the facilitator's."""
    for n in room.seats:
        link = room.link(f"seat/{n}")
        print(_("Seat {n}: {link}").format(n=n, link=link), file=out)
        if codes:
            print(qr.terminal(link), file=out)
    if room.red:
        link = room.link(RED)
        print(_("Red cell: {link}").format(link=link), file=out)
        if codes:
            print(qr.terminal(link), file=out)
    print(_("Facilitator (keep this link to yourself): {link}").format(
        link=room.link(FACILITATOR)), file=out)
    out.flush()


class ServedRoom:
    """``hmt-sim serve``: the room with its own clock thread and web server."""

    def __init__(self, room: Room, server: ServerThread, clock: RoomClock) -> None:
        self.room = room
        self.server = server
        self.clock = clock
        self.thread = threading.Thread(target=run_clock, args=(room, clock),
                                       name="hmt-sim-room-clock", daemon=True)

    def start(self) -> None:
        """Start the clock thread."""
        self.thread.start()

    def wait(self, poll_s: float = 0.5) -> None:
        """Block until the server stops (Ctrl-C raises KeyboardInterrupt here)."""
        while self.server.alive and self.thread.is_alive():
            self.thread.join(poll_s)

    def stop(self) -> None:
        """Stop the clock (recording its time) and the server; close the session file."""
        self.room.stopped.set()
        self.room.wake.set()
        self.thread.join(timeout=10)
        self.server.stop()
        if self.clock.writer is not None:
            self.clock.writer.close()
