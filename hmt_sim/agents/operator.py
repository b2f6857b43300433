"""The operator: a computational model of a person reviewing AI recommendations (DOMAIN.md s.3).

Trust is a Beta-Bernoulli estimate updated when ground truth is revealed. Whether a review
includes verification follows a logistic automation-bias model; verification catches AI errors
with a probability that grows with the time spent; workload above ~70 % utilisation degrades both
speed and accuracy (Cummings & Guerlain 2007). The review model is the built-in ``model``
decision policy (``hmt_sim.plugins.review``); a scenario may name another
(``operators.policy``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from hmt_sim import plugins
from hmt_sim.mesa_import import mesa
from hmt_sim.plugins.registry import PluginError, call_plugin
from hmt_sim.plugins.review import (
    OVERLOAD_FROM,
    Card,
    PolicySetup,
    ReviewOutcome,
    ReviewTruth,
    outcome_from,
    verify_time,
)
from hmt_sim.scenario.schema import Operators
from hmt_sim.scenario.schema import Trust as TrustSpec

if TYPE_CHECKING:
    import numpy as np

    from hmt_sim.model import HMTModel

__all__ = ["OVERLOAD_FROM", "OperatorAgent", "ReviewOutcome", "TrustState"]


class TrustState:
    """One trust record: Beta-Bernoulli estimates of the AI's reliability, overall and in two
    components (Meyer 2001, 2004): compliance - acting on the AI's alarms - learns from its
    hostile calls; reliance - trusting its all-clears - from its civilian calls.

    Every seat sees every revealed call, so seats of one trust type always hold the same
    numbers: the model gives them one shared record, updated (and logged) once per assessment
    rather than once per seat."""

    __slots__ = ("_compliance", "_reliance", "alpha", "beta", "spec")

    def __init__(self, spec: TrustSpec) -> None:
        self.spec = spec
        self.alpha = spec.alpha0
        self.beta = spec.beta0
        self._compliance = [spec.alpha0, spec.beta0]
        self._reliance = [spec.alpha0, spec.beta0]

    @property
    def trust(self) -> float:
        """Overall trust: the mean of the Beta estimate."""
        return self.alpha / (self.alpha + self.beta)

    @property
    def compliance(self) -> float:
        """Trust in the AI's alarms (hostile calls)."""
        a, b = self._compliance
        return a / (a + b)

    @property
    def reliance(self) -> float:
        """Trust in the AI's all-clears (civilian calls)."""
        a, b = self._reliance
        return a / (a + b)

    def observe(self, ai_correct: bool, label: str | None = None) -> float:
        """Beta-Bernoulli update with forgetting; failures weigh w_f, successes w_s. The
        overall trust learns from every revealed call; the component of the call's label
        (compliance for hostile, reliance for civilian) from that call alone."""
        tr = self.spec
        p = 1.0 if ai_correct else 0.0
        self.alpha = tr.forgetting * self.alpha + tr.w_success * p
        self.beta = tr.forgetting * self.beta + tr.w_failure * (1.0 - p)
        if label is not None:
            part = self._compliance if label == "hostile" else self._reliance
            part[0] = tr.forgetting * part[0] + tr.w_success * p
            part[1] = tr.forgetting * part[1] + tr.w_failure * (1.0 - p)
        return self.trust


