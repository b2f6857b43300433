"""The event feed in plain words: one line per event a person in the room should notice.

Pure functions of an event (no pygame), so the wording is testable and the debrief and the feed
say the same thing. Ground-truth fields (``correct``, ``ai_wrong``, ``true_class``) are only shown
when ``truth`` is set: the players see what the operators see.
"""

from __future__ import annotations

from typing import Any

from hmt_sim.actions import is_warning
from hmt_sim.i18n import N_, _, ngettext

# Tones colour a line: info (grey), ai (cyan), human (green), warn (amber), alarm (red).
Tone = str

PROTOCOL_WORDS = {  # translated where shown: _(PROTOCOL_WORDS[p])
    "manual": N_("operator to decide"),
    "approval": N_("awaiting approval"),
    "veto": N_("executes unless vetoed"),
    "inform_after": N_("AI acts, then informs"),
    "on_request": N_("AI acts (informs if asked)"),
    "ai_discretion": N_("AI acts (informs if unsure)"),
    "silent": N_("AI acts silently"),
}


def clock(t: float) -> str:
    """Simulation seconds as MM:SS (H:MM:SS past an hour)."""
    s = int(t)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"


def who(e: dict[str, Any]) -> str:
    """The seat an answer came from, and "(you)" when a person gave it."""
    op = e.get("operator")
    seat = _("operator") if op in (None, 0) else _("operator {n}").format(n=op)
    return _("{seat} (you)").format(seat=seat) if e.get("by") == "person" else seat


def describe(e: dict[str, Any], truth: bool = False) -> tuple[str, Tone] | None:
    """(text, tone) for an event worth a line in the feed, or None."""
    k = e["kind"]
    tr = e.get("track")
    if k == "detection":
        if e.get("region"):
            return _("{sensor} detects track {track} over {region}").format(
                sensor=e["sensor"], track=tr, region=e["region"]), "info"
        return _("{sensor} detects track {track}").format(sensor=e["sensor"], track=tr), "info"
    if k == "classification":
        text = _("AI classifies track {track} as {label} ({confidence:.2f})").format(
            track=tr, label=_(e["label"]), confidence=e["confidence"])
        if truth and not e.get("correct", True):
            text += " " + _("[WRONG]")
        return text, "ai"
    if k == "recommendation":
        words = _(PROTOCOL_WORDS.get(e["protocol"], e["protocol"]))
        text = _("AI recommends {action} track {track} ({label}, {confidence:.2f}) - {words} "
                 "[L{level}]").format(action=_(e["action"]).upper(), track=tr, label=_(e["label"]),
                                      confidence=e["confidence"], words=words, level=e["level"])
        if truth and e.get("ai_wrong"):
            text += " " + _("[target is civilian]")
        return text, "ai"
    if k == "approval":
        if e.get("verified"):
            return _("{who} approves decision {decision} on track {track} after {s:.0f} s").format(
                who=who(e), decision=e["decision"], track=tr, s=e["review_s"]), "human"
        return _("{who} approves decision {decision} on track {track} after {s:.0f} s, not "
                 "verified").format(who=who(e), decision=e["decision"], track=tr,
                                    s=e["review_s"]), "human"
    if k == "veto":
        return _("{who} rejects decision {decision} on track {track}").format(
            who=who(e), decision=e["decision"], track=tr), "human"
    if k == "verification":
        return _("{who} verifies track {track} ({s:.0f} s)").format(
            who=who(e), track=tr, s=e["duration_s"]), "human"
    if k == "timeout":
        outcome = e["outcome"]
        if outcome == "executed":
            return _("no veto on track {track}: the AI executes (decision {decision})").format(
                track=tr, decision=e["decision"]), "warn"
        if outcome == "stopped":
            return _("kill switch stops decision {decision} on track {track}").format(
                decision=e["decision"], track=tr), "warn"
        return _("no answer in time on track {track}: no action (decision {decision})").format(
            track=tr, decision=e["decision"]), "warn"
    if k == "inform":
        return _("AI informs the operator: it acted on track {track}").format(track=tr), "ai"
    if k == "gate":
        return _("ROE gate {rule} {outcome} on track {track}").format(
            rule=_(e["rule"].replace("_", " ")), outcome=_(e["outcome"]), track=tr), "warn"
    if k == "engagement":
        by = _("human-authorised") if e["authorised_by"] == "human" else _("autonomous")
        return _("{effector} {action}S track {track} ({by}, L{level})").format(
            effector=e["effector"], action=_(e["action"]).upper(), track=tr, by=by,
            level=e["level"]), "alarm"
    if k == "effect":
        if is_warning(e["action"]):
            return (_("track {track} complies with the warning") if e["success"]
                    else _("track {track} ignores the warning")).format(track=tr), "info"
        text = (_("{action} on track {track}: hit") if e["success"]
                else _("{action} on track {track}: miss")).format(action=_(e["action"]), track=tr)
        harm = e.get("civilian_harm", 0)
        if harm:
            text += ", " + ngettext("{n} civilian casualty", "{n} civilian casualties",
                                    harm).format(n=harm)
        if e.get("protected_site"):
            text += ", " + _("damage near {site}").format(site=e["protected_site"])
        return text, "alarm" if harm or (e.get("target_civilian") and truth) else "info"
    if k == "impact":
        return _("track {track} reaches the defended asset (leaker, damage {damage})").format(
            track=tr, damage=e["damage"]), "alarm"
    if k == "missed_threat":
        if e.get("noticed"):
            return _("AI called hostile track {track} civilian; the operator noticed").format(
                track=tr), "warn"
        return _("AI called hostile track {track} civilian").format(track=tr), "warn"
    if k == "assessment":
        verdict = _("correct") if e["ai_correct"] else _("WRONG")
        return _("assessment: track {track} was {truth}; the AI said {label} ({verdict})").format(
            track=tr, truth=_(e["true_class"]), label=_(e["ai_label"]), verdict=verdict), (
            "info" if e["ai_correct"] else "warn")
    if k == "escalation_step":
        side = _("Blue") if e["side"] == "blue" else _("Red")
        text = _("{side} escalates: rung {a} -> {b}").format(side=side, a=e["from_rung"],
                                                              b=e["to_rung"])
        if e.get("inadvertent"):
            text += " " + _("(inadvertent)")
        return text, ("alarm" if e["to_rung"] > e["from_rung"] else "info")
    if k == "inject":
        return _("INJECT: {label}").format(label=e["label"]), "warn"
    if k == "autonomy_change":
        levels = ", ".join(f"{a} {v}" for a, v in e["levels"].items())
        return _("autonomy levels now {levels} ({reason})").format(levels=levels,
                                                                    reason=e["reason"]), "warn"
    if k == "input":
        if e["input"] == "bookmark":
            return _("BOOKMARK: {label}").format(label=e.get("label", "")), "human"
        if e["input"] == "set_reliability":
            return _("facilitator sets AI reliability to {value:.2f}").format(
                value=e["reliability"]), "warn"
        return None
    if k == "spawn" and truth:
        return _("track {track} ({kind}) enters the area").format(
            track=tr, kind=e["contact_kind"]), "info"
    if k == "run_ended":
        return _("the run has ended"), "warn"
    return None
