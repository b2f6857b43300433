"""The AI decision-support agent: it holds the classifier the scenario names (``ai.classifier``;
by default the parametric error-rate model of DOMAIN.md s.2), the state injects change (drift,
spoofing), and recommends an action from the classifier's call.

A feature classifier gets only an ``Observation`` of the contact; an error-rate model also gets
the truth through a ``Case`` (see ``hmt_sim.plugins.classify``). Either way this agent, not
the plugin, decides whether the call was ``correct``.
"""

from __future__ import annotations

import math
from contextlib import AbstractContextManager
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING

import simpy

from hmt_sim import plugins
from hmt_sim.mesa_import import mesa
from hmt_sim.observation import Observation, Sighting
from hmt_sim.plugins.classify import (
    Case,
    ClassifierSetup,
    ParametricModel,
    label_from,
    logit,
    models_error_rates,
    sigmoid,
)
from hmt_sim.plugins.registry import PluginError, call_plugin
from hmt_sim.scenario.schema import AIProfile
from hmt_sim.wording import Wording, ai_wording

if TYPE_CHECKING:
    from hmt_sim.model import HMTModel

__all__ = ["AIAgent", "Classification", "logit", "sigmoid"]  # logit, sigmoid: old import path


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


class _Watch:
    """``AIAgent.watching``'s block: the process is a watcher from entry to exit, however the
    block ends (a class rather than a generator: a watch enters one at every sleep)."""

    __slots__ = ("_ai", "_process")

    def __init__(self, ai: AIAgent, process: simpy.Process) -> None:
        self._ai, self._process = ai, process

    def __enter__(self) -> None:
        self._ai._watchers[self._process] = None

    def __exit__(self, *exc: object) -> None:
        self._ai._watchers.pop(self._process, None)


def condition_field(name: str, doc: str) -> property:
    """A number of the AI's condition (reliability, drift), kept in ``_<name>``: read as a
    plain attribute (a C-level getter: the parametric model reads these at every judgement);
    setting it wakes the monitored tracks' watches (``AIAgent.watching``), whose calls may
    change."""
    slot = f"_{name}"

    def set_value(agent: AIAgent, value: float) -> None:
        setattr(agent, slot, value)
        agent._note_change()

    return property(attrgetter(slot), set_value, doc=doc)