class OperatorAgent(mesa.Agent):
    """One operator seat. ``human`` seats are answered by a person through ``Session.decide``;
    the others by the decision policy the scenario names (``operators.policy``; by default the
    built-in operator model)."""

    def __init__(self, model: HMTModel, index: int, spec: Operators, human: bool,
                 kind: str = "bayesian", trust: TrustState | None = None) -> None:
        super().__init__(model)
        self.index = index
        self.spec = spec
        self.human = human
        self.kind = kind
        self.trust_spec = spec.trust_for(kind)
        self.trust_state = trust if trust is not None else TrustState(self.trust_spec)
        self.policy_name = spec.policy
        self.policy = call_plugin("operator policy", spec.policy,
                                  plugins.operators.get(spec.policy),
                                  PolicySetup(index, spec, kind))
        self._error_rates = getattr(self.policy, "models_error_rates", False) is True

    @property
    def trust(self) -> float:
        """Overall trust in the AI (the seat's trust record, shared with its type)."""
        return self.trust_state.trust

    @property
    def compliance(self) -> float:
        """Trust in the AI's alarms (its hostile calls): false alarms lower it (cry wolf)."""
        return self.trust_state.compliance

    @property
    def reliance(self) -> float:
        """Trust in the AI's all-clears (its civilian calls): misses lower it."""
        return self.trust_state.reliance

    def trust_in(self, label: str) -> float:
        """The trust component that governs advice with this label: compliance for a hostile
        call, reliance for a civilian one."""
        return self.compliance if label == "hostile" else self.reliance

    def observe_outcome(self, ai_correct: bool, label: str | None = None) -> float:
        """The seat learns a revealed call (``TrustState.observe``). The record may be shared
        with the other seats of its type: every seat sees every revealed call, so call this
        once per record, not once per seat (``OperatorPool.trust_groups``)."""
        return self.trust_state.observe(ai_correct, label)

    def verify_time(self, explanation_quality: float) -> float:
        return verify_time(self.spec, explanation_quality)

    def review(self, *, ai_wrong: bool, lethal: bool, explanation_quality: float,
               workload: float, time_available_s: float, level: int, draws: tuple[float, ...],
               noticing: float = 1.0, action: str | None = None, label: str = "hostile",
               confidence: float = 1.0, veto: bool = False,
               policy_rng: Callable[[], np.random.Generator] | None = None,
               track_hostile: bool | None = None, d_prime: float = 1.5, spoofed: bool = False,
               diffusion: np.random.Generator | None = None, doubt_p: float | None = None,
               screening: bool = False) -> ReviewOutcome:
        """Decide one recommendation through this seat's policy. ``draws`` = (u_verify,
        z_time, u_catch) from the case's operator stream, taken whether or not they are needed
        so later draws never shift; only an error-rate model of a person gets them, with
        ``ai_wrong`` and ``noticing`` (degree of automation). A policy gets the card and a
        generator of its own, from ``policy_rng()`` (the case's ``policy/`` stream). The card
        carries the trust component of the advice's label (compliance for a hostile call,
        reliance for a civilian one); the model operator's own look draws from ``diffusion``.
        ``screening``: levels 1-4, the operator's own call on a track (approve = act on it)."""
        card = Card(
            action=action if action is not None else ("engage" if lethal else "warn"),
            lethal=lethal, label=label, confidence=confidence,
            explanation_quality=explanation_quality, level=level,
            time_available_s=time_available_s, workload=workload, trust=self.trust_in(label),
            veto=veto, doubt_p=doubt_p, screening=screening,
        )
        if self._error_rates:
            u_verify, z_time, u_catch = draws
            truth = ReviewTruth(ai_wrong, (u_verify, z_time, u_catch), noticing, track_hostile,
                                d_prime, spoofed, diffusion)
            outcome = call_plugin("operator policy", self.policy_name, self.policy.review,
                                  card, truth)
            if not isinstance(outcome, ReviewOutcome):
                raise PluginError(f"operator policy {self.policy_name!r} (an error-rate model) "
                                  f"returned {type(outcome).__name__}, not a ReviewOutcome")
            return outcome
        if policy_rng is None:
            raise PluginError(f"operator policy {self.policy_name!r} needs the case's stream")
        verdict = call_plugin("operator policy", self.policy_name, self.policy.decide, card,
                              policy_rng())
        return outcome_from(verdict, self.policy_name)

    def rt95(self) -> float:
        """95th percentile of the lognormal review time (for veto-window rules and M4)."""
        rt = self.spec.review_time
        return rt.median_s * math.exp(1.6449 * rt.sigma)

    def looks_again(self, workload: float, u: float, noticing: float = 1.0) -> bool:
        """Omission: does the operator take a second look at a track the AI called civilian?
        p = p_notice (1 - 0.5 R W), with R the reliance on the AI's all-clears, scaled by
        ``noticing`` (degree of automation)."""
        p = (self.spec.verification.p_notice_miss * (1.0 - 0.5 * self.reliance * workload)
             * noticing)
        return u < p

    def notices_miss(self, workload: float, u: float, noticing: float = 1.0) -> bool:
        """The earlier name of ``looks_again``."""
        return self.looks_again(workload, u, noticing)
