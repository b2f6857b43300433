"""Space, motion and detection, vectorised.

Contacts live in NumPy arrays indexed by track id. Every contact a scenario could ever produce
(waves, traffic, rung-triggered waves, civilian surges) gets its id block up front, so a track's
id and its random stream depend only on the scenario, never on what happened earlier in the run.
One tick moves every live contact and tests every undetected one against every sensor with array
operations: the Python-level work per tick does not grow with the number of contacts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hmt_sim.scenario.schema import ContactKind, Point, Scenario, Traffic, Wave


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

    def name(self, index: int) -> str | None:
        return self.ids[index] if index >= 0 else None

    def index_at(self, x: float, y: float) -> int:
        """Region index of one point, -1 outside every region (first match wins)."""
        for i, ((x0, y0, x1, y1), _) in enumerate(self._rects):
            if x0 <= x <= x1 and y0 <= y <= y1:
                return i
        return -1

    def density_at(self, x: float, y: float) -> float:
        idx = self.index_at(x, y)
        return self._rects[idx][1] if idx >= 0 else 0.0


class World:
    """Positions, velocities and status of every contact; sensors; motion and detection."""

    def __init__(self, sc: Scenario, sources: list[Source]) -> None:
        n = sum(s.count for s in sources)
        self.n = n
        self.pos = np.zeros((n, 2))
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
        self.sensor_xy = np.array([[s.at.x, s.at.y] for s in sc.blue.sensors]).reshape(-1, 2)
        self.sensor_r2 = np.array([s.range_km**2 for s in sc.blue.sensors])
        self.asset = np.array([sc.blue.defended_asset.x, sc.blue.defended_asset.y])
        self.asset_radius = sc.blue.asset_radius_km
        self.regions = RegionMap(sc)
        self._alive_idx = np.zeros(0, dtype=int)

    def place(self, track: int, kind: ContactKind, kind_name: str, xy: np.ndarray,
              dest: np.ndarray, speed_factor: float, heads_to_asset: bool) -> None:
        self.pos[track] = xy
        self.dest[track] = dest
        self.speed_kmps[track] = kind.speed_mps * speed_factor / 1000.0
        self.alive[track] = True
        self.hostile[track] = kind.true_class == "hostile"
        self.heads_to_asset[track] = heads_to_asset
        self.arrive_radius[track] = self.asset_radius if heads_to_asset else 0.3
        self.kind_of[track] = kind_name
        self._refresh()

    def remove(self, track: int) -> None:
        self.alive[track] = False
        self._refresh()

    def _refresh(self) -> None:
        """Cache what a tick reads of the live contacts; it changes only when one comes or
        goes, far less often than every tick."""
        idx = np.flatnonzero(self.alive)
        self._alive_idx = idx
        self._dest_a = self.dest[idx]
        self._speed_a = self.speed_kmps[idx]
        self._radius_a = self.arrive_radius[idx]

    def alive_tracks(self) -> list[int]:
        """Ids of the contacts in the area now, in track order."""
        return self._alive_idx.tolist()

    def step(self, dt: float) -> tuple[list[int], list[int], list[tuple[int, int]]]:
        """Advance every live contact by ``dt`` seconds. Returns the ids that reached their
        destination, the ids that left the area, and the (track, sensor) pairs newly detected -
        each in track order, the last two among contacts that neither arrived nor left."""
        idx = self._alive_idx
        if idx.size == 0:
            return [], [], []
        p = self.pos[idx]
        delta = self._dest_a - p
        dist = np.hypot(delta[:, 0], delta[:, 1])
        step = self._speed_a * dt
        frac = np.minimum(1.0, step / np.maximum(dist, 1e-12))
        p += delta * frac[:, None]
        self.pos[idx] = p
        arrived = dist - step <= self._radius_a
        out = ~arrived & ((p[:, 0] < -5) | (p[:, 0] > self.width + 5) | (p[:, 1] < -5)
                          | (p[:, 1] > self.height + 5))
        detections: list[tuple[int, int]] = []
        if len(self.sensor_ids):
            candidates = ~(arrived | out | self.detected[idx])
            if candidates.any():
                pc = p[candidates]
                d2 = ((pc[:, None, :] - self.sensor_xy[None, :, :]) ** 2).sum(axis=2)
                within = d2 <= self.sensor_r2[None, :]
                hit = within.any(axis=1)
                if hit.any():
                    tracks = idx[candidates][hit]
                    self.detected[tracks] = True
                    detections = list(zip(tracks.tolist(),
                                          np.argmax(within[hit], axis=1).tolist(), strict=True))
        return idx[arrived].tolist(), idx[out].tolist(), detections

    def distance_to_asset(self, track: int) -> float:
        return float(np.hypot(*(self.pos[track] - self.asset)))

    def time_to_asset(self, track: int) -> float:
        """Seconds to the defended asset if it flew straight at it (the AI's view of threat)."""
        d = self.distance_to_asset(track) - self.asset_radius
        return max(0.0, d) / max(self.speed_kmps[track], 1e-9)

    def region_of(self, track: int) -> tuple[int, str | None]:
        idx = self.regions.index_at(float(self.pos[track, 0]), float(self.pos[track, 1]))
        return idx, self.regions.name(idx)

    def time_to_reach(self, track: int, x: float, y: float, radius_km: float) -> float:
        """Seconds until the contact, flying straight on, is within ``radius_km`` of (x, y):
        0 if it already is, ``inf`` if it never will be before its route ends."""
        px, py = float(self.pos[track, 0]), float(self.pos[track, 1])
        dx, dy = float(self.dest[track, 0]) - px, float(self.dest[track, 1]) - py
        rx, ry = px - x, py - y
        if rx * rx + ry * ry <= radius_km * radius_km:
            return 0.0
        length = math.hypot(dx, dy)
        speed = float(self.speed_kmps[track])
        if length <= 1e-12 or speed <= 0.0:
            return math.inf
        ux, uy = dx / length, dy / length
        # |r + u s|^2 = R^2 for the distance s flown along the route
        b = rx * ux + ry * uy
        c = rx * rx + ry * ry - radius_km * radius_km
        disc = b * b - c
        if disc < 0:
            return math.inf
        s = -b - math.sqrt(disc)
        if s < 0 or s > length:
            return math.inf
        return s / speed
