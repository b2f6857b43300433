"""The AI decision-support agent: classification with reliability, regional data bias, drift and
deception, calibrated or over-confident confidence, and a recommended action (DOMAIN.md s.2)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa

from hmt_sim.scenario.schema import AIProfile

if TYPE_CHECKING:
    from hmt_sim.model import HMTModel


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


@dataclass(frozen=True, slots=True)
class Classification:
    label: str  # "hostile" | "civilian"
    confidence: float  # reported confidence in the label (after temperature)
    correct: bool  # ground truth: hidden from players, used by metrics and trust updates
    silent: bool  # the error came from drift or deception and looks like a correct call
    accuracy: float  # the AI's true accuracy for this case at this moment (ground truth)

    @property
    def p_hostile(self) -> float:
        return self.confidence if self.label == "hostile" else 1.0 - self.confidence


class AIAgent(mesa.Agent):
    """Holds the AI profile and the state that injects change (drift, spoofing)."""

    def __init__(self, model: HMTModel, profile: AIProfile) -> None:
        super().__init__(model)
        self.profile = profile
        self.reliability = profile.reliability
        self.delta = profile.drift.delta
        self.shift = 0.0  # D_t from injects; the drift rate adds rate * t on top
        self.spoofing: list[tuple[str | None, float, float]] = []  # (region, fpr x, fnr x)
        self.version = profile.version

    def shift_at(self, t: float) -> float:
        return self.shift + self.profile.drift.rate_per_s * t

    def rates(self, region: str | None, t: float) -> tuple[float, float, float, float]:
        """(TPR, FPR) now and (TPR, FPR) without drift or deception, for a case in ``region``."""
        conf = self.profile.confusion or {}
        tpr0 = conf.get("hostile", {}).get("hostile", self.reliability)
        fpr0 = conf.get("civilian", {}).get("hostile", 1.0 - self.reliability)
        fpr0 *= self.profile.region_bias.get(region, 1.0) if region else 1.0
        loss = self.delta * self.shift_at(t)
        tpr, fpr = tpr0 - loss, fpr0 + loss
        for where, fpr_x, fnr_x in self.spoofing:
            if where is None or where == region:
                fpr *= fpr_x
                tpr = 1.0 - (1.0 - tpr) * fnr_x
        clip = lambda p: min(1.0, max(0.0, p))  # noqa: E731
        return clip(tpr), clip(fpr), clip(tpr0), clip(fpr0)

    def accuracy_now(self, t: float, base_rate_hostile: float = 0.5) -> float:
        """True accuracy over a balanced mix of cases outside biased regions (for time series)."""
        tpr, fpr, _, _ = self.rates(None, t)
        return base_rate_hostile * tpr + (1 - base_rate_hostile) * (1 - fpr)

    def classify(self, hostile: bool, region: str | None, t: float, u: float, z: float
                 ) -> Classification:
        """Label one case from two draws of the case's own stream (u: error, z: confidence)."""
        tpr, fpr, tpr0, fpr0 = self.rates(region, t)
        if hostile:
            says_hostile, says_hostile_base = u < tpr, u < tpr0
            accuracy = tpr
        else:
            says_hostile, says_hostile_base = u < fpr, u < fpr0
            accuracy = 1.0 - fpr
        label = "hostile" if says_hostile else "civilian"
        correct = says_hostile == hostile
        base_correct = says_hostile_base == hostile
        silent = (not correct) and base_correct
        # The AI's internal belief in its label: cases it gets right look like training data;
        # base errors look ambiguous. Drift and deception errors look right (a silent failure)
        # unless an out-of-distribution detector flags the shift.
        looks_right = correct or silent
        mu = logit(min(0.995, self.reliability + (1 - self.reliability) * 0.5))
        if not looks_right:
            mu *= 1.0 - self.profile.confidence_discrimination
        p = sigmoid(mu + 0.6 * z)
        if silent and self.profile.ood_detector:
            p = 0.5 + (p - 0.5) * max(0.0, 1.0 - self.shift_at(t))
        confidence = sigmoid(logit(p) / self.profile.temperature)
        return Classification(label, confidence, correct, silent, accuracy)

    def latency(self, z: float) -> float:
        return self.profile.latency_median_s * math.exp(self.profile.latency_sigma * z)

    def recommend(self, cls: Classification, time_left_s: float, can_jam: bool,
                  warning_response_s: float) -> str:
        """The least forceful action that fits the AI's picture and the time left."""
        if cls.label != "hostile":
            return "monitor"
        if cls.confidence < self.profile.engage_confidence and time_left_s > (
            warning_response_s * 1.5
        ):
            return "warn"
        if can_jam and time_left_s > 30.0:
            return "jam"
        return "engage"

    def explanation(self, cls: Classification, region: str | None, action: str) -> str:
        """A short, plain-words rationale shown to the operator and logged for tracing."""
        parts = [f"{cls.label} at {cls.confidence:.0%} confidence"]
        bias = self.profile.region_bias.get(region, 1.0) if region else 1.0
        if bias != 1.0:
            parts.append(f"false alarms x{bias:g} in {region}")
        if self.spoofing:
            parts.append("sensor picture contested")
        parts.append(f"recommend {action}")
        return "; ".join(parts)

