"""Space, motion and detection, event-driven.

Contacts live in arrays indexed by track id. Every contact a scenario could ever produce (waves,
traffic, rung-triggered waves, civilian surges) gets its id block up front, so a track's id and
its random stream depend only on the scenario, never on what happened earlier in the run.

There is no world tick. A contact flies a straight line at constant speed, so its position at
any time is computed on demand from where and when it started (``xy``, ``pos``), and the moments
that matter - entering a sensor's cover, reaching its destination, leaving the area, crossing a
region's edge or a circle (an effector's reach, a protected site) - are solved for in closed form
when it is placed (``route``) or asked (``next_crossing``). The model schedules them as SimPy
events. Computed times are moved to the first whole millisecond after the crossing
(``RESOLUTION_S``): far below any sensor, human or weapon time scale, and it makes a state read at
the event already past the crossing - not on its edge, nor a floating-point hair short of it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from hmt_sim.scenario.schema import ContactKind, Point, Scenario, Traffic, Wave

RESOLUTION_S = 0.001
"""Crossing times move to the first step of this resolution after them (seconds); see the module
docstring."""

AREA_MARGIN_KM = 5.0
"""A contact has left the area once it is this far beyond its edge."""


@dataclass(frozen=True, slots=True)
class Source:
    """A block of contact ids that spawn together (a wave, a traffic stream, a surge)."""

    key: str  # stable name used for random streams, e.g. "wave0", "traffic1", "inject2"
    first_id: int
    count: int
    kind: str
    origin: Point
    destination: Point | None  # None: the defended asset
    spread_km: float
    start_s: float
    interval_s: float
    trigger_rung: int | None
    heads_to_asset: bool
    on_inject: bool = False  # spawned by its civilian_surge inject, not at the start


def plan_sources(sc: Scenario) -> list[Source]:
    """Give every possible contact an id, in scenario order."""
    sources: list[Source] = []
    next_id = 0

    def add(key: str, item: Wave | Traffic, trigger: int | None, start: float,
            on_inject: bool = False) -> None:
        nonlocal next_id
        if isinstance(item, Wave):
            dest, hta, spread_dest = item.target, item.target is None, item.spread_km
        else:
            dest, hta, spread_dest = item.destination, False, item.spread_km
        sources.append(
            Source(key, next_id, item.count, item.kind, item.origin, dest, spread_dest,
                   start, item.interval_s, trigger, hta, on_inject)
        )
        next_id += item.count

    for i, wave in enumerate(sc.red.waves):
        add(f"wave{i}", wave, wave.trigger_rung, wave.at_s)
    for i, tr in enumerate(sc.traffic):
        add(f"traffic{i}", tr, None, tr.start_s)
    for i, inj in enumerate(sc.injects):
        if inj.kind == "civilian_surge":
            add(f"inject{i}", inj.traffic, None, max(inj.at_s, inj.traffic.start_s), True)
    return sources


class RegionMap:
    """Point -> region index and civilian density over rectangles (first match wins)."""

    def __init__(self, sc: Scenario) -> None:
        self.ids: list[str] = [r.id for r in sc.area.regions]
        # Plain tuples: lookups are one point at a time, faster than NumPy on a few rectangles.
        self._rects = [(r.rect, r.civilian_density_per_km2) for r in sc.area.regions]

    @property
    def rects(self) -> list[tuple[float, float, float, float]]:
        """Each region's rectangle (x0, y0, x1, y1), in scenario order."""
        return [rect for rect, _ in self._rects]

    def name(self, index: int) -> str | None:
        """The region id at ``index``; None for -1 (open country)."""
        return self.ids[index] if index >= 0 else None

    def index_at(self, x: float, y: float) -> int:
        """Region index of one point, -1 outside every region (first match wins)."""
        for i, ((x0, y0, x1, y1), _) in enumerate(self._rects):
            if x0 <= x <= x1 and y0 <= y <= y1:
                return i
        return -1

    def density_at(self, x: float, y: float) -> float:
        """Civilians per km^2 at a point (0 in open country)."""
        idx = self.index_at(x, y)
        return self._rects[idx][1] if idx >= 0 else 0.0


class Clock(Protocol):
    """Where the world reads the time: anything with a ``now`` in seconds (SimPy's
    ``Environment``)."""

    @property
    def now(self) -> float: ...


