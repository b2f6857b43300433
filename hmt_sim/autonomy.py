"""Levels of automation (Sheridan & Verplank 1978) and the protocol each level implies.

The protocol answers one question for a recommended action: who decides, and when does the
action happen? Levels 1-4 leave the choice to the operator (with less or more AI help), 5 needs
an approval, 6 acts after a veto window, 7 acts then informs, 8-10 act and inform rarely or never.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Protocol(StrEnum):
    MANUAL = "manual"  # 1-4: the operator selects and executes the action
    APPROVAL = "approval"  # 5: the AI executes only after the operator approves
    VETO = "veto"  # 6: the AI executes after a veto window unless vetoed
    INFORM_AFTER = "inform_after"  # 7: the AI executes, then informs
    ON_REQUEST = "on_request"  # 8: informs only if asked
    AI_DISCRETION = "ai_discretion"  # 9: informs only if it decides to
    SILENT = "silent"  # 10: ignores the human


# Level 9 informs when the AI itself is unsure: below this confidence it tells the operator.
AI_DISCRETION_INFORM_BELOW = 0.7


@dataclass(frozen=True, slots=True)
class ProtocolSpec:
    """Everything a level implies, as data: the pipeline, the events and the metrics read these
    attributes instead of comparing level numbers.

    - ``authorisation``: how the action is authorised - ``manual`` (the operator selects and
      carries it out), ``approval`` (before acting), ``veto_window`` (acts unless vetoed in
      time) or ``none`` (the AI acts);
    - ``initiator``: who starts the action; ``authorised_by``: who the log names as authorising;
    - ``loop``: in / on / out of the loop (the reporting category);
    - ``autonomous``: the AI acts on its own authority (envelope counts, kill switch halts);
    - ``human_can_stop``: a human can still stop the action before it happens;
    - ``informs``: after acting the AI tells the operator ``always``, ``if_unsure`` or ``never``;
    - ``accountable``: whose name the use of force carries - the ``reviewer``, the
      ``supervisor`` on duty (who could veto or was informed), or nobody;
    - ``shows_advice``: the AI's explanation is shown (level 1 shows nothing);
    - ``reliance``: how much the AI's advice can stand in for the operator's own check
      (levels 1-4: none, all alternatives, a few, one suggestion; 1 elsewhere).
    """

    level: int
    protocol: Protocol
    authorisation: str
    initiator: str
    authorised_by: str
    loop: str
    autonomous: bool
    human_can_stop: bool
    informs: str
    accountable: str | None
    shows_advice: bool = True
    reliance: float = 1.0
    human_executes: bool = False

    def informs_after(self, confidence: float) -> bool:
        """Does the AI tell the operator after acting, given its confidence in the call?"""
        return self.informs == "always" or (
            self.informs == "if_unsure" and confidence < AI_DISCRETION_INFORM_BELOW
        )


def _manual(level: int, reliance: float) -> ProtocolSpec:
    return ProtocolSpec(level, Protocol.MANUAL, "manual", "human", "human", "in", False, True,
                        "never", "reviewer", shows_advice=level > 1, reliance=reliance,
                        human_executes=True)


PROTOCOLS: dict[int, ProtocolSpec] = {
    1: _manual(1, 0.0),
    2: _manual(2, 0.25),
    3: _manual(3, 0.5),
    4: _manual(4, 1.0),
    5: ProtocolSpec(5, Protocol.APPROVAL, "approval", "ai", "human", "in", False, True,
                    "never", "reviewer"),
    6: ProtocolSpec(6, Protocol.VETO, "veto_window", "ai", "ai", "on", True, True, "never",
                    "supervisor"),
    7: ProtocolSpec(7, Protocol.INFORM_AFTER, "none", "ai", "ai", "on", True, False, "always",
                    "supervisor"),
    8: ProtocolSpec(8, Protocol.ON_REQUEST, "none", "ai", "ai", "out", True, False, "never",
                    None),
    9: ProtocolSpec(9, Protocol.AI_DISCRETION, "none", "ai", "ai", "out", True, False,
                    "if_unsure", None),
    10: ProtocolSpec(10, Protocol.SILENT, "none", "ai", "ai", "out", True, False, "never", None),
}
"""The ten Sheridan-Verplank levels as records (Sheridan & Verplank 1978; DOMAIN.md s.1)."""

# How much the AI's advice can stand in for the operator's own check at levels 1-4 (kept for
# callers of the earlier API; the table above is the source).
MANUAL_RELIANCE = {lv: spec.reliance for lv, spec in PROTOCOLS.items() if spec.human_executes}


def spec(level: int) -> ProtocolSpec:
    """The protocol record of a Sheridan-Verplank level (1-10)."""
    try:
        return PROTOCOLS[level]
    except KeyError:
        raise ValueError(f"autonomy level must be 1-10, got {level!r}") from None


def protocol(level: int) -> Protocol:
    """The protocol of a Sheridan-Verplank level (1-10)."""
    return spec(level).protocol


def loop_position(level: int) -> str:
    """Reporting category: <= 5 in the loop, 6-7 on the loop, >= 8 out of the loop."""
    return spec(level).loop


def degree_of_automation(stage_levels: tuple[int, int, int, int]) -> float:
    """Onnasch et al. (2014) style DOA over the four stages with weights 1..4 (DOMAIN.md s.1)."""
    weights = (1, 2, 3, 4)
    return sum(w * (lv - 1) / 9 for w, lv in zip(weights, stage_levels, strict=True)) / sum(weights)


def human_could_stop(engagement: Mapping[str, Any]) -> bool:
    """Could a human still stop this action before it happened (levels 1-6)? Logged with the
    engagement from the protocol table; logs written before the field existed fall back to
    the same table by the logged level."""
    if "human_could_stop" in engagement:
        return bool(engagement["human_could_stop"])
    return spec(engagement["level"]).human_can_stop


def protocol_of(engagement: Mapping[str, Any]) -> str:
    """The protocol an engagement was carried out under (``veto``, ``approval`` ...), as
    logged, or from the protocol table by the logged level for older logs."""
    if "protocol" in engagement:
        return str(engagement["protocol"])
    return spec(engagement["level"]).protocol.value
