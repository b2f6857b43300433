"""The escalation ladder and action-reaction dynamics between blue and red (DOMAIN.md s.5).

Each side's rung moves at fixed reaction times by
``r <- clip(r + round(k m(r_hat_other - r) - c (r - r_0) + G + eps))`` with ``G`` the pushes of
events since the last reaction and ``c`` Richardson's fatigue (restraint) term pulling each side
back toward its starting rung. ``m`` is the matching rule. DOMAIN.md writes the symmetric form
``m(x) = x``; with it a side also steps *down* to meet a calmer adversary, so a higher gain only
makes the two sides converge faster and the mean of their rungs is conserved - no gain can
amplify a step. The default is therefore the ratchet ``m(x) = max(0, x)``: a side answers the
other's escalation in kind but leaves de-escalation to restraint [P].

A step is *inadvertent* when, with the same noise draws, it would not have happened without
wrongful engagements (see ``EscalationAgent``): the cause is traced, not guessed.

A *red cell* - people playing the adversary's command - may choose red's step at its next
reaction instead of the model (``EscalationAgent.choose_red``). The choice is deliberate: it is
never inadvertent and adds nothing to red's excess, so blue's answer to it is not blamed on
wrongful strikes either. The reaction still takes its four draws, so nothing else shifts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from hmt_sim.ladder import RUNG_NAMES as RUNG_NAMES
from hmt_sim.ladder import SCORE_TABLE_V1 as SCORE_TABLE_V1
from hmt_sim.ladder import THRESHOLD_RUNGS as THRESHOLD_RUNGS
from hmt_sim.ladder import TOP_RUNG
from hmt_sim.ladder import step_category as step_category
from hmt_sim.mesa_import import mesa
from hmt_sim.scenario.schema import Escalation

if TYPE_CHECKING:
    from hmt_sim.model import HMTModel

RED_STEPS = {"escalate": 1, "hold": 0, "de-escalate": -1}
"""A red cell's choices at a reaction and the rungs each moves red (``model`` clears a choice)."""
RED_CELL_REASON = "red_cell"


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
    excess: int = 0  # rungs above where it would stand without wrongful strikes


class EscalationAgent(mesa.Agent):
    """Both sides' postures. The adversary's own stream supplies perception and reaction noise:
    four draws per reaction, always, so the draws line up across runs that differ elsewhere.

    Inadvertent escalation is traced by a counterfactual with the same draws: a step is
    inadvertent when it would not have happened without wrongful strikes - either their own
    pushes, or the other side's rungs that wrongful strikes caused (its ``excess``). So an
    answer to an inadvertent step is inadvertent too, which is how a hair-trigger gain
    amplifies a misidentification into a spiral."""

    def __init__(self, model: HMTModel, spec: Escalation, stream: np.random.Generator) -> None:
        super().__init__(model)
        self.spec = spec
        self.stream = stream
        self.sides = {
            "red": Side("red", spec.start_rung_red),
            "blue": Side("blue", spec.start_rung_blue),
        }
        self.red_choice: str | None = None  # the red cell's step at the next reaction
        self.last_reaction_s = 0.0

    @property
    def next_reaction_s(self) -> float:
        """Simulation time of the next reaction (the same sum SimPy makes for its timeout)."""
        return self.last_reaction_s + self.spec.react_interval_s

    def choose_red(self, step: str | None) -> None:
        """Set the red cell's step for the next reaction (a key of ``RED_STEPS``), or leave it
        to the model (``None``)."""
        if step is not None and step not in RED_STEPS:
            raise ValueError(f"red step must be one of {', '.join(RED_STEPS)}, got {step!r}")
        self.red_choice = step

    def rung(self, side: str) -> int:
        return self.sides[side].rung

    def push(self, side: str, amount: float, reason: str, cause_seq: int, wrongful: bool) -> None:
        if amount:
            self.sides[side].pending.append(Push(amount, reason, cause_seq, wrongful))

    def react(self) -> list[tuple[str, int, int, list[int], bool, str]]:
        """One reaction of both sides; returns the steps taken (side, from, to, causes,
        inadvertent, reason)."""
        draws = self.stream.standard_normal(4).tolist()  # Python floats: cheaper arithmetic
        self.last_reaction_s = float(self.model.time)  # SimPy's clock in an HMTModel
        chosen, self.red_choice = self.red_choice, None
        steps: list[tuple[str, int, int, list[int], bool, str]] = []
        # Both sides react to the rungs as they stood before this reaction (simultaneous moves).
        before = {name: s.rung for name, s in self.sides.items()}
        excess_before = {name: s.excess for name, s in self.sides.items()}
        for i, (name, other) in enumerate((("red", "blue"), ("blue", "red"))):
            side = self.sides[name]
            noise = self.spec.perception_sd * draws[2 * i]
            eps = self.spec.noise_sd * draws[2 * i + 1]
            # The counterfactual world without wrongful strikes: no wrongful pushes, and the
            # other side's rungs that wrongful strikes caused taken away (same noise draws).
            drive = self._drive(side, before[other] + noise, eps)
            drive_clean = self._drive(side, before[other] - excess_before[other] + noise, eps)
            pending = side.pending
            if pending:
                total = sum(p.amount for p in pending)
                clean = sum(p.amount for p in pending if not p.wrongful)
            else:
                total = clean = 0  # (sum of nothing; most reactions have no pushes)
            new = min(TOP_RUNG, max(0, side.rung + round(drive + total)))
            new_clean = min(TOP_RUNG, max(0, side.rung + round(drive_clean + clean)))
            if name == "red" and chosen is not None:
                new = new_clean = self._red_cell_step(side, chosen)
                if new != side.rung:
                    steps.append((name, side.rung, new, [], False, RED_CELL_REASON))
            elif new != side.rung:
                inadvertent = new > side.rung and new > new_clean  # escalation only
                causes = [p.cause_seq for p in side.pending]
                reasons = sorted({p.reason for p in side.pending}) or ["reaction"]
                if inadvertent and not any(p.wrongful for p in side.pending):
                    reasons = ["answer to inadvertent escalation"]
                steps.append((name, side.rung, new, causes, inadvertent, ",".join(reasons)))
            # The excess follows every reaction, a step or not: a wrongful push that only held
            # a side up (it would have stepped down) still leaves it above its clean rung.
            side.excess = max(0, min(new - self._start(name),
                                     side.excess + max(0, new - new_clean)))
            side.rung = new
            side.pending.clear()
        return steps

    def _red_cell_step(self, side: Side, chosen: str) -> int:
        """Red's rung after the red cell's step; the choice is logged whether or not it moves
        (a hold, or a step at the top or bottom of the ladder, is still the red cell's)."""
        new = min(TOP_RUNG, max(0, side.rung + RED_STEPS[chosen]))
        self.model.log.emit(self.model.time, "red_cell", step=chosen, from_rung=side.rung,
                            to_rung=new)
        return new

    def _start(self, name: str) -> int:
        return self.spec.start_rung_red if name == "red" else self.spec.start_rung_blue

    def _drive(self, side: Side, perceived: float, eps: float) -> float:
        gap = perceived - side.rung
        if self.spec.matching == "ratchet":
            gap = max(0.0, gap)
        restraint = self.spec.restraint * (side.rung - self._start(side.name))
        return self.spec.gain * gap - restraint + eps

    def force_step(self, side: str, rungs: int) -> tuple[int, int]:
        s = self.sides[side]
        before = s.rung
        s.rung = min(TOP_RUNG, max(0, s.rung + rungs))
        return before, s.rung
