"""The words of a card's explanation, kept as parts so a screen can show them in its language.

The event log records a decision's explanation in English, and the log of a run must be the
same bytes whatever language the room speaks (same scenario, seed and inputs: same log). The
seat pages, the pygame card and Inspect show the same explanation in the room's language. So the
engine words an explanation from a :class:`Wording`: :meth:`Wording.english` is the logged text,
:meth:`Wording.text` the one shown (identical in English). Nothing here draws a random number.
"""

from __future__ import annotations

from dataclasses import dataclass

from hmt_sim.i18n import _, decimal

AI = "ai"  # the AI's call and recommendation
UNASSESSED = "unassessed"  # level 1: the AI is not consulted
JUDGES = "judges"  # levels 1-4: the operator's own call leads
FLAGS = "flags"  # an operator flags a threat the AI called civilian


@dataclass(frozen=True, slots=True)
class Wording:
    """The parts of one explanation: whose words (``kind``), the call and its confidence, the
    region's false-alarm multiplier, whether the sensor picture is contested, the action."""

    kind: str
    action: str = ""
    label: str = ""
    confidence: float = 0.0
    region: str | None = None
    bias: float = 1.0
    contested: bool = False

    def english(self) -> str:
        """The explanation as the event log records it (English, whatever the room speaks)."""
        if self.kind == UNASSESSED:
            return "no AI assessment (level 1): your own call"
        if self.kind == JUDGES:
            return (f"operator judges it hostile ({self.confidence:.0%}); "
                    f"operator {self.action}s")
        if self.kind == FLAGS:
            return ("operator flags a threat the AI called civilian; "
                    f"operator proposes {self.action}")
        parts = [f"{self.label} at {self.confidence:.0%} confidence"]
        if self.bias != 1.0:
            parts.append(f"false alarms x{self.bias:g} in {self.region}")
        if self.contested:
            parts.append("sensor picture contested")
        parts.append(f"recommend {self.action}")
        return "; ".join(parts)

    def text(self) -> str:
        """The explanation in the language in force (in English the logged text itself)."""
        action, pct = _(self.action), f"{self.confidence:.0%}"
        if self.kind == UNASSESSED:
            return _("no AI assessment (level 1): your own call")
        if self.kind == JUDGES:
            return _("operator judges it hostile ({confidence}); operator {action}s").format(
                confidence=pct, action=action)
        if self.kind == FLAGS:
            return _("operator flags a threat the AI called civilian; operator proposes "
                     "{action}").format(action=action)
        parts = [_("{label} at {confidence} confidence").format(label=_(self.label),
                                                                 confidence=pct)]
        if self.bias != 1.0:
            parts.append(_("false alarms x{bias} in {region}").format(
                bias=decimal(f"{self.bias:g}"), region=self.region))
        if self.contested:
            parts.append(_("sensor picture contested"))
        parts.append(_("recommend {action}").format(action=action))
        return "; ".join(parts)


def ai_wording(label: str, confidence: float, region: str | None, bias: float, contested: bool,
               action: str) -> Wording:
    """The AI's own explanation: its call, the region's data bias, spoofing, the action."""
    return Wording(AI, action, label, confidence, region, bias, contested)


def unassessed() -> Wording:
    """Level 1: no AI assessment; the operator's own call."""
    return Wording(UNASSESSED)


def operator_judges(confidence: float, action: str) -> Wording:
    """Levels 1-4: the operator judged the track hostile and carries out ``action``."""
    return Wording(JUDGES, action, "hostile", confidence)


def operator_flags(action: str) -> Wording:
    """An operator noticed a threat the AI called civilian and proposes ``action``."""
    return Wording(FLAGS, action)


def shown(english: str, wording: Wording | None) -> str:
    """What a screen shows for a logged explanation: its wording in the room's language, or
    the logged text when no wording was kept (an engine without one)."""
    return english if wording is None else wording.text()
