"""Metrics: every one a pure function of the event log (DESIGN.md principle 2).

``compute_metrics(events)`` returns the groups of ``metrics.json``: escalation, harm, control
(M1-M10), human, mission and ai (accuracy, calibration, regional gaps), then a group per
registered metric plugin (``hmt_sim.plugins.register_metric``).
``timeseries(events)`` gives the sampled state as a DataFrame.
"""

from __future__ import annotations

from typing import Any

from hmt_sim.events import Event
from hmt_sim.metrics._common import LogIndex
from hmt_sim.metrics.ai import ai_metrics
from hmt_sim.metrics.control import control_metrics
from hmt_sim.metrics.escalation import escalation_metrics
from hmt_sim.metrics.harm import harm_metrics
from hmt_sim.metrics.human import human_metrics
from hmt_sim.metrics.mission import mission_metrics
from hmt_sim.metrics.timeseries import timeseries
from hmt_sim.plugins import plugin_metrics

GROUPS = ("escalation", "harm", "control", "human", "mission", "ai")


def compute_metrics(events: list[Event]) -> dict[str, dict[str, Any]]:
    """The built-in groups, then one group per registered metric plugin (docs/plugins.md); a
    failing plugin's group holds its error and the other results stand."""
    ix = LogIndex(events)
    return {
        "escalation": escalation_metrics(ix),
        "harm": harm_metrics(ix),
        "control": control_metrics(ix),
        "human": human_metrics(ix),
        "mission": mission_metrics(ix),
        "ai": ai_metrics(ix),
        **plugin_metrics(events),
    }


def flatten(metrics: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``{"harm": {"civilian_casualties": 2}}`` -> ``{"harm.civilian_casualties": 2}``; nested
    dicts (harm by region) flatten further, lists are dropped (they belong to time series)."""
    out: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif not isinstance(value, list | tuple):
            out[prefix] = value

    walk("", metrics)
    return out


__all__ = ["GROUPS", "LogIndex", "compute_metrics", "flatten", "timeseries"]
