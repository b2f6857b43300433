"""The live run behind the screen: clock, slices, recorded inputs, and what the screen derives
from the event log (feed, effects, trails, chart samples, throttled metrics).

No pygame here, so the logic that must not lose a session is testable without a window. Every
input goes through ``Session`` (which records it) and straight into the session file.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hmt_sim.actions import is_warning
from hmt_sim.errors import HmtError
from hmt_sim.i18n import _
from hmt_sim.metrics import compute_metrics
from hmt_sim.session import Session
from hmt_sim.sessionfile import SessionRecord, SessionWriter
from visualiser.feed import clock, describe

FEED_MAX = 400
TRAIL_LEN = 10
TRAIL_EVERY_S = 2.0
EFFECT_LINGER_S = 6.0
CLOCK_EVERY_WALL_S = 2.0
SPEEDS = (1, 2, 5, 10, 30, 60)
# A new snapshot (contact positions) when something was logged or input, else every half
# simulated second: a contact at 50 m/s moves 25 m, under a pixel at the default zoom, and a
# snapshot of 2,000 contacts costs more than a frame.
SNAPSHOT_EVERY_SIM_S = 0.5


@dataclass
class FeedLine:
    t: float
    text: str
    tone: str
    seq: int


@dataclass
class Shot:
    """An engagement line from an effector to a track, shown until its effect or timeout."""

    decision: int
    track: int
    effector: str
    action: str
    until: float


@dataclass
class Burst:
    x: float
    y: float
    t: float
    kind: str  # hit, miss, harm, impact, warn


class LiveRun:
    """Owns a ``Session`` and its session file; the app calls ``tick`` once per frame."""

    def __init__(self, session: Session, writer: SessionWriter | None = None,
                 read_only: bool = False, record: SessionRecord | None = None,
                 auto_slow: bool = True, wall: Callable[[], float] = time.perf_counter
                 ) -> None:
        self.session = session
        self.writer = writer
        self.read_only = read_only
        self.record = record
        self.auto_slow = auto_slow
        self.wall = wall
        self.paused = True
        self.speed = 1.0
        self.truth = False
        self.status = ""
        self.status_until = 0.0
        self.errors = 0
        self.scrub_target: float | None = None
        self.stop_at = math.inf  # unattended runs stop exactly here
        self.slice_budget_s = 0.012
        # Simulation work is paid from a credit that grows by sim_share_s per frame, so a slow
        # tick (a thousand contacts) lowers the effective speed instead of the frame rate.
        self.sim_share_s = 0.012
        self._credit = 0.0
        self.effective_speed = 0.0
        self._debt = 0.0
        self._last_clock_write = wall()
        self._metrics_key: tuple[int, int] = (0, -1)
        self.metrics: dict[str, dict[str, Any]] = {}
        self.metrics_version = 0
        self.effectors = {e.id: e for e in session.scenario.blue.effectors}
        self.human_seat_ops = {int(s.split("/")[1]) if "/" in s else 0
                               for s in session.human_seats}
        self._reset_derived()
        self._snap_key: tuple[int, int, int] = (0, -1, -1)
        self._snap_t = -math.inf
        self.snapshot = session.snapshot()
        self.pull_events()

    # ----------------------------------------------------------------- derived state
    def _reset_derived(self) -> None:
        self.cursor = 0
        self.feed: deque[FeedLine] = deque(maxlen=FEED_MAX)
        self.shots: dict[int, Shot] = {}
        self.bursts: deque[Burst] = deque(maxlen=300)
        self.alerts: deque[tuple[float, str]] = deque(maxlen=4)  # (wall until, text)
        self.samples: list[tuple[float, float | None, float]] = []  # t, trust, ai accuracy
        self.deadlines: dict[int, float] = {}
        self.trails: dict[int, deque[tuple[float, float]]] = {}
        self.trail_times: dict[int, deque[float]] = {}
        self.last_pos: dict[int, tuple[float, float]] = {}
        self._trail_at = -math.inf
        self.seen_pending: set[tuple[int, int]] = set()  # (decision, seat) cards already seen
        self.bookmarks: list[tuple[float, str]] = []

    def pull_events(self) -> list[dict[str, Any]]:
        """Fold the events appended since the last frame into the feed and effects."""
        events = self.session.events
        new = events[self.cursor:]
        self.cursor = len(events)
        now_wall = self.wall()
        for e in new:
            k = e["kind"]
            if k == "review_started" and "deadline_s" in e:
                self.deadlines[e["decision"]] = e["deadline_s"]
            elif k == "sample":
                self.samples.append((e["t"], e["trust"], e["ai_accuracy"]))
            elif k == "engagement" and e["effector"] in self.effectors:
                self.shots[e["decision"]] = Shot(e["decision"], e["track"], e["effector"],
                                                 e["action"], e["t"] + EFFECT_LINGER_S * 2)
            elif k == "effect":
                self.shots.pop(e.get("decision", -1), None)
                x, y = self.last_pos.get(e["track"], (math.nan, math.nan))
                kind = "warn" if is_warning(e["action"]) else (
                    "harm" if e.get("civilian_harm") else ("hit" if e["success"] else "miss"))
                self.bursts.append(Burst(x, y, e["t"], kind))
            elif k == "impact":
                a = self.session.scenario.blue.defended_asset
                self.bursts.append(Burst(a.x, a.y, e["t"], "impact"))
            elif k == "timeout":
                line = describe(e)
                if line:
                    self.alerts.append((now_wall + 5.0, line[0]))
            elif k == "input" and e.get("input") == "bookmark":
                self.bookmarks.append((e["t"], e.get("label", "")))
            line = describe(e, truth=self.truth)
            if line is not None:
                self.feed.append(FeedLine(e["t"], f"{clock(e['t'])} {line[0]}", line[1],
                                          e["seq"]))
        return new

    def refresh(self) -> None:
        """Snapshot the session, update trails, expire effects, and pull new events."""
        s = self.session
        now = s.now
        key = (id(s), len(s.events), len(s.inputs))
        moved = abs(now - self._snap_t) >= SNAPSHOT_EVERY_SIM_S or (now < self._snap_t)
        if key != self._snap_key or moved or now == s.duration != self._snap_t:
            self._snap_key, self._snap_t = key, now
            self.snapshot = snap = s.snapshot()
            for c in snap["contacts"]:
                self.last_pos[c["track"]] = (c["x"], c["y"])
        snap = self.snapshot
        self.pull_events()
        if now - self._trail_at >= TRAIL_EVERY_S or now < self._trail_at:
            self._trail_at = now
            alive = set()
            for c in snap["contacts"]:
                if c["detected"] or self.truth:
                    alive.add(c["track"])
                    tr = self.trails.get(c["track"])
                    if tr is None:
                        tr = self.trails[c["track"]] = deque(maxlen=TRAIL_LEN)
                    tr.append((c["x"], c["y"]))
                    self.trail_times.setdefault(c["track"], deque(maxlen=TRAIL_LEN)).append(now)
                    times = self.trail_times[c["track"]]
                    while times and now - times[0] > TRAIL_LEN * TRAIL_EVERY_S:
                        times.popleft()  # at high speed, keep tails to recent sim time
                        tr.popleft()
            for track in [t for t in self.trails if t not in alive]:
                del self.trails[track]
                self.trail_times.pop(track, None)
        for d in [d for d, shot in self.shots.items() if shot.until < now]:
            del self.shots[d]
        while self.bursts and now - self.bursts[0].t > EFFECT_LINGER_S:
            self.bursts.popleft()
        if self.auto_slow and not self.read_only:
            fresh = [p for p in self.my_pending()
                     if (p["decision"], p["operator"]) not in self.seen_pending]
            if fresh and self.speed > 1:
                self.speed = 1.0
                self.say(_("a decision needs you: speed set to 1x"))
            self.seen_pending.update((p["decision"], p["operator"]) for p in fresh)

    def live_metrics(self, force: bool = False) -> dict[str, dict[str, Any]]:
        """Metrics of the log as it is now: recomputed whenever the log has grown (or was
        rebuilt), so the panel never shows a number the log does not hold at this frame."""
        events = self.session.events
        key = (id(events), len(events))
        if force or key != self._metrics_key:
            self._metrics_key = key
            self.metrics = compute_metrics(events)
            self.metrics_version += 1
        return self.metrics

    # ----------------------------------------------------------------- time
    def tick(self, wall_dt: float) -> None:
        """Advance simulated time for one frame, in slices, within a wall-time budget."""
        s = self.session
        if self.scrub_target is not None:
            self._advance_toward(self.scrub_target)
            if s.now >= min(self.scrub_target, s.duration) - 1e-9:
                self.scrub_target = None
        elif not self.paused and not s.finished:
            self._debt = min(self._debt + wall_dt * self.speed, self.speed * 0.25 + 0.5)
            self._credit = min(self._credit + self.sim_share_s, 0.1)
            before = s.now
            if self._credit > 0:
                started = self.wall()
                self._advance_toward(s.now + self._debt)
                self._credit -= self.wall() - started
            self._debt = max(0.0, self._debt - (s.now - before))
            if wall_dt > 0:
                rate = (s.now - before) / wall_dt
                self.effective_speed = 0.9 * self.effective_speed + 0.1 * rate
            if s.finished:
                self.paused = True
                self._debt = 0.0
        self.refresh()
        if self.writer is not None and not self.read_only and (
            self.wall() - self._last_clock_write >= CLOCK_EVERY_WALL_S
        ) and s.now > self.writer.last_clock:
            self.write_clock()

    def _advance_toward(self, target: float) -> None:
        s = self.session
        step = max(0.05, s.scenario.run.tick_s)
        deadline = self.wall() + self.slice_budget_s
        target = min(target, s.duration, self.stop_at)
        while s.now < target - 1e-9:
            nxt = round(min(target, s.now + step), 3)  # a 1 ms grid: input times replay exactly
            if nxt <= s.now:
                break
            s.run_to(nxt)
            if self.wall() > deadline:
                break

    def step(self, seconds: float | None = None) -> None:
        """Pause and advance by one tick (or ``seconds``) of simulated time."""
        self.paused = True
        s = self.session
        dt = s.scenario.run.tick_s if seconds is None else seconds
        s.run_to(round(s.now + dt, 3))
        self.refresh()

    def toggle_pause(self) -> None:
        self.paused = not self.paused
        self._debt = 0.0
        if self.writer is not None and self.paused:
            self.write_clock()

    def set_speed(self, speed: float) -> None:
        self.speed = float(min(60.0, max(1.0, speed)))

    def write_clock(self) -> None:
        if self.writer is None or self.read_only:
            return
        try:
            self.writer.clock(self.session.now)
        except OSError as error:
            self.say(_("could not write the session file: {error}").format(error=error),
                     error=True)
        self._last_clock_write = self.wall()

    # ----------------------------------------------------------------- inputs
    def say(self, text: str, error: bool = False, seconds: float = 6.0) -> None:
        self.status = text
        self.status_until = self.wall() + seconds
        if error:
            self.errors += 1

    def _input(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self.read_only:
            self.say(_("replay is read-only: inputs are not recorded"))
            return None
        try:
            result = fn(*args, **kwargs)
        except HmtError as error:
            self.say(str(error), error=True)
            return None
        item = self.session.inputs[-1]
        if self.writer is not None:
            try:
                self.writer.append(item)
            except OSError as error:
                self.say(_("could not write the session file: {error}").format(error=error),
                         error=True)
        self.refresh()
        return result

    def decide(self, decision: int, choice: str, operator: int | None = None) -> Any:
        return self._input(self.session.decide, decision, choice, operator)

    def inspect(self, decision: int, operator: int | None = None) -> Any:
        return self._input(self.session.inspect, decision, operator)

    def inject(self, kind: str, **params: Any) -> Any:
        return self._input(self.session.inject, kind, **params)

    def set_level(self, action: str, level: int) -> Any:
        if self.session.levels.get(action) == int(level):
            return None
        return self._input(self.session.set_levels, {action: int(level)})

    def set_reliability(self, value: float) -> Any:
        value = round(float(value), 2)
        if abs(self.session.ai_reliability - value) < 1e-9:
            return None
        return self._input(self.session.set_reliability, value)

    def bookmark(self, label: str | None = None) -> Any:
        return self._input(self.session.bookmark, label or _("bookmark at {t}").format(
            t=clock(self.session.now)))

    # ----------------------------------------------------------------- views
    def my_pending(self) -> list[dict[str, Any]]:
        """Reviews waiting for a person in one of the human seats, oldest first (one card per
        seat: a two-person approval shows two). An answered seat leaves at once, although the
        answer takes effect when time next moves."""
        return [p for p in self.session.pending_decisions()
                if p["operator"] in self.human_seat_ops]

    def time_left(self, card: dict[str, Any]) -> float | None:
        if card.get("time_left_s") is not None:
            return float(card["time_left_s"])
        deadline = self.deadlines.get(card["decision"])
        return None if deadline is None else max(0.0, deadline - self.session.now)

    def active_alerts(self) -> list[str]:
        now = self.wall()
        return [text for until, text in self.alerts if until > now]

    def status_text(self) -> str:
        return self.status if self.wall() < self.status_until else ""

    # ----------------------------------------------------------------- replay
    def rebuild(self) -> None:
        """A fresh session at t=0 with the same scenario, seed, seats and inputs (replay)."""
        s = self.session
        inputs = self.record.inputs if self.record is not None else list(s.inputs)
        self.session = Session(s.scenario, seed=s.seed, human_seats=s.human_seats,
                               inputs=inputs, red_cell=s.red_cell)
        self._reset_derived()
        self.refresh()

    def scrub(self, t: float) -> None:
        """Move a replay to ``t`` by re-simulating (from the start when going back)."""
        t = max(0.0, min(float(t), self.session.duration))
        if t < self.session.now - 1e-9:
            self.rebuild()
        self.paused = True
        self.scrub_target = t

    def close(self) -> None:
        if self.writer is not None:
            self.write_clock()
            self.writer.close()