class _OwnClock:
    """The world's own clock, moved by ``World.set_time``."""

    __slots__ = ("now",)

    def __init__(self) -> None:
        self.now = 0.0


def round_up(t: float) -> float:
    """The first whole step of the world's resolution strictly after ``t`` (a crossing exactly
    on a step moves to the next one: at the event the contact is past it, not on its edge)."""
    return (math.floor(t / RESOLUTION_S + 1e-6) + 1) * RESOLUTION_S


@dataclass(frozen=True, slots=True)
class Route:
    """What will happen to a placed contact if nothing stops it: when (absolute seconds, on the
    resolution grid) it ends its route - ``end`` is ``"arrived"`` (within its arrival radius of
    its destination) or ``"left"`` (beyond the area's margin) - and when and by which sensor it
    is first detected (``detect_s`` is ``inf`` if never, always before the end)."""

    end_s: float
    end: str
    detect_s: float
    sensor: int


class World:
    """Positions (computed from straight-line motion), status and sensors of every contact;
    the closed-form times of its crossings. ``clock.now`` is the simulation time (the model
    passes SimPy's environment); without one, ``set_time`` moves a clock of the world's own."""

    def __init__(self, sc: Scenario, sources: list[Source], clock: Clock | None = None) -> None:
        n = sum(s.count for s in sources)
        self.n = n
        self._clock: Clock = clock if clock is not None else _OwnClock()
        # Motion: position p0 at time t0, velocity v (km/s) for dur seconds, then still.
        self._p0 = np.zeros((n, 2))
        self._v = np.zeros((n, 2))
        self._t0 = np.zeros(n)
        self._dur = np.zeros(n)
        self._motion: list[tuple[float, float, float, float, float, float]] = [
            (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)] * n
        self.dest = np.zeros((n, 2))
        self.speed_kmps = np.zeros(n)
        self.alive = np.zeros(n, dtype=bool)
        self.detected = np.zeros(n, dtype=bool)
        self.hostile = np.zeros(n, dtype=bool)
        self.heads_to_asset = np.zeros(n, dtype=bool)
        self.arrive_radius = np.zeros(n)
        self.kind_of: list[str] = [""] * n
        self.width = sc.area.width_km
        self.height = sc.area.height_km
        self.sensor_ids = [s.id for s in sc.blue.sensors]
        self._sensors = [(s.at.x, s.at.y, s.range_km) for s in sc.blue.sensors]
        self.sensor_xy = np.array([[s.at.x, s.at.y] for s in sc.blue.sensors]).reshape(-1, 2)
        self.sensor_r2 = np.array([s.range_km**2 for s in sc.blue.sensors])
        self.asset = np.array([sc.blue.defended_asset.x, sc.blue.defended_asset.y])
        self._asset_xy = (sc.blue.defended_asset.x, sc.blue.defended_asset.y)
        self.asset_radius = sc.blue.asset_radius_km
        self.regions = RegionMap(sc)
        self._routes: dict[int, Route] = {}
        self._alive_idx: np.ndarray | None = np.zeros(0, dtype=int)  # None: to recompute
        self._pos_at: float | None = None
        self._pos = np.zeros((n, 2))

    # ------------------------------------------------------------------ clock and motion
    @property
    def now(self) -> float:
        """The simulation time the world's positions are read at."""
        return float(self._clock.now)

    def set_time(self, t: float) -> None:
        """Move the world's own clock (only without an outside ``clock``)."""
        if not isinstance(self._clock, _OwnClock):
            raise RuntimeError("this world reads an outside clock")
        self._clock.now = float(t)

    def place(self, track: int, kind: ContactKind, kind_name: str, xy: np.ndarray,
              dest: np.ndarray, speed_factor: float, heads_to_asset: bool) -> Route:
        """Put a contact at ``xy`` now, flying straight to ``dest``; returns its ``Route``."""
        now = self.now
        x0, y0 = float(xy[0]), float(xy[1])
        dx, dy = float(dest[0]) - x0, float(dest[1]) - y0
        length = math.hypot(dx, dy)
        speed = kind.speed_mps * speed_factor / 1000.0
        if length > 1e-12 and speed > 0.0:
            vx, vy, dur = dx / length * speed, dy / length * speed, length / speed
        else:
            vx, vy, dur = 0.0, 0.0, 0.0
        self._motion[track] = (x0, y0, vx, vy, now, dur)
        self._p0[track] = (x0, y0)
        self._v[track] = (vx, vy)
        self._t0[track] = now
        self._dur[track] = dur
        self.dest[track] = dest
        self.speed_kmps[track] = speed
        self.alive[track] = True
        self.hostile[track] = kind.true_class == "hostile"
        self.heads_to_asset[track] = heads_to_asset
        radius = self.asset_radius if heads_to_asset else 0.3
        self.arrive_radius[track] = radius
        self.kind_of[track] = kind_name
        self._alive_idx = None
        self._pos_at = None
        route = self._route(x0, y0, vx, vy, length, speed, radius, now)
        self._routes[track] = route
        return route

    def _route(self, x0: float, y0: float, vx: float, vy: float, length: float, speed: float,
               radius: float, now: float) -> Route:
        """Closed-form arrival, exit and first detection of a straight flight from now."""
        arrive = max(0.0, length - radius) / speed if speed > 0.0 and length > 1e-12 else (
            0.0 if length <= radius else math.inf)
        leave = _box_exit(x0, y0, vx, vy, -AREA_MARGIN_KM, -AREA_MARGIN_KM,
                          self.width + AREA_MARGIN_KM, self.height + AREA_MARGIN_KM)
        end_t, end = (arrive, "arrived") if arrive <= leave else (leave, "left")
        detect, sensor = math.inf, -1
        for i, (sx, sy, r) in enumerate(self._sensors):
            s = _circle_entry(x0 - sx, y0 - sy, vx, vy, r)
            if s < detect:
                detect, sensor = s, i
        if not detect < end_t:
            detect, sensor = math.inf, -1
        return Route(round_up(now + end_t) if math.isfinite(end_t) else math.inf, end,
                     round_up(now + detect) if math.isfinite(detect) else math.inf, sensor)

    def route(self, track: int) -> Route:
        """The route computed when the contact was placed."""
        return self._routes[track]

    def remove(self, track: int) -> None:
        """The contact leaves the world where it is now (it no longer moves)."""
        x, y = self.xy(track)
        now = self.now
        self._motion[track] = (x, y, 0.0, 0.0, now, 0.0)
        self._p0[track] = (x, y)
        self._v[track] = (0.0, 0.0)
        self._t0[track] = now
        self._dur[track] = 0.0
        self.alive[track] = False
        self._alive_idx = None
        self._pos_at = None

    def mark_detected(self, track: int) -> None:
        """A sensor has seen the contact."""
        self.detected[track] = True

    def xy(self, track: int) -> tuple[float, float]:
        """Where one contact is now (km)."""
        x0, y0, vx, vy, t0, dur = self._motion[track]
        dt = self._clock.now - t0
        dt = dur if dt > dur else (dt if dt > 0.0 else 0.0)
        return x0 + vx * dt, y0 + vy * dt

    @property
    def pos(self) -> np.ndarray:
        """Every contact's position now, an (n, 2) array (computed once per time it is read;
        treat it as read-only)."""
        now = self.now
        if self._pos_at != now:
            dt = np.clip(now - self._t0, 0.0, self._dur)
            self._pos = self._p0 + self._v * dt[:, None]
            self._pos_at = now
        return self._pos

    def alive_tracks(self) -> list[int]:
        """Ids of the contacts in the area now, in track order."""
        if self._alive_idx is None:
            self._alive_idx = np.flatnonzero(self.alive)
        return self._alive_idx.tolist()

    # ------------------------------------------------------------------ questions about a track
    def distance_to_asset(self, track: int) -> float:
        """Straight-line distance (km) from the contact to the defended asset's centre."""
        x, y = self.xy(track)
        return math.hypot(x - self._asset_xy[0], y - self._asset_xy[1])

    def time_to_asset(self, track: int) -> float:
        """Seconds to the defended asset if it flew straight at it (the AI's view of threat)."""
        d = self.distance_to_asset(track) - self.asset_radius
        return max(0.0, d) / max(float(self.speed_kmps[track]), 1e-9)

    def region_of(self, track: int) -> tuple[int, str | None]:
        """The region (index, id) the contact is in now; (-1, None) in open country."""
        x, y = self.xy(track)
        idx = self.regions.index_at(x, y)
        return idx, self.regions.name(idx)

    def _remaining(self, track: int) -> tuple[float, float, float, float, float]:
        """(x, y, vx, vy, seconds of flight left) of the contact now."""
        x0, y0, vx, vy, t0, dur = self._motion[track]
        dt = min(max(self.now - t0, 0.0), dur)
        return x0 + vx * dt, y0 + vy * dt, vx, vy, dur - dt

    def time_to_reach(self, track: int, x: float, y: float, radius_km: float) -> float:
        """Seconds until the contact, flying straight on, is within ``radius_km`` of (x, y):
        0 if it already is, ``inf`` if it never will be before its route ends."""
        px, py, vx, vy, left = self._remaining(track)
        s = _circle_entry(px - x, py - y, vx, vy, radius_km)
        return s if s <= left else math.inf

    def next_crossing(self, track: int, circles: Iterable[tuple[float, float, float]] = (),
                      regions: bool = True) -> float:
        """Seconds until the contact, flying straight on, next crosses the edge of a circle
        (x, y, radius) - into or out of it - or of a region (when ``regions``): the moments
        where what depends on its place can change. ``inf`` if none before it stops."""
        px, py, vx, vy, left = self._remaining(track)
        if left <= 0.0:
            return math.inf
        best = math.inf
        for cx, cy, r in circles:
            for s in _circle_crossings(px - cx, py - cy, vx, vy, r):
                if 0.0 < s < best:
                    best = s
        if regions:
            for x0, y0, x1, y1 in self.regions.rects:
                for s in _box_crossings(px, py, vx, vy, x0, y0, x1, y1):
                    if 0.0 < s < best:
                        best = s
        return best if best <= left else math.inf