class AIAgent(mesa.Agent):
    """Holds the AI profile, its classifier plugin, and the state that injects change (drift,
    spoofing)."""

    def __init__(self, model: HMTModel, profile: AIProfile) -> None:
        super().__init__(model)
        self.profile = profile
        self._watchers: dict[simpy.Process, None] = {}  # in order of sleeping: deterministic
        self._reliability = profile.reliability
        self._delta = profile.drift.delta
        self._shift = 0.0  # D_t from injects; the drift rate adds rate * t on top
        self._spoofing: tuple[tuple[str | None, float, float], ...] = ()  # (region, fpr x, fnr x)
        self.version = profile.version
        self.classifier_name = profile.classifier
        self.classifier = call_plugin("classifier", profile.classifier,
                                      plugins.classifiers.get(profile.classifier),
                                      ClassifierSetup(profile))
        self._error_rates = models_error_rates(self.classifier)
        # The parametric rates stay available (rates(), the time series of an error model).
        self._rates_model = (self.classifier if isinstance(self.classifier, ParametricModel)
                             else ParametricModel(ClassifierSetup(profile)))
        self._calls = 0
        self._right = 0
        # The built-in model's call on a case is a function of the region and this condition
        # alone (its two draws are fixed per track); a plugin may depend on anything.
        self._call_follows_condition = type(self.classifier) is ParametricModel

    # ------------------------------------------------------------------ condition
    reliability = condition_field(
        "reliability", "the nominal accuracy now (a facilitator may move it mid-run)")
    delta = condition_field(
        "delta", "accuracy lost per unit of drift shift (an ai_degradation inject may set it)")
    shift = condition_field(
        "shift", "the drift shift D_t injects have added (the drift rate adds rate * t on top)")

    @property
    def spoofing(self) -> tuple[tuple[str | None, float, float], ...]:
        """The spoofing in force: (region or None for everywhere, FPR x, FNR x) each."""
        return self._spoofing

    def add_spoofing(self, region: str | None, fpr_multiplier: float,
                     fnr_multiplier: float) -> None:
        """Spoofing starts over ``region`` (everywhere for None); it adds to any in force."""
        self._spoofing = (*self._spoofing, (region, fpr_multiplier, fnr_multiplier))
        self._note_change()

    def watching(self, process: simpy.Process | None) -> AbstractContextManager[None]:
        """While the block runs, a change of this AI's condition (reliability, drift,
        spoofing) interrupts ``process`` (with ``simpy.Interrupt``): a monitored track's watch
        sleeps through the ticks on which its call cannot change, and this wakes it when it
        can (``calls_follow_condition``)."""
        if process is None:
            raise RuntimeError("only a running SimPy process can watch the AI")
        return _Watch(self, process)

    def _note_change(self) -> None:
        """Interrupt every sleeping watch once (they plan again from the new condition)."""
        watchers, self._watchers = self._watchers, {}
        for process in watchers:
            if process.is_alive:
                process.interrupt("ai condition changed")

    @property
    def judges_cases(self) -> bool:
        """An error-rate model: it judges a case from the truth and two draws, and reads no
        sighting of the track (a feature classifier does)."""
        return self._error_rates

    def calls_follow_condition(self) -> bool:
        """Can this AI's call on a track change only when the track's region or this AI's
        condition changes? True for the built-in parametric model while drift does not grow
        by the second; a plugin classifier may depend on anything, so its tracks are judged
        on every ``rejudge_s`` tick."""
        return self._call_follows_condition and self.profile.drift.rate_per_s == 0.0

    def shift_at(self, t: float) -> float:
        return self.shift + self.profile.drift.rate_per_s * t

    def rates(self, region: str | None, t: float) -> tuple[float, float, float, float]:
        """(TPR, FPR) now and (TPR, FPR) without drift or deception, for a case in ``region``
        (the parametric model's rates, whichever classifier is in use)."""
        return self._rates_model.rates(self, region, t)

    def accuracy_now(self, t: float, base_rate_hostile: float = 0.5) -> float:
        """The AI's true accuracy now (time series): the error-rate model's own figure; for a
        feature classifier, the share of its judgements so far that were right (0.5 before its
        first)."""
        if self._error_rates:
            own = getattr(self.classifier, "accuracy_now", None)
            if own is not None:
                return float(own(self, t, base_rate_hostile))
        return self._right / self._calls if self._calls else 0.5

    def classify(self, hostile: bool, region: str | None, t: float, u: float, z: float,
                 sighting: Sighting | None = None) -> Classification:
        """Judge one case. An error-rate model gets the truth and the case's two draws from its
        own stream (u: error, z: confidence); a feature classifier gets only a reading of the
        track (``sighting``) from the track's ``sense/`` stream."""
        true_class = "hostile" if hostile else "civilian"
        if self._error_rates:
            j = call_plugin("classifier", self.classifier_name, self.classifier.judge,
                            Case(true_class, region, t, u, z), self)
            label, confidence, silent, accuracy = j.label, j.confidence, j.silent, j.accuracy
            if label not in plugins.CLASSES or not all(
                    isinstance(p, float) and 0.0 <= p <= 1.0 for p in (confidence, accuracy)):
                raise PluginError(f"classifier {self.classifier_name!r} judged {j!r}: the label "
                                  f"must be one of {', '.join(plugins.CLASSES)}, confidence and "
                                  "accuracy floats from 0 to 1")
        else:
            if sighting is None:
                raise PluginError(f"classifier {self.classifier_name!r} needs a sighting of "
                                  "the track to observe")
            probs = call_plugin("classifier", self.classifier_name, self.classifier.classify,
                                self.observe(sighting, region, t))
            label, confidence, accuracy = label_from(probs, true_class, self.classifier_name)
            silent = False
        correct = label == true_class
        self._calls += 1
        self._right += correct
        return Classification(label, confidence, correct, silent, accuracy)

    def observe(self, sighting: Sighting, region: str | None, t: float) -> Observation:
        """What the sensors show of a track now, with this AI's sensing noise, the drift
        shift and any spoofing over ``region`` (``hmt_sim.observation``)."""
        spoofed = any(where is None or where == region for where, _, _ in self.spoofing)
        return sighting.read(region, t, self.profile.sensing, self.shift_at(t), spoofed)

    def latency(self, z: float) -> float:
        return self.profile.latency_median_s * math.exp(self.profile.latency_sigma * z)

    def explanation(self, cls: Classification, region: str | None, action: str) -> str:
        """A short, plain-words rationale shown to the operator and logged for tracing."""
        return self.wording(cls, region, action).english()

    def wording(self, cls: Classification, region: str | None, action: str) -> Wording:
        """The explanation's parts (a screen words them in the room's language)."""
        bias = self.profile.region_bias.get(region, 1.0) if region else 1.0
        return ai_wording(cls.label, cls.confidence, region, bias, bool(self.spoofing), action)

