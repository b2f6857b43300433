"""Plugins: AI classifiers, operator decision policies and metrics, chosen by name.

Register in process::

    from hmt_sim import plugins
    plugins.register_classifier("logistic", lambda setup: MyClassifier(weights))
    plugins.register_operator("cautious", lambda setup: Cautious())
    plugins.register_metric("my_metric", lambda events: {"n": len(events)})

then name them in a scenario (``ai.classifier: logistic``, ``operators.policy: cautious``);
registered metrics run beside the built-in groups in every run. Installed distributions offer
plugins through the entry-point groups ``hmt_sim.classifiers``, ``hmt_sim.operators`` and
``hmt_sim.metrics``; their code is imported only when the user allows it (``--allow-plugins``,
``allow_plugins=True`` or ``allow_entry_points()``). docs/plugins.md shows a classifier written
from scratch, registered and swept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hmt_sim.plugins.classify import (
    CLASSES,
    Case,
    ClassifierSetup,
    ErrorRateModel,
    FeatureClassifier,
    Judgement,
    ParametricModel,
)
from hmt_sim.plugins.measure import BUILTIN_GROUPS, MetricFn, PluginMetricWarning, run_metric
from hmt_sim.plugins.registry import (
    PluginError,
    Registry,
    allow_entry_points,
    entry_points_allowed,
)
from hmt_sim.plugins.review import (
    Card,
    ModelOperator,
    OperatorPolicy,
    PolicySetup,
    ReviewOutcome,
    ReviewTruth,
    Verdict,
)

DEFAULT_CLASSIFIER = "parametric"
DEFAULT_POLICY = "model"

ClassifierFactory = Callable[[ClassifierSetup], Any]
PolicyFactory = Callable[[PolicySetup], Any]

classifiers: Registry[ClassifierFactory] = Registry("classifier", "hmt_sim.classifiers")
operators: Registry[PolicyFactory] = Registry("operator policy", "hmt_sim.operators")
metrics: Registry[MetricFn] = Registry("metric", "hmt_sim.metrics")

classifiers.register(DEFAULT_CLASSIFIER, ParametricModel, builtin=True)
operators.register(DEFAULT_POLICY, ModelOperator, builtin=True)


def register_classifier(name: str, factory: ClassifierFactory, *, replace: bool = False
                        ) -> ClassifierFactory:
    """Make ``ai.classifier: NAME`` build ``factory(setup)`` - a ``FeatureClassifier`` (or an
    ``ErrorRateModel``) - once per run."""
    return classifiers.register(name, factory, replace=replace)


def register_operator(name: str, factory: PolicyFactory, *, replace: bool = False
                      ) -> PolicyFactory:
    """Make ``operators.policy: NAME`` build ``factory(setup)`` - an ``OperatorPolicy`` - once
    per model-operator seat per run."""
    return operators.register(name, factory, replace=replace)


def register_metric(name: str, fn: MetricFn, *, replace: bool = False) -> MetricFn:
    """Compute ``fn(events) -> dict`` in every run, as the metric group ``name``."""
    if name in BUILTIN_GROUPS:
        raise PluginError(f"metric {name!r} is a built-in metric group; choose another name")
    return metrics.register(name, fn, replace=replace)


def plugin_metrics(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every registered metric plugin's group for this log, by name (with entry points too,
    once allowed). A plugin that cannot even be loaded reports its error like one that fails."""
    names = set(metrics.names())
    if entry_points_allowed():
        names |= set(metrics.offers())
    out: dict[str, dict[str, Any]] = {}
    for name in sorted(names - set(BUILTIN_GROUPS)):
        try:
            fn = metrics.get(name)
        except PluginError as exc:
            fn = _failing(exc)
        out[name] = run_metric(name, fn, events)
    return out


def _failing(exc: Exception) -> MetricFn:
    def fn(events: list[dict[str, Any]]) -> dict[str, Any]:
        raise exc

    return fn


__all__ = [
    "CLASSES",
    "DEFAULT_CLASSIFIER",
    "DEFAULT_POLICY",
    "Card",
    "Case",
    "ClassifierSetup",
    "ErrorRateModel",
    "FeatureClassifier",
    "Judgement",
    "OperatorPolicy",
    "PluginError",
    "PluginMetricWarning",
    "PolicySetup",
    "Registry",
    "ReviewOutcome",
    "ReviewTruth",
    "Verdict",
    "allow_entry_points",
    "classifiers",
    "entry_points_allowed",
    "metrics",
    "operators",
    "plugin_metrics",
    "register_classifier",
    "register_metric",
    "register_operator",
]
