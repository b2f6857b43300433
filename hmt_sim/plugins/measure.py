"""Metric plugins: ``fn(events) -> dict`` computed beside the built-in metric groups.

Each registered metric is a group of its own in ``metrics.json`` (``{"my_metric": {"key": v}}``)
and flattens to ``my_metric.key`` columns in sweep results, like the built-in groups. A metric
is a pure function of the event log; it gets a deep copy, so a plugin that edits what it reads
cannot change the log or another metric. A plugin that raises, or returns something that is
not a mapping of names to JSON values, does not lose the run's other results: its group becomes
``{"error": "<what went wrong>"}`` (a ``my_metric.error`` column in a sweep) and a
``PluginMetricWarning`` says so.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

MetricFn = Callable[[list[dict[str, Any]]], Mapping[str, Any]]

BUILTIN_GROUPS: tuple[str, ...] = ("escalation", "harm", "control", "human", "mission", "ai")
"""The engine's metric groups (``hmt_sim.metrics.GROUPS``): reserved names."""


class PluginMetricWarning(UserWarning):
    """A metric plugin failed; its group holds the error and every other result stands."""


def _json_value(value: Any, where: str) -> Any:
    """``value`` as plain JSON data, or ValueError naming ``where`` it is not."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float) or hasattr(value, "item"):  # numpy scalars too
        number = value.item() if hasattr(value, "item") else value
        if isinstance(number, float) and not math.isfinite(number):
            return None  # like the built-in ratios: nothing to report, never NaN in JSON
        if isinstance(number, bool | int | float):
            return number
    if isinstance(value, Mapping):
        return {str(k): _json_value(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise ValueError(f"{where} is {type(value).__name__}, not a number, text, list or mapping")


def run_metric(name: str, fn: MetricFn, events: list[dict[str, Any]]) -> dict[str, Any]:
    """One plugin metric's group, or ``{"error": ...}`` when it failed."""
    try:
        result = fn(copy.deepcopy(events))
        if not isinstance(result, Mapping):
            raise TypeError(f"returned {type(result).__name__}; a metric returns a dict")
        return {str(k): _json_value(v, str(k)) for k, v in result.items()}
    except Exception as exc:  # a plugin's bug must not lose the run's other results
        message = f"{type(exc).__name__}: {exc}"[:500]
        warnings.warn(f"metric plugin {name!r} failed: {message}", PluginMetricWarning,
                      stacklevel=2)
        return {"error": message}
