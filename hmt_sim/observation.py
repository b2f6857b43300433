"""What the sensors show of a contact: the only input a feature classifier gets.

An ``Observation`` holds observable features, never the truth: the signature category of the
contact's kind (what a radar or camera can tell: ``civil_aircraft``, ``small_uas`` ...), its
measured speed and heading, how directly it is heading for the defended asset, the region it is
over, and two cues - a civil transponder reply and a military emitter (radar, datalink) - each
read with the probability its kind declares. Speed and heading carry sensor noise
(``ai.sensing``); the drift shift D_t of the ``ai_degradation`` inject widens that noise, and a
``spoofing`` inject over a region makes both cues there read at random (deception).

Each reading draws four numbers, in a fixed order, from the track's own ``sense/<track key>``
stream, which nothing else uses: choosing a feature classifier shifts no other random draw, so
runs with different classifiers stay paired (common random numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from hmt_sim.rng import Streams
    from hmt_sim.scenario.schema import ContactKind, Sensing

SPOOFED_CUE_P = 0.5
"""Chance that a cue reads present in a spoofed region, whatever the contact is [P]."""


@dataclass(frozen=True, slots=True)
class Observation:
    """One sensor reading of a contact (slots: no other attribute can be attached)."""

    t: float  # simulation time of the reading, s
    category: str  # signature category of the contact's kind
    speed_mps: float  # measured ground speed, m/s (noisy)
    heading_deg: float  # measured course over ground, degrees clockwise from north (noisy)
    aspect_deg: float  # angle between that course and the bearing to the defended asset, 0-180
    distance_km: float  # distance to the defended asset, km
    region: str | None  # region the contact is over (None: open area)
    transponder: bool  # a civil transponder reply was received
    emitter: bool  # a military emitter (radar, datalink) was detected

    def as_dict(self) -> dict[str, object]:
        """The features as a plain mapping (for tables and feature encoders)."""
        return {name: getattr(self, name) for name in self.__slots__}


def _bearing_deg(dx: float, dy: float) -> float:
    return math.degrees(math.atan2(dx, dy)) % 360.0


def observe(kind: ContactKind, *, pos: np.ndarray, dest: np.ndarray, speed_kmps: float,
            asset: np.ndarray, region: str | None, t: float, sensing: Sensing,
            rng: np.random.Generator, shift: float = 0.0, spoofed: bool = False
            ) -> Observation:
    """A noisy reading of a contact at ``pos`` flying toward ``dest`` at ``speed_kmps``.

    Draw order (fixed): speed noise, heading noise, transponder, emitter."""
    z_speed, z_heading = rng.standard_normal(2)
    u_transponder, u_emitter = rng.random(2)
    widen = 1.0 + max(0.0, shift)
    speed = speed_kmps * 1000.0 * max(0.0, 1.0 + sensing.speed_sigma * widen * float(z_speed))
    dx, dy = float(dest[0] - pos[0]), float(dest[1] - pos[1])
    course = _bearing_deg(dx, dy) if math.hypot(dx, dy) > 1e-12 else 0.0
    heading = (course + sensing.heading_sigma_deg * widen * float(z_heading)) % 360.0
    ax, ay = float(asset[0] - pos[0]), float(asset[1] - pos[1])
    distance = math.hypot(ax, ay)
    to_asset = _bearing_deg(ax, ay) if distance > 1e-12 else heading
    aspect = abs((heading - to_asset + 180.0) % 360.0 - 180.0)
    p_transponder = SPOOFED_CUE_P if spoofed else kind.transponder
    p_emitter = SPOOFED_CUE_P if spoofed else kind.emitter
    return Observation(
        t=float(t), category=kind.category, speed_mps=speed, heading_deg=heading,
        aspect_deg=aspect, distance_km=distance, region=region,
        transponder=bool(u_transponder < p_transponder), emitter=bool(u_emitter < p_emitter),
    )


@dataclass(frozen=True, slots=True)
class Sighting:
    """Where to read a track from, handed to the AI with each case: the world's arrays, the
    track, its kind and its stream key. Nothing is read (and no stream made) unless a feature
    classifier asks, so the built-in model costs nothing extra."""

    world: Any  # hmt_sim.world.World: pos, dest, speed_kmps, asset
    track: int
    kind: ContactKind
    streams: Streams
    stream_key: str

    def read(self, region: str | None, t: float, sensing: Sensing, shift: float = 0.0,
             spoofed: bool = False) -> Observation:
        """One reading now, from the track's ``sense/<stream key>`` stream."""
        w = self.world
        return observe(
            self.kind, pos=np.array(w.xy(self.track)), dest=w.dest[self.track],
            speed_kmps=float(w.speed_kmps[self.track]), asset=w.asset, region=region, t=t,
            sensing=sensing, rng=self.streams.get(f"sense/{self.stream_key}"), shift=shift,
            spoofed=spoofed,
        )
