"""Levels of automation (Sheridan & Verplank 1978) and the protocol each level implies.

The protocol answers one question for a recommended action: who decides, and when does the
action happen? Levels 1-4 leave the choice to the operator (with less or more AI help), 5 needs
an approval, 6 acts after a veto window, 7 acts then informs, 8-10 act and inform rarely or never.
"""

from __future__ import annotations

from enum import StrEnum


class Protocol(StrEnum):
    MANUAL = "manual"  # 1-4: the operator selects and executes the action
    APPROVAL = "approval"  # 5: the AI executes only after the operator approves
    VETO = "veto"  # 6: the AI executes after a veto window unless vetoed
    INFORM_AFTER = "inform_after"  # 7: the AI executes, then informs
    ON_REQUEST = "on_request"  # 8: informs only if asked
    AI_DISCRETION = "ai_discretion"  # 9: informs only if it decides to
    SILENT = "silent"  # 10: ignores the human


_BY_LEVEL = {
    1: Protocol.MANUAL,
    2: Protocol.MANUAL,
    3: Protocol.MANUAL,
    4: Protocol.MANUAL,
    5: Protocol.APPROVAL,
    6: Protocol.VETO,
    7: Protocol.INFORM_AFTER,
    8: Protocol.ON_REQUEST,
    9: Protocol.AI_DISCRETION,
    10: Protocol.SILENT,
}

# How much the AI's advice can stand in for the operator's own check at levels 1-4: level 1 shows
# nothing (the operator must form a judgement), 2 shows all alternatives, 3 a few, 4 one.
MANUAL_RELIANCE = {1: 0.0, 2: 0.25, 3: 0.5, 4: 1.0}

# Level 9 informs when the AI itself is unsure: below this confidence it tells the operator.
AI_DISCRETION_INFORM_BELOW = 0.7


def protocol(level: int) -> Protocol:
    """The protocol of a Sheridan-Verplank level (1-10)."""
    try:
        return _BY_LEVEL[level]
    except KeyError:
        raise ValueError(f"autonomy level must be 1-10, got {level!r}") from None


def loop_position(level: int) -> str:
    """Reporting category: <= 5 in the loop, 6-7 on the loop, >= 8 out of the loop."""
    if level <= 5:
        return "in"
    return "on" if level <= 7 else "out"


def degree_of_automation(stage_levels: tuple[int, int, int, int]) -> float:
    """Onnasch et al. (2014) style DOA over the four stages with weights 1..4 (DOMAIN.md s.1)."""
    weights = (1, 2, 3, 4)
    return sum(w * (lv - 1) / 9 for w, lv in zip(weights, stage_levels, strict=True)) / sum(weights)
