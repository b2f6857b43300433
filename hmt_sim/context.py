"""The narrow context the decision pipeline works in: the owned pieces of a run it may ask and
tell, and nothing else (not the model, its sources, its spawner or its run control).

Each piece owns its own state - ``Authority`` (levels, ROE, stop order, comms, envelope),
``OperatorPool`` (seats and reviews), ``Effectors`` (reach and protected sites), ``Assessments``
(the AI's calls and revealed truth) - so a pipeline step changes state only through their methods.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import simpy

from hmt_sim.actions import ActionClass
from hmt_sim.agents.ai import AIAgent
from hmt_sim.agents.contacts import ContactAgent
from hmt_sim.assessments import Assessments
from hmt_sim.authority import Authority
from hmt_sim.crew import OperatorPool
from hmt_sim.effectors import Effectors
from hmt_sim.escalation import EscalationAgent
from hmt_sim.events import EventLog
from hmt_sim.rng import Streams
from hmt_sim.scenario.schema import AIProfile, Operators, Pushes
from hmt_sim.wording import Wording
from hmt_sim.world import World


@dataclass(frozen=True, eq=False)
class DecisionContext:
    """What one run's decision processes share (built once by the model)."""

    env: simpy.Environment
    log: EventLog
    streams: Streams
    world: World
    contacts: dict[int, ContactAgent]
    stream_key: dict[int, str]
    ai: AIAgent
    ai_profile: AIProfile
    operator_spec: Operators
    authority: Authority
    crew: OperatorPool
    effectors: Effectors
    escalation: EscalationAgent
    pushes: Pushes
    assessments: Assessments
    advantage_by_category: dict[str, float]
    tick_s: float
    d_prime_of: dict[str, float] = field(default_factory=dict)  # kind -> d' vs its look-alikes
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # decision id -> its explanation's parts, so screens word it in the room's language
    wordings: dict[int, Wording] = field(default_factory=dict)
    # contact kind -> (the action ladder it was worked out from, the action classes usable on
    # it): fixed while the table is (this run's effectors never change)
    usable_of: dict[str, tuple[tuple[ActionClass, ...], frozenset[str]]] = field(
        default_factory=dict)

    @property
    def now(self) -> float:
        """Simulation time (seconds)."""
        return float(self.env.now)

    def new_decision_id(self) -> int:
        """The next decision number of the run (1, 2, ...)."""
        return next(self._ids)

    def region(self, track: int) -> str | None:
        """The region a track is in now (None: open country)."""
        return self.world.region_of(track)[1]

    def drift_detected(self) -> bool:
        """An out-of-distribution detector is fitted and sees a shift now."""
        return self.ai_profile.ood_detector and self.ai.shift_at(self.now) > 0

    def spoofed(self, track: int) -> bool:
        """Does spoofing corrupt the sensor picture where ``track`` is now?"""
        if not self.ai.spoofing:
            return False
        region = self.region(track)
        return any(where is None or where == region for where, _, _ in self.ai.spoofing)

    def d_prime(self, track: int) -> float:
        """How well a person can tell this track's kind from its look-alikes (d')."""
        c = self.contacts[track]
        return self.d_prime_of.get(c.kind_name, self.operator_spec.judgement.d_prime_default)

    def neutralise(self, track: int) -> None:
        """An effect defeated the contact: it leaves the world and the truth about the AI's
        call on it is revealed later."""
        self.contacts[track].status = "neutralised"
        self.world.remove(track)
        self.assessments.track_done(track)

    def in_envelope(self, track: int) -> bool:
        """Is autonomous force authorised where ``track`` is, now?"""
        x, y = self.world.xy(track)
        return self.authority.in_envelope(x, y)
