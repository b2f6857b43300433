"""Metric and factor names in the sweep report's words, shared by its text and its figures
(a module of their own, so the figures need not import the report that embeds them)."""

from __future__ import annotations

from hmt_sim.i18n import _
from hmt_sim.report.glossary import info


def metric_name(metric: str) -> str:
    """The glossary label with its unit: ``Civilian casualties (count)``."""
    from hmt_sim.sweep.plots import UNIT_TEXT

    entry = info(metric)
    name = entry.label or metric
    unit = {"count": _("count"), "s": "s", "rung": _("rung 0-7"),
            "share": _("share 0-1")}.get(entry.unit, UNIT_TEXT.get(entry.unit))
    return f"{name} ({unit})" if unit else name


def factor_name(factor: str) -> str:
    """A factor key in words (``ai.reliability`` -> ``AI reliability``)."""
    from hmt_sim.report.vocab import term
    from hmt_sim.sweep.plots import factor_label

    words = term(factor_label(factor))
    return words[:1].upper() + words[1:]
