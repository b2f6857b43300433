"""Operator decision-policy plugins: the card a policy sees, the verdict it returns, and the
built-in model operator.

A **policy** stands in for the person in a model operator's seat when a recommendation comes up
for approval (levels 1-5) or veto (level 6). It sees the ``Card`` - what the screen shows and
what the person knows of themselves (workload, their own trust in the AI) - and returns a
``Verdict``: approve or veto, and how long it took. It never learns whether the AI is right.

The built-in ``model`` operator (DOMAIN.md s.3) is an error-rate model of a person: automation
bias decides whether they verify, and verification *catches AI errors* with a probability that
grows with the time spent, so it must know whether the AI is wrong. Like the parametric AI it
declares ``models_error_rates = True`` and receives the truth through a ``ReviewTruth``.
Trust updates and noticing an AI miss stay the engine's operator model for every policy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from hmt_sim.autonomy import MANUAL_RELIANCE
from hmt_sim.judgement import HumanCall, own_call
from hmt_sim.plugins.classify import sigmoid
from hmt_sim.plugins.registry import PluginError

if TYPE_CHECKING:
    from hmt_sim.scenario.schema import Operators

OVERLOAD_FROM = 0.7  # utilisation above which performance degrades [S: Cummings & Guerlain 2007]


@dataclass(frozen=True, slots=True)
class PolicySetup:
    """What a policy factory is given: the seat it sits in, the scenario's operator section
    and the seat's trust type (``bayesian``, ``disbeliever``, ``oscillator``)."""

    seat: int
    spec: Operators
    trust_type: str


@dataclass(frozen=True, slots=True)
class Card:
    """A recommendation as the operator sees it, and the operator's own state."""

    action: str  # warn | jam | engage
    lethal: bool  # the action is lethal force
    label: str  # the AI's class label
    confidence: float  # the AI's confidence in its label
    explanation_quality: float  # 0-1 (0 at level 1, which shows no advice)
    level: int  # the autonomy level in force for this decision
    time_available_s: float  # until the decision's deadline (or the veto window closes)
    workload: float  # busy seats plus queued reviews, per seat, 0-1
    trust: float  # this operator's trust in advice of this label (compliance or reliance)
    veto: bool  # True: on the loop (the action goes ahead unless vetoed)
    doubt_p: float | None = None  # the ROE's doubt threshold: no force if P(civilian) > it
    screening: bool = False  # levels 1-4: the operator's own call on a track (act or leave)


@dataclass(frozen=True, slots=True)
class Verdict:
    """A policy's answer: approve (or let the veto window run out) or veto, the time the review
    took, and how much of it was spent verifying (logged as a ``verification`` event)."""

    approve: bool
    duration_s: float
    verified: bool = False
    verify_s: float = 0.0


@dataclass(frozen=True, slots=True)
class ReviewTruth:
    """The truth channel, given only to error-rate models of people: whether acting on the
    recommendation would be wrong, the review's three fixed draws (u_verify, z_time, u_catch)
    from its ``op/<track>`` stream, and the degree-of-automation factor on noticing errors."""

    ai_wrong: bool
    draws: tuple[float, float, float]
    noticing: float = 1.0
    track_hostile: bool | None = None  # the track's true class (None: judge from ai_wrong)
    d_prime: float = 1.5  # sensitivity for this kind against its look-alikes
    spoofed: bool = False  # spoofing corrupts the sensor picture where the track is
    diffusion: np.random.Generator | None = None  # increments of the operator's own look


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """What the engine acts on. ``p_no_verify`` is the model operator's automation-bias
    probability (None for a policy, which has none)."""

    approve: bool
    verified: bool
    duration_s: float  # time from review start to the decision
    verify_s: float  # part of it spent verifying
    p_no_verify: float | None
    belief: float | None = None  # the operator's own P(hostile) after the review, if formed
    forced: bool = False  # the deadline forced the call before the evidence was conclusive


class OperatorPolicy(Protocol):
    """A decision policy for an operator seat."""

    def decide(self, card: Card, rng: np.random.Generator) -> Verdict: ...


def verify_time(spec: Operators, explanation_quality: float) -> float:
    """Time a full verification takes; explanations save a share ``eta`` of it."""
    v = spec.verification
    return v.t0_s * (1.0 - v.eta * explanation_quality)


