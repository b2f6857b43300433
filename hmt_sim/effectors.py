"""Effectors: blue's means of acting on a track - which ones serve an action class, which one can
reach a track now, when the first one will, and what lies within the collateral radius
(protected sites).

Positions come from the world; this object owns only the answers about reach, so the decision
pipeline never computes distances itself.
"""

from __future__ import annotations

import math

from hmt_sim.scenario.schema import Effector, ProtectedSite
from hmt_sim.world import World


class Effectors:
    """Blue's effectors and protected sites, answering questions about one track at a time."""

    def __init__(self, effectors: tuple[Effector, ...], sites: tuple[ProtectedSite, ...],
                 world: World) -> None:
        self._by_action: dict[str, list[Effector]] = {}
        for eff in effectors:
            self._by_action.setdefault(eff.action, []).append(eff)
        self._sites = sites
        self._world = world

    def for_action(self, action: str) -> list[Effector]:
        """The effectors that carry out ``action`` (scenario order)."""
        return self._by_action.get(action, [])

    def has(self, action: str) -> bool:
        """Is there any effector for ``action``?"""
        return bool(self._by_action.get(action))

    def max_time_to_effect(self, action: str) -> float:
        """The slowest flight or dwell time among the action's effectors (0 with none)."""
        return max((e.time_to_effect_s for e in self.for_action(action)), default=0.0)

    def in_range(self, track: int, action: str) -> Effector | None:
        """The most effective effector for ``action`` that reaches ``track`` now, or None."""
        best: Effector | None = None
        x, y = self._world.xy(track)
        for eff in self.for_action(action):
            if math.hypot(x - eff.at.x, y - eff.at.y) <= eff.range_km and (
                best is None or eff.p_success > best.p_success
            ):
                best = eff
        return best

    def time_to_reach(self, track: int, action: str) -> float:
        """Seconds until the first effector for ``action`` can reach ``track`` flying straight
        on (0 if one does now; ``inf`` if none ever will)."""
        return min((self._world.time_to_reach(track, e.at.x, e.at.y, e.range_km)
                    for e in self.for_action(action)), default=math.inf)

    def gate_circles(self, action: str) -> list[tuple[float, float, float]]:
        """The circles (x, y, radius km) whose edges a track crosses where a force gate's
        inputs for ``action`` change: each effector's reach (which one would fire, so the
        collateral radius) and each protected site's radius widened by each collateral
        radius."""
        effs = self.for_action(action)
        circles = [(e.at.x, e.at.y, e.range_km) for e in effs]
        for cer in sorted({e.collateral_radius_m for e in effs}):
            circles += [(s.at.x, s.at.y, s.radius_km + cer / 1000.0) for s in self._sites]
        return circles

    def near_protected_site(self, track: int, cer_m: float) -> str | None:
        """The first protected site within the collateral radius of ``track``, or None."""
        x, y = self._world.xy(track)
        for site in self._sites:
            if math.hypot(x - site.at.x, y - site.at.y) <= site.radius_km + cer_m / 1000.0:
                return site.id
        return None