def _circle_crossings(rx: float, ry: float, vx: float, vy: float, r: float
                      ) -> tuple[float, ...]:
    """Times t where |(rx, ry) + v t| = r (none, or the two roots in order)."""
    a = vx * vx + vy * vy
    if a <= 0.0:
        return ()
    b = rx * vx + ry * vy
    c = rx * rx + ry * ry - r * r
    disc = b * b - a * c
    if disc < 0.0:
        return ()
    root = math.sqrt(disc)
    return ((-b - root) / a, (-b + root) / a)


def _circle_entry(rx: float, ry: float, vx: float, vy: float, r: float) -> float:
    """The first time t >= 0 at which |(rx, ry) + v t| <= r: 0 if inside now, inf if never."""
    if rx * rx + ry * ry <= r * r:
        return 0.0
    roots = _circle_crossings(rx, ry, vx, vy, r)
    if not roots or roots[0] < 0.0:
        return math.inf  # no crossing, or the circle lies behind
    return roots[0]


def _box_exit(x: float, y: float, vx: float, vy: float, x0: float, y0: float, x1: float,
              y1: float) -> float:
    """The time a point leaves the box moving at v: 0 if outside now, inf if never."""
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return 0.0
    out = math.inf
    for p, v, lo, hi in ((x, vx, x0, x1), (y, vy, y0, y1)):
        if v > 0.0:
            out = min(out, (hi - p) / v)
        elif v < 0.0:
            out = min(out, (lo - p) / v)
    # strictly beyond the edge, as the old ``x > width + 5`` test: the same instant in exact
    # arithmetic; the resolution rounding puts the event past it
    return out


def _box_crossings(x: float, y: float, vx: float, vy: float, x0: float, y0: float, x1: float,
                   y1: float) -> tuple[float, ...]:
    """Times at which a point moving at v enters or leaves the box (the slab method)."""
    t_in, t_out = -math.inf, math.inf
    for p, v, lo, hi in ((x, vx, x0, x1), (y, vy, y0, y1)):
        if v == 0.0:
            if not lo <= p <= hi:
                return ()
            continue
        a, b = (lo - p) / v, (hi - p) / v
        if a > b:
            a, b = b, a
        # max(t_in, a) and min(t_out, b), without the calls
        if a > t_in:
            t_in = a
        if b < t_out:
            t_out = b
    if t_in > t_out:
        return ()
    return (t_in, t_out)
