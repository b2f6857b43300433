"""The authoritative room: one session, one clock owner, inputs in one queue, published views.

Only the thread that owns the clock touches the ``Session``: the room's own clock thread under
``hmt-sim serve``, the pygame loop under ``hmt-sim play --serve``. Web handlers (in uvicorn's
event loop) never read the session; they ``submit`` a checked message and wait for its reply, and
they read the views the clock owner last ``publish``-ed. So inputs are applied one at a time in
arrival order, each is appended to the session file (fsync) before its seat hears "done", and a
resent message (same client ``id``) is answered again, never applied twice.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from hmt_sim.errors import HmtError
from hmt_sim.i18n import _
from hmt_sim.room import views
from hmt_sim.room.keys import FACILITATOR, RED, RoomKeys
from hmt_sim.session import Session
from hmt_sim.sessionfile import SessionWriter

PUBLISH_EVERY_S = 0.25
"""Views are rebuilt at most four times a wall second (and at once after an input)."""
CLOCK_EVERY_S = 0.5
"""How often the serve clock records its time in the session file."""
TICK_BUDGET_S = 0.04
"""The longest the serve clock simulates before it looks at the inbox again (input latency)."""
MESSAGES_KEPT = 20
REPLIES_KEPT = 512


class Host(Protocol):
    """The clock owner: the room's own ``RoomClock``, or the visualiser's ``LiveRun``."""

    session: Session
    writer: SessionWriter | None
    paused: bool
    speed: float

    def write_clock(self) -> None:
        """Record the simulation time in the session file."""


@dataclass
class Job:
    """A checked message waiting for the clock owner, with where its reply goes."""

    who: str  # "seat/N", "red" or "facilitator"
    msg: dict[str, Any]
    reply: Future[dict[str, Any]]


class Room:
    """The room around one session: seats, tokens, messages, connections and views."""

    def __init__(self, session: Session, keys: RoomKeys, keys_file: Path | None = None
                 ) -> None:
        self.keys = keys
        self.keys_file = keys_file
        self.seats = sorted(keys.seats)
        self.operators = views.seat_operators(session.human_seats)
        if sorted(self.operators) != self.seats:
            raise HmtError(f"the room has {len(self.seats)} seat link(s) but the session has "
                           f"{len(self.operators)} human seat(s)")
        self.red = keys.red is not None
        self.base_url = ""
        self.duration = session.duration
        self.map = views.plain(views.map_frame(session))
        self.inbox: queue.Queue[Job] = queue.Queue()
        self.wake = threading.Event()
        self._lock = threading.Lock()
        self._views: dict[str, dict[str, Any]] = {}
        self.version = 0
        self._published_at = -1e9
        self._dirty = True
        self._common: dict[str, Any] = {}
        self._cursor = 0
        self._deadlines: dict[int, float] = {}
        self._messages: dict[int, list[dict[str, Any]]] = {n: [] for n in self.seats}
        self._replies: dict[str, OrderedDict[str, dict[str, Any]]] = {}
        self._connected: dict[str, int] = {}
        self.stopped = threading.Event()
        self.write_error = ""

    # ----------------------------------------------------------------- web side (any thread)
    def submit(self, who: str, msg: dict[str, Any]) -> Future[dict[str, Any]]:
        """Queue a checked message for the clock owner; the future gets the reply."""
        job = Job(who, msg, Future())
        self.inbox.put(job)
        self.wake.set()
        return job.reply

    def view(self, who: str) -> dict[str, Any] | None:
        """The last published view for ``who`` (None before the first publish)."""
        with self._lock:
            return self._views.get(who)

    def connected(self, who: str, change: int) -> None:
        """Count a connection of ``who`` opening (+1) or closing (-1)."""
        with self._lock:
            self._connected[who] = max(0, self._connected.get(who, 0) + change)
            self._dirty = True
        self.wake.set()

    def connections(self, who: str) -> int:
        """How many connections ``who`` has open now."""
        with self._lock:
            return self._connected.get(who, 0)

    def link(self, who: str) -> str:
        """The join link of ``who`` (``seat/N``, ``red`` or ``facilitator``)."""
        if who == FACILITATOR:
            token = self.keys.facilitator
        elif who == RED:
            token = self.keys.red or ""
        else:
            token = self.keys.seats[int(who.split("/")[1])]
        path = "/" + ("facilitator" if who == FACILITATOR else who)
        return f"{self.base_url}{path}?t={token}"

    # ----------------------------------------------------------------- clock owner
    def pump(self, host: Host) -> int:
        """Apply every queued message in arrival order (clock owner only); returns how many."""
        done = 0
        while True:
            try:
                job = self.inbox.get_nowait()
            except queue.Empty:
                break
            try:
                reply = self._handle(host, job)
            except HmtError as error:
                reply = {"kind": "error", "message": str(error)}
            except Exception as error:  # the room keeps running; the sender hears why
                reply = {"kind": "error", "message": f"{type(error).__name__}: {error}"}
            if "id" in job.msg:
                reply["id"] = job.msg["id"]
            if not job.reply.done():
                job.reply.set_result(reply)
            done += 1
        if done:
            self._dirty = True
        return done

    def _handle(self, host: Host, job: Job) -> dict[str, Any]:
        msg, kind = job.msg, job.msg["kind"]
        seen = self._replies.setdefault(job.who, OrderedDict())
        mid = msg.get("id")
        if mid is not None and mid in seen:
            return dict(seen[mid])  # resent after a dropped connection: answered, not redone
        if kind == "ping":
            reply: dict[str, Any] = {"kind": "pong"}
        elif kind in ("decide", "inspect", "red_choose"):
            reply = self._input(host, job.who, msg)
        else:
            reply = self._facilitate(host, msg)
        if mid is not None:
            seen[mid] = reply
            while len(seen) > REPLIES_KEPT:
                seen.popitem(last=False)
        return dict(reply)

    def _input(self, host: Host, who: str, msg: dict[str, Any]) -> dict[str, Any]:
        s = host.session
        before = len(s.inputs)
        kind = msg["kind"]
        try:
            if kind == "red_choose":
                if not hasattr(s, "red_choose"):
                    raise HmtError("this version of the engine has no red cell")
                s.red_choose(msg["step"])
                reply: dict[str, Any] = {"kind": "done", "step": msg["step"]}
            else:
                op = self.operators[int(who.split("/")[1])]
                if kind == "decide":
                    s.decide(msg["decision"], msg["choice"], operator=op)
                    reply = {"kind": "done", "decision": msg["decision"],
                             "choice": msg["choice"]}
                else:
                    info = s.inspect(msg["decision"], operator=op)
                    reply = {"kind": "inspected", "decision": msg["decision"],
                             "info": views.inspect_view(info)}
        except HmtError as error:
            detail = str(error)
            if "not awaiting" in detail:
                message = _("This card is no longer waiting for your answer (it was answered, "
                            "timed out, or belongs to another seat).")
            else:
                message = _("Not done: {reason}").format(reason=detail)
            return {"kind": "error", "message": message, "detail": detail}
        for item in s.inputs[before:]:
            if host.writer is None:
                continue
            try:
                host.writer.append(item)  # on disk before the seat hears "done"
            except OSError as error:  # applied, but the file could not take it (disk full)
                self.write_error = f"could not write the session file: {error}"
                reply["warning"] = self.write_error
        return reply

    def _facilitate(self, host: Host, msg: dict[str, Any]) -> dict[str, Any]:
        kind = msg["kind"]
        if kind in ("pause", "resume"):
            host.paused = kind == "pause"
            if host.paused:
                host.write_clock()
        elif kind == "speed":
            host.speed = float(msg["speed"])
            self.remember_speed(host.speed)
        elif kind == "message":
            self.message(msg["seat"], msg["text"])
        elif kind == "reassign":
            self.reassign(msg["seat"])
        return {"kind": "done", "what": kind}

    def message(self, seat: int, text: str) -> None:
        """Show ``text`` to ``seat`` (0: every seat). Clock owner only."""
        stamp = time.strftime("%H:%M")
        for n in self.seats if seat == 0 else [seat]:
            if n not in self._messages:
                raise HmtError(_("There is no seat {n}.").format(n=n))
            kept = self._messages[n]
            kept.append({"at": stamp, "text": text})
            del kept[:-MESSAGES_KEPT]
        self._dirty = True

    def remember_speed(self, speed: float) -> None:
        """Keep the clock's speed beside the tokens, so ``--resume`` runs at it again."""
        with self._lock:
            self.keys.speed = float(speed)
            if self.keys_file is not None:
                self.keys.save(self.keys_file)
            self._dirty = True

    def reassign(self, seat: int) -> str:
        """Give ``seat`` a new link (the old one stops working at once); returns the link."""
        with self._lock:
            self.keys.reissue(seat)
            if self.keys_file is not None:
                self.keys.save(self.keys_file)
            self._dirty = True
        return self.link(f"seat/{seat}")

    def publish(self, host: Host, force: bool = False,
                snapshot: dict[str, Any] | None = None) -> bool:
        """Rebuild every role's view if due (clock owner only); True when it did.
        ``snapshot``: the session's snapshot at this instant, if the caller already took it."""
        now = time.monotonic()
        common = {"paused": host.paused, "speed": host.speed}
        changed = force or self._dirty or common != self._common
        if not (changed or now - self._published_at >= PUBLISH_EVERY_S):
            return False
        if not changed and host.paused:
            return False  # nothing moves while paused
        self._common = common
        s = host.session
        self._track_deadlines(s)
        snap = s.snapshot() if snapshot is None or snapshot.get("t") != s.now else snapshot
        pending = s.pending_decisions()
        out: dict[str, dict[str, Any]] = {}
        for n in self.seats:
            v = views.seat_view(s, snap, pending, n, self._deadlines, self.operators[n])
            v.update(common, messages=list(self._messages[n]))
            out[f"seat/{n}"] = v
        if self.red:
            out[RED] = {**(views.red_view(s) or {"t": s.now, "unavailable": True}), **common,
                        "duration": s.duration, "finished": s.finished}
        with self._lock:
            conn = dict(self._connected)
        out[FACILITATOR] = views.plain({
            "t": s.now, "duration": s.duration, "finished": s.finished, **common,
            "inputs": len(s.inputs), "write_error": self.write_error,
            "seats": [{"seat": n, "operator": f"operator/{self.operators[n]}",
                       "connected": conn.get(f"seat/{n}", 0),
                       "cards": len(out[f"seat/{n}"]["cards"]),
                       "link": self.link(f"seat/{n}")} for n in self.seats],
            "red": None if not self.red else {"connected": conn.get(RED, 0),
                                              "link": self.link(RED)},
        })
        with self._lock:
            self._views = out
            self.version += 1
            self._dirty = False
        self._published_at = now
        return True

    def _track_deadlines(self, s: Session) -> None:
        events = s.events
        if self._cursor > len(events):
            self._cursor, self._deadlines = 0, {}
        for e in events[self._cursor:]:
            if e["kind"] == "review_started" and "deadline_s" in e:
                self._deadlines[e["decision"]] = float(e["deadline_s"])
        self._cursor = len(events)


