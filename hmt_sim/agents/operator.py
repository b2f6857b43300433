"""The operator: a computational model of a person reviewing AI recommendations (DOMAIN.md s.3).

Trust is a Beta-Bernoulli estimate updated when ground truth is revealed. Whether a review
includes verification follows a logistic automation-bias model; verification catches AI errors
with a probability that grows with the time spent; workload above ~70 % utilisation degrades both
speed and accuracy (Cummings & Guerlain 2007).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa

from hmt_sim.agents.ai import sigmoid
from hmt_sim.autonomy import MANUAL_RELIANCE
from hmt_sim.scenario.schema import Operators

if TYPE_CHECKING:
    from hmt_sim.model import HMTModel

OVERLOAD_FROM = 0.7  # utilisation above which performance degrades [S: Cummings & Guerlain 2007]


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    approve: bool
    verified: bool
    duration_s: float  # time from review start to the decision
    verify_s: float  # part of it spent verifying
    p_no_verify: float


class OperatorAgent(mesa.Agent):
    """One operator seat. ``human`` seats are answered by a person through ``Session.decide``."""

    def __init__(self, model: HMTModel, index: int, spec: Operators, human: bool,
                 kind: str = "bayesian") -> None:
        super().__init__(model)
        self.index = index
        self.spec = spec
        self.human = human
        self.kind = kind
        self.trust_spec = spec.trust_for(kind)
        self.alpha = self.trust_spec.alpha0
        self.beta = self.trust_spec.beta0

    @property
    def trust(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    def observe_outcome(self, ai_correct: bool) -> float:
        """Beta-Bernoulli update with forgetting; failures weigh w_f, successes w_s."""
        tr = self.trust_spec
        p = 1.0 if ai_correct else 0.0
        self.alpha = tr.forgetting * self.alpha + tr.w_success * p
        self.beta = tr.forgetting * self.beta + tr.w_failure * (1.0 - p)
        return self.trust

    def verify_time(self, explanation_quality: float) -> float:
        v = self.spec.verification
        return v.t0_s * (1.0 - v.eta * explanation_quality)

    def review(self, *, ai_wrong: bool, lethal: bool, explanation_quality: float,
               workload: float, time_available_s: float, level: int, draws: tuple[float, ...],
               noticing: float = 1.0) -> ReviewOutcome:
        """Decide one recommendation. ``draws`` = (u_verify, z_time, u_catch) from the case's
        operator stream, taken whether or not they are needed so later draws never shift.
        ``noticing`` scales the chance of catching an AI error (degree of automation)."""
        v = self.spec.verification
        u_verify, z_time, u_catch = draws
        t_verify = self.verify_time(explanation_quality)
        pressure = 1.0 - min(1.0, time_available_s / t_verify) if t_verify > 0 else 0.0
        x = (
            v.b0
            + v.b_trust * self.trust
            + v.b_workload * workload
            + v.b_pressure * pressure
            - v.b_accountability * (1.0 if self.spec.accountability_prompt else 0.0)
            - v.b_explanation * explanation_quality
            - v.b_lethal * (1.0 if lethal else 0.0)
        )
        p_no_verify = sigmoid(x) * MANUAL_RELIANCE.get(level, 1.0)
        overload = max(0.0, workload - OVERLOAD_FROM) / (1.0 - OVERLOAD_FROM)
        rt = self.spec.review_time
        decide_s = rt.median_s * math.exp(rt.sigma * z_time) * (1.0 + overload)
        if u_verify < p_no_verify:
            # Automation bias: accept the AI's call without checking it.
            return ReviewOutcome(True, False, decide_s, 0.0, p_no_verify)
        verify_s = max(0.0, min(t_verify, time_available_s - decide_s))
        if verify_s <= 0.0:
            # No time left to check: the review is a glance, and the call stands.
            return ReviewOutcome(True, False, decide_s, 0.0, p_no_verify)
        p_catch = (v.p_catch * (1.0 - math.exp(-verify_s / v.tau_v_s)) * (1.0 - 0.3 * overload)
                   * noticing)
        # A wrong call is caught with p_catch; a right one is rejected by a false alarm.
        approve = u_catch >= (p_catch if ai_wrong else v.p_false_alarm)
        return ReviewOutcome(approve, True, decide_s + verify_s, verify_s, p_no_verify)

    def rt95(self) -> float:
        """95th percentile of the lognormal review time (for veto-window rules and M4)."""
        rt = self.spec.review_time
        return rt.median_s * math.exp(1.6449 * rt.sigma)

    def notices_miss(self, workload: float, u: float, noticing: float = 1.0) -> bool:
        """Omission: an AI miss is noticed with p = p_notice (1 - 0.5 T W), scaled by
        ``noticing`` (degree of automation)."""
        p = (self.spec.verification.p_notice_miss * (1.0 - 0.5 * self.trust * workload)
             * noticing)
        return u < p
