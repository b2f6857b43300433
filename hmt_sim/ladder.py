"""The escalation ladder's definitions: rungs, thresholds and the score table (DOMAIN.md s.5).

These are facts about the ladder that both the engine (``hmt_sim.escalation``, which moves the
sides up and down it) and the metrics (which score the steps read from the event log) need. They
live here, below both, so the metrics never import the engine (and with it Mesa): this module
imports nothing from hmt_sim.
"""

from __future__ import annotations

from types import MappingProxyType

TOP_RUNG = 7
"""The highest rung (central war); rungs run 0..TOP_RUNG."""

RUNG_NAMES: tuple[str, ...] = (
    "sub-crisis manoeuvring",
    "traditional crisis",
    "intense crisis",
    "limited conventional strikes",
    "large conventional war",
    "nuclear signalling",
    "limited nuclear use",
    "central war",
)
"""Rung number -> its name, for plots, panels and reports."""

THRESHOLD_RUNGS: tuple[int, ...] = (1, 2, 6)
"""Rungs whose crossing the escalation metrics count (crisis, intense crisis, nuclear use)."""

SCORE_TABLE_V1 = MappingProxyType({
    "de_escalation": -2,
    "status_quo": 0,
    "posturing": 4,
    "non_violent_escalation": 12,
    "violent_escalation": 28,
    "nuclear": 60,
})
"""Escalation score weights by category, after Rivera et al. (2024)'s scoring code, version 1.
Read-only: a sweep's workers must all score with the same table."""


def step_category(from_rung: int, to_rung: int) -> str:
    """Score category of a ladder step (a key of ``SCORE_TABLE_V1``), so that a step down scores
    as de-escalation and a step up scores by how far up the ladder it lands."""
    if to_rung < from_rung:
        return "de_escalation"
    if to_rung >= 5:
        return "nuclear"
    if to_rung >= 3:
        return "violent_escalation"
    return "non_violent_escalation"