class ModelOperator:
    """The built-in operator model, registered as ``model`` (the default
    ``operators.policy``)."""

    models_error_rates = True

    def __init__(self, setup: PolicySetup) -> None:
        self.spec = setup.spec

    def review(self, card: Card, truth: ReviewTruth) -> ReviewOutcome:
        """Automation bias (logistic) decides whether the operator looks at the evidence; a
        look is the operator's own judgement (``hmt_sim.judgement``): a diffusion from a start
        the advice biases, so whether an AI error is caught - and how long it takes - comes
        from the operator's sensitivity, trust, workload and time. Overload slows and blunts
        both."""
        spec = self.spec
        v, j = spec.verification, spec.judgement
        u_verify, z_time, _u_spare = truth.draws
        workload, time_available_s = card.workload, card.time_available_s
        t_verify = verify_time(spec, card.explanation_quality)
        pressure = 1.0 - min(1.0, time_available_s / t_verify) if t_verify > 0 else 0.0
        x = (
            v.b0
            + v.b_trust * card.trust
            + v.b_workload * workload
            + v.b_pressure * pressure
            - v.b_accountability * (1.0 if spec.accountability_prompt else 0.0)
            - v.b_explanation * card.explanation_quality
            - v.b_lethal * (1.0 if card.lethal else 0.0)
        )
        p_no_verify = sigmoid(x) * MANUAL_RELIANCE.get(card.level, 1.0)
        # Degree of automation (Onnasch et al. 2014): with more of the picture automated the
        # operator looks less often, so fewer AI errors are even noticed.
        if not (card.screening and card.level == 1):  # at level 1 there is nothing to take
            p_no_verify = 1.0 - (1.0 - p_no_verify) * truth.noticing
        overload = max(0.0, workload - OVERLOAD_FROM) / (1.0 - OVERLOAD_FROM)
        rt = spec.review_time
        decide_s = rt.median_s * math.exp(rt.sigma * z_time) * (1.0 + overload)
        follows = card.label == "hostile"
        if u_verify < p_no_verify:
            # Automation bias: take the AI's call without looking.
            return ReviewOutcome(follows, False, decide_s, 0.0, p_no_verify)
        look_s = min(j.max_look_s, time_available_s - decide_s)
        if look_s <= 0.0:
            # No time left to look: the review is a glance, and the call stands.
            return ReviewOutcome(follows, False, decide_s, 0.0, p_no_verify)
        call = own_judgement(spec, card, truth, pressure, look_s)
        return ReviewOutcome(call.hostile, True, decide_s + call.deliberation_s,
                             call.deliberation_s, p_no_verify, call.p_hostile, call.forced)


def shown_advice(level: int) -> str:
    """What the screen shows of the AI's call at a level (Sheridan & Verplank 1978)."""
    return {1: "none", 2: "all", 3: "narrowed", 4: "suggestion"}.get(level, "recommendation")


def own_judgement(spec: Operators, card: Card, truth: ReviewTruth, pressure: float,
                  look_s: float) -> HumanCall:
    """The operator's own look at the track (a drift-diffusion judgement) with the advice the
    level shows, weighted by the trust component of its label."""
    hostile = truth.track_hostile
    if hostile is None:  # an older caller: the truth of the track follows from ai_wrong
        hostile = (card.label == "hostile") != truth.ai_wrong
    p_ai = card.confidence if card.label == "hostile" else 1.0 - card.confidence
    rng = truth.diffusion if truth.diffusion is not None else np.random.default_rng(
        int(truth.draws[2] * 2**32))
    return own_call(rng, spec.judgement, hostile=hostile, d_prime=truth.d_prime,
                    workload=card.workload, spoofed=truth.spoofed, p_ai=p_ai,
                    shown=shown_advice(card.level), trust=card.trust,
                    explanation_quality=card.explanation_quality,
                    eta=spec.verification.eta, persuasion=spec.judgement.persuasion,
                    lethal=card.lethal, doubt_p=card.doubt_p, pressure=pressure, max_s=look_s)


def outcome_from(verdict: object, name: str) -> ReviewOutcome:
    """Check a policy's verdict and turn it into what the engine acts on."""
    if not isinstance(verdict, Verdict):
        raise PluginError(f"operator policy {name!r} returned {type(verdict).__name__}; it "
                          "must return hmt_sim.plugins.Verdict(approve=..., duration_s=...)")
    if not isinstance(verdict.approve, bool) or not isinstance(verdict.verified, bool):
        raise PluginError(f"operator policy {name!r}: approve and verified must be True or "
                          "False")
    for field in ("duration_s", "verify_s"):
        value = getattr(verdict, field)
        if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise PluginError(f"operator policy {name!r}: {field} must be a finite number "
                              f">= 0, got {value!r}")
    if verdict.verify_s > verdict.duration_s:
        raise PluginError(f"operator policy {name!r}: verify_s ({verdict.verify_s}) is longer "
                          f"than the whole review ({verdict.duration_s})")
    verified = verdict.verified or verdict.verify_s > 0
    return ReviewOutcome(verdict.approve, verified, float(verdict.duration_s),
                         float(verdict.verify_s), None)
