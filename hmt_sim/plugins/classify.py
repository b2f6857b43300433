"""AI classifier plugins: what a classifier receives, what it returns, and the built-in one.

There are two kinds, and the difference is what they may see:

* A **feature classifier** is a classifier: it gets an ``Observation`` (what the sensors show:
  signature category, speed, heading, region, transponder and emitter cues, with noise) and
  returns class probabilities, ``{"hostile": p, "civilian": 1 - p}``. It never sees the truth.
* An **error-rate model** is not a classifier but a model *of* one (confusion rates, drift,
  bias, calibration): to simulate a classifier's errors it must know the right answer. It says
  so by setting ``models_error_rates = True`` and receives the truth through one narrow,
  documented channel, a ``Case``. The built-in ``parametric`` AI of DOMAIN.md s.2 is one.

Either way the engine, not the plugin, decides what is logged as ``correct``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from hmt_sim.logodds import logit as logit  # re-exported: their earlier home
from hmt_sim.logodds import sigmoid as sigmoid
from hmt_sim.plugins.registry import PluginError

if TYPE_CHECKING:
    from hmt_sim.observation import Observation
    from hmt_sim.scenario.schema import AIProfile

CLASSES: tuple[str, ...] = ("hostile", "civilian")
"""The classes a classifier tells apart (the order of ties: see ``label_from``)."""


@dataclass(frozen=True, slots=True)
class ClassifierSetup:
    """What a classifier factory is given: the scenario's AI profile (version, latency,
    explanation quality, and the parametric model's rates, which a feature classifier may
    ignore). A dataclass, so fields can be added without breaking existing factories."""

    profile: AIProfile


@dataclass(frozen=True, slots=True)
class Case:
    """The truth channel, given only to error-rate models: the contact's true class, where it
    is judged, when, and the case's two fixed draws from its ``ai/<track>`` stream
    (``u`` for the error, ``z`` for the confidence)."""

    true_class: str
    region: str | None
    t: float
    u: float
    z: float


@dataclass(frozen=True, slots=True)
class Judgement:
    """An error-rate model's simulated output: the label and the confidence a classifier would
    report, whether the error is a silent one (drift or deception, looking right), and the
    modelled chance of calling this case right (ground truth, for metrics)."""

    label: str
    confidence: float
    silent: bool
    accuracy: float


class AICondition(Protocol):
    """The AI's state that injects change (drift, spoofing); the engine's AI agent."""

    reliability: float
    delta: float
    spoofing: list[tuple[str | None, float, float]]

    def shift_at(self, t: float) -> float: ...


@runtime_checkable
class FeatureClassifier(Protocol):
    """A classifier: observable features in, class probabilities out."""

    def classify(self, observation: Observation) -> Mapping[str, float]: ...


class ErrorRateModel(Protocol):
    """A model of a classifier's errors. ``models_error_rates`` must be True."""

    models_error_rates: bool

    def judge(self, case: Case, condition: AICondition) -> Judgement: ...


def models_error_rates(plugin: object) -> bool:
    """Does ``plugin`` declare that it models error rates (and so receives the truth)?"""
    return getattr(plugin, "models_error_rates", False) is True