class RoomClock:
    """The clock of ``hmt-sim serve`` (no window): simulated time follows the wall clock times
    ``speed`` while not paused, on a 1 ms grid so input times replay exactly."""

    def __init__(self, session: Session, writer: SessionWriter | None, speed: float = 1.0,
                 paused: bool = True) -> None:
        self.session = session
        self.writer = writer
        self.speed = float(speed)
        self.paused = paused
        self.stop_at = math.inf
        self._clock_at = time.monotonic()

    def write_clock(self) -> None:
        """Record the simulation time in the session file."""
        if self.writer is not None and self.session.now > self.writer.last_clock:
            self.writer.clock(self.session.now)
        self._clock_at = time.monotonic()

    def tick(self, wall_dt: float) -> None:
        """Advance by ``wall_dt`` wall seconds (times speed), bounded per call."""
        s = self.session
        if self.paused or s.finished:
            return
        target = min(s.now + min(wall_dt, 0.5) * self.speed, self.stop_at)
        step = max(0.05, s.scenario.run.tick_s)
        budget = time.monotonic() + TICK_BUDGET_S
        while s.now < min(target, s.duration) - 1e-9 and time.monotonic() < budget:
            nxt = round(min(target, s.now + step), 3)
            if nxt <= s.now:
                break
            s.run_to(nxt)
        if s.finished or s.now >= self.stop_at - 1e-9:
            self.paused = True
        if time.monotonic() - self._clock_at >= CLOCK_EVERY_S:
            self.write_clock()


def run_clock(room: Room, clock: RoomClock) -> None:
    """The serve clock thread: apply inputs, move time, publish views, until ``room.stopped``."""
    last = time.monotonic()
    room.publish(clock, force=True)
    while not room.stopped.is_set():
        room.wake.wait(0.05)
        room.wake.clear()
        room.pump(clock)
        now = time.monotonic()
        clock.tick(now - last)
        last = now
        room.publish(clock)
    clock.write_clock()
