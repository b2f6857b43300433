"""The engine's words in the reader's language: action classes, classes, contact kinds,
protocols, gate rules, escalation causes and decision outcomes.

The event log and the timeline keep their English keys (they are data, read by tests and
analysis); the report translates them where it shows them. A word not listed here (a plugin's
action, a scenario's own contact kind) is shown as written, with underscores as spaces.
"""

from __future__ import annotations

import re

from hmt_sim.i18n import N_, _

# Marked for the catalog; translated by ``term``.
TERMS: frozenset[str] = frozenset((
    # action classes and their past tense
    N_("warn"), N_("jam"), N_("engage"), N_("warned"), N_("jammed"), N_("engaged"),
    N_("hold"), N_("monitor"),
    # classes and sides
    N_("hostile"), N_("civilian"), N_("unknown"), N_("red"), N_("blue"),
    # contact kinds of the bundled scenarios
    N_("airliner"), N_("airliner dark"), N_("anti ship missile"), N_("armed pickup"),
    N_("attack drone"), N_("attack helicopter"), N_("car"), N_("crop sprayer"),
    N_("cruise missile"), N_("decoy"), N_("delivery drone"), N_("delivery pickup"),
    N_("fast attack craft"), N_("fighter team"), N_("fishing boat"), N_("hobby drone"),
    N_("light aircraft"), N_("loitering munition"), N_("merchant ship"), N_("militia boat"),
    N_("minibus"), N_("recon quadcopter"), N_("valley drone"),
    # protocols (autonomy.Protocol)
    N_("manual"), N_("approval"), N_("veto"), N_("inform after"), N_("on request"),
    N_("ai discretion"), N_("silent"),
    # gate rules and outcomes
    N_("proportionality"), N_("reliability floor"), N_("protected site"), N_("doubt"),
    N_("bias gap"), N_("kill switch"), N_("human only rung"), N_("anti personnel"),
    N_("category whitelist"), N_("envelope"), N_("blocked"), N_("held"), N_("referred"),
    N_("informed"), N_("raised"),
    # escalation causes
    N_("friendly loss"), N_("jamming"), N_("reaction"), N_("strike on forces"),
    N_("wrongful civilian strike"), N_("facilitator"), N_("adversary step"),
    N_("answer to inadvertent escalation"), N_("red cell"),
    # sweep factors in words (hmt_sim.sweep.plots.FACTOR_LABELS)
    N_("Autonomy level"), N_("Veto window (s)"), N_("AI reliability"), N_("Operators"),
    N_("Median review time (s)"), N_("Run seed"),
    # workload dimensions (human.tlx)
    N_("mental"), N_("temporal"), N_("performance"), N_("effort"), N_("frustration"),
    # escalation ladder rungs (hmt_sim.ladder.RUNG_NAMES)
    N_("sub-crisis manoeuvring"), N_("traditional crisis"), N_("intense crisis"),
    N_("limited conventional strikes"), N_("large conventional war"), N_("nuclear signalling"),
    N_("limited nuclear use"), N_("central war"),
    # decision outcomes (hmt_sim.timeline.TimelineRow.outcome) and their parts
    N_("vetoed"), N_("rejected"), N_("hit"), N_("missed"), N_("target gone"),
    N_("warned (no answer)"), N_("complied"), N_("ignored"), N_("no action (timed out)"),
    N_("stopped (kill switch)"), N_("not carried out"),
))

_BLOCKED = re.compile(r"^blocked by ROE \((?P<rule>[^)]*)\)$")


def term(word: str) -> str:
    """One engine word (``attack_drone``, ``inform_after``) in the language in force."""
    spaced = word.replace("_", " ")
    if spaced in TERMS:
        return _(spaced)
    return spaced


def outcome(text: str) -> str:
    """A decision's outcome ("jammed: hit", "blocked by ROE (proportionality)") translated."""
    blocked = _BLOCKED.match(text)
    if blocked:
        return _("blocked by ROE ({rule})").format(rule=term(blocked["rule"]))
    if text in TERMS:
        return _(text)
    head, sep, tail = text.partition(": ")
    if sep:
        return f"{term(head)}: {term(tail)}"
    return term(text)


def reasons(text: str) -> str:
    """An escalation step's causes ("jamming,reaction") translated, comma-separated."""
    return ", ".join(term(part) for part in text.split(",") if part)
