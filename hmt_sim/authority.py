"""Authority: who may do what, right now - the autonomy levels and rules of engagement in
force, the stop order (kill switch), communications with the operators, and the envelope of
autonomous force. Injects and facilitator inputs change it; the decision pipeline asks it.

It owns this state so that nothing else writes it: a level change, an ROE change, a kill switch
or a comms loss goes through one of its methods, and every question about what is in force has
one answer.
"""

from __future__ import annotations

from collections.abc import Mapping

import simpy

from hmt_sim import actions
from hmt_sim.autonomy import ProtocolSpec, degree_of_automation, spec
from hmt_sim.scenario.schema import ROE, Autonomy


class Authority:
    """The authorities in force during one run (levels, ROE, stop order, comms, envelope)."""

    def __init__(self, env: simpy.Environment, autonomy: Autonomy, roe: ROE) -> None:
        self._env = env
        self._autonomy = autonomy
        self._levels: dict[str, int] = {a: _level_of(autonomy, a) for a in actions.names()}
        self._roe = roe
        self._kill_switch_at: float | None = None
        self._comms_up = True
        self._comms_down_until = 0.0
        self._comms_restored = env.event()
        self._roe_changed = env.event()
        self._autonomous_force = 0

    # ------------------------------------------------------------------ levels
    @property
    def levels(self) -> dict[str, int]:
        """The level in force per action class (a copy: change it with ``set_levels``)."""
        return dict(self._levels)

    def level(self, action: str) -> int:
        """The configured level of an action class now (before any gate refers it)."""
        return self._levels[action]

    def protocol(self, action: str) -> ProtocolSpec:
        """The protocol record of the level in force for ``action``."""
        return spec(self._levels[action])

    def set_levels(self, levels: Mapping[str, int]) -> dict[str, int]:
        """Change some levels (already checked); returns all levels now in force."""
        self._levels.update(levels)
        return dict(self._levels)

    def noticing(self, level: int) -> float:
        """Factor on the operator's chance of noticing an AI failure: 1 - e x DOA (Onnasch et
        al. 2014 [S direction], DOMAIN.md s.1 [P]), with DOA over the four stages; 1 when the
        scenario gives no stage levels."""
        stages = self._autonomy.stages
        if stages is None:
            return 1.0
        doa = degree_of_automation((stages.acquisition, stages.analysis, level, level))
        return 1.0 - self._autonomy.doa_effect * doa

    @property
    def veto_window_s(self) -> float:
        """The configured veto window (level 6), before any ROE floor."""
        return self._autonomy.veto_window_s

    # ------------------------------------------------------------------ rules of engagement
    @property
    def roe(self) -> ROE:
        """The rules of engagement in force (immutable; replaced whole by ``set_roe``)."""
        return self._roe

    def set_roe(self, roe: ROE) -> None:
        """Put new rules of engagement in force (a roe_change inject)."""
        self._roe = roe
        changed, self._roe_changed = self._roe_changed, self._env.event()
        changed.succeed()

    @property
    def roe_changed(self) -> simpy.Event:
        """An event that fires the next time the rules of engagement change (a held force
        gate waits on it rather than polling)."""
        return self._roe_changed

    # ------------------------------------------------------------------ stop order
    @property
    def kill_switch_at(self) -> float | None:
        """When the stop order takes (or took) effect; None when none was given."""
        return self._kill_switch_at

    def order_stop(self) -> float:
        """The kill switch: autonomous action stops ``roe.kill_switch_s`` from now."""
        self._kill_switch_at = float(self._env.now) + self._roe.kill_switch_s
        return self._kill_switch_at

    def stop_ordered(self) -> bool:
        """A stop order has been given (it may not have taken effect yet)."""
        return self._kill_switch_at is not None

    def stop_in_force(self) -> bool:
        """The stop order has taken effect: autonomous action is halted."""
        return self._kill_switch_at is not None and float(self._env.now) >= self._kill_switch_at

    # ------------------------------------------------------------------ communications
    @property
    def comms_up(self) -> bool:
        """Can operators be reached (a comms loss stops new reviews from starting)?"""
        return self._comms_up

    @property
    def comms_restored(self) -> simpy.Event:
        """An event that fires when communications come back (a fresh one per outage)."""
        return self._comms_restored

    def lose_comms(self, duration_s: float) -> None:
        """An outage from now; overlapping outages end when the last one ends."""
        self._comms_up = False
        self._comms_down_until = max(self._comms_down_until,
                                     float(self._env.now) + duration_s)

    def restore_comms(self) -> bool:
        """End the outage if no later one is still on; True when comms came back now."""
        if self._comms_up or float(self._env.now) < self._comms_down_until:
            return False
        self._comms_up = True
        restored, self._comms_restored = self._comms_restored, self._env.event()
        restored.succeed()
        return True

    # ------------------------------------------------------------------ envelope
    @property
    def autonomous_force_count(self) -> int:
        """Uses of force (and jamming) carried out on the AI's own authority so far."""
        return self._autonomous_force

    def count_autonomous_force(self) -> None:
        """Record one autonomous use of force (for the envelope's ``n_max``)."""
        self._autonomous_force += 1

    def in_envelope(self, x: float, y: float) -> bool:
        """Is autonomous force authorised at (x, y) now (area, time and scale limits)?"""
        envelope = self._roe.envelope
        if envelope.rect is not None:
            x0, y0, x1, y1 = envelope.rect
            if not (x0 <= x <= x1 and y0 <= y <= y1):
                return False
        if envelope.t_max_s is not None and float(self._env.now) > envelope.t_max_s:
            return False
        return not (envelope.n_max is not None and self._autonomous_force >= envelope.n_max)


def _level_of(autonomy: Autonomy, action: str) -> int:
    """The scenario's level for an action class, or the class's default when it names none."""
    return autonomy.levels.get(action, actions.get(action).default_level)