def label_from(probabilities: Mapping[str, float], true_class: str, name: str
               ) -> tuple[str, float, float]:
    """(label, confidence, probability given to the true class) from a feature classifier's
    answer. The most probable class is the label; a tie is called ``civilian`` (the doubt
    presumption of IHL). The answer is checked, since a plugin's bug must not become a silent
    wrong label."""
    if not isinstance(probabilities, Mapping):
        raise PluginError(f"classifier {name!r} returned {type(probabilities).__name__}; "
                          f"it must return class probabilities, e.g. "
                          "{'hostile': 0.8, 'civilian': 0.2}")
    unknown = sorted(set(map(str, probabilities)) - set(CLASSES))
    if unknown:
        raise PluginError(f"classifier {name!r} returned unknown class {unknown[0]!r} "
                          f"(classes: {', '.join(CLASSES)})")
    probs: dict[str, float] = {}
    for cls in CLASSES:
        value = probabilities.get(cls, 0.0)
        try:
            p = float(value)
        except (TypeError, ValueError):
            raise PluginError(f"classifier {name!r}: probability of {cls!r} is "
                              f"{value!r}, not a number") from None
        if not math.isfinite(p) or p < 0.0:
            raise PluginError(f"classifier {name!r}: probability of {cls!r} must be a "
                              f"finite number >= 0, got {p!r}")
        probs[cls] = p
    total = sum(probs.values())
    if total <= 0.0:
        raise PluginError(f"classifier {name!r} gave every class probability 0")
    p_hostile = probs["hostile"] / total
    label = "hostile" if p_hostile > 0.5 else "civilian"
    confidence = p_hostile if label == "hostile" else 1.0 - p_hostile
    p_true = p_hostile if true_class == "hostile" else 1.0 - p_hostile
    return label, confidence, p_true


def _clip(p: float) -> float:
    """A rate kept to [0, 1] (drift and deception can push it past either end): what
    ``min(1.0, max(0.0, p))`` gives, NaN and -0.0 included, without the two calls."""
    return (p if p < 1.0 else 1.0) if p > 0.0 else 0.0


class ParametricModel:
    """The built-in AI (DOMAIN.md s.2): a parametric error-rate model - reliability or a
    confusion matrix, regional bias, drift, deception, calibrated or over-confident
    confidence. Registered as ``parametric``, the default ``ai.classifier``."""

    models_error_rates = True

    def __init__(self, setup: ClassifierSetup) -> None:
        self.profile = setup.profile

    def rates(self, condition: AICondition, region: str | None, t: float
              ) -> tuple[float, float, float, float]:
        """(TPR, FPR) now and (TPR, FPR) without drift or deception, for a case in ``region``."""
        profile = self.profile
        conf = profile.confusion
        reliability = condition.reliability
        if conf:
            tpr0 = conf.get("hostile", {}).get("hostile", reliability)
            fpr0 = conf.get("civilian", {}).get("hostile", 1.0 - reliability)
        else:
            tpr0, fpr0 = reliability, 1.0 - reliability
        if region:
            fpr0 *= profile.region_bias.get(region, 1.0)
        loss = condition.delta * condition.shift_at(t)
        tpr, fpr = tpr0 - loss, fpr0 + loss
        for where, fpr_x, fnr_x in condition.spoofing:
            if where is None or where == region:
                fpr *= fpr_x
                tpr = 1.0 - (1.0 - tpr) * fnr_x
        return _clip(tpr), _clip(fpr), _clip(tpr0), _clip(fpr0)

    def accuracy_now(self, condition: AICondition, t: float, base_rate_hostile: float = 0.5
                     ) -> float:
        """True accuracy over a balanced mix of cases outside biased regions (time series)."""
        tpr, fpr, _, _ = self.rates(condition, None, t)
        return base_rate_hostile * tpr + (1 - base_rate_hostile) * (1 - fpr)

    def judge(self, case: Case, condition: AICondition) -> Judgement:
        """Label one case from its two draws (u: error, z: confidence)."""
        hostile = case.true_class == "hostile"
        u, z, t = case.u, case.z, case.t
        tpr, fpr, tpr0, fpr0 = self.rates(condition, case.region, t)
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
        claimed = self.profile.claimed_reliability
        basis = condition.reliability if claimed is None else claimed
        mu = logit(min(0.995, basis + (1 - basis) * 0.5))
        if not looks_right:
            mu *= 1.0 - self.profile.confidence_discrimination
        p = sigmoid(mu + 0.6 * z)
        if silent and self.profile.ood_detector:
            p = 0.5 + (p - 0.5) * max(0.0, 1.0 - condition.shift_at(t))
        confidence = sigmoid(self.profile.overconfidence * logit(p) / self.profile.temperature)
        return Judgement(label, confidence, silent, accuracy)
