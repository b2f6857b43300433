"""The escalation ladder and action-reaction dynamics between blue and red (DOMAIN.md s.5).

Each side's rung moves at fixed reaction times by
``r <- clip(r + round(k (r_hat_other - r) + G + eps))`` with ``G`` the pushes of events since the
last reaction. A step is *inadvertent* when, with the same noise draws, it would not have happened
without the pushes caused by wrongful engagements: the cause is traced, not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import mesa
import numpy as np

from hmt_sim.scenario.schema import Escalation

if TYPE_CHECKING:
    from hmt_sim.model import HMTModel

TOP_RUNG = 7
RUNG_NAMES = (
    "sub-crisis manoeuvring",
    "traditional crisis",
    "intense crisis",
    "limited conventional strikes",
    "large conventional war",
    "nuclear signalling",
    "limited nuclear use",
    "central war",
)
THRESHOLD_RUNGS = (1, 2, 6)

# Escalation score weights by category, after Rivera et al. (2024)'s scoring code, version 1.
SCORE_TABLE_V1 = {
    "de_escalation": -2,
    "status_quo": 0,
    "posturing": 4,
    "non_violent_escalation": 12,
    "violent_escalation": 28,
    "nuclear": 60,
}


@dataclass
class Push:
    amount: float
    reason: str
    cause_seq: int
    wrongful: bool


@dataclass
class Side:
    name: str
    rung: int
    pending: list[Push] = field(default_factory=list)


class EscalationAgent(mesa.Agent):
    """Both sides' postures. The adversary's own stream supplies perception and reaction noise:
    four draws per reaction, always, so the draws line up across runs that differ elsewhere."""

    def __init__(self, model: HMTModel, spec: Escalation, stream: np.random.Generator) -> None:
        super().__init__(model)
        self.spec = spec
        self.stream = stream
        self.sides = {
            "red": Side("red", spec.start_rung_red),
            "blue": Side("blue", spec.start_rung_blue),
        }

    def rung(self, side: str) -> int:
        return self.sides[side].rung

    def push(self, side: str, amount: float, reason: str, cause_seq: int, wrongful: bool) -> None:
        if amount:
            self.sides[side].pending.append(Push(amount, reason, cause_seq, wrongful))

    def react(self) -> list[tuple[str, int, int, list[int], bool, str]]:
        """One reaction of both sides; returns the steps taken (side, from, to, causes,
        inadvertent, reason)."""
        draws = self.stream.standard_normal(4)
        steps = []
        # Both sides react to the rungs as they stood before this reaction (simultaneous moves).
        before = {name: s.rung for name, s in self.sides.items()}
        for i, (name, other) in enumerate((("red", "blue"), ("blue", "red"))):
            side = self.sides[name]
            perceived = before[other] + self.spec.perception_sd * draws[2 * i]
            eps = self.spec.noise_sd * draws[2 * i + 1]
            drive = self.spec.gain * (perceived - side.rung) + eps
            total = sum(p.amount for p in side.pending)
            clean = sum(p.amount for p in side.pending if not p.wrongful)
            delta = round(drive + total)
            delta_clean = round(drive + clean)
            new = min(TOP_RUNG, max(0, side.rung + delta))
            new_clean = min(TOP_RUNG, max(0, side.rung + delta_clean))
            if new != side.rung:
                inadvertent = new > new_clean
                causes = [p.cause_seq for p in side.pending]
                reasons = sorted({p.reason for p in side.pending}) or ["reaction"]
                steps.append((name, side.rung, new, causes, inadvertent, ",".join(reasons)))
                side.rung = new
            side.pending.clear()
        return steps

    def force_step(self, side: str, rungs: int) -> tuple[int, int]:
        s = self.sides[side]
        before = s.rung
        s.rung = min(TOP_RUNG, max(0, s.rung + rungs))
        return before, s.rung


def step_category(from_rung: int, to_rung: int) -> str:
    """Score category of a ladder step (for the escalation score)."""
    if to_rung < from_rung:
        return "de_escalation"
    if to_rung >= 5:
        return "nuclear"
    if to_rung >= 3:
        return "violent_escalation"
    return "non_violent_escalation"
