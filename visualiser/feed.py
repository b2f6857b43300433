"""The event feed in plain words: one line per event a person in the room should notice.

Pure functions of an event (no pygame), so the wording is testable and the debrief and the feed
say the same thing. Ground-truth fields (``correct``, ``ai_wrong``, ``true_class``) are only shown
when ``truth`` is set: the players see what the operators see.
"""

from __future__ import annotations

from typing import Any

from hmt_sim.actions import is_warning

# Tones colour a line: info (grey), ai (cyan), human (green), warn (amber), alarm (red).
Tone = str

PROTOCOL_WORDS = {
    "manual": "operator to decide",
    "approval": "awaiting approval",
    "veto": "executes unless vetoed",
    "inform_after": "AI acts, then informs",
    "on_request": "AI acts (informs if asked)",
    "ai_discretion": "AI acts (informs if unsure)",
    "silent": "AI acts silently",
}


def clock(t: float) -> str:
    """Simulation seconds as MM:SS (H:MM:SS past an hour)."""
    s = int(t)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"


def who(e: dict[str, Any]) -> str:
    op = e.get("operator")
    seat = "operator" if op in (None, 0) else f"operator {op}"
    return f"{seat} (you)" if e.get("by") == "person" else seat


def describe(e: dict[str, Any], truth: bool = False) -> tuple[str, Tone] | None:
    """(text, tone) for an event worth a line in the feed, or None."""
    k = e["kind"]
    tr = e.get("track")
    if k == "detection":
        return f"{e['sensor']} detects track {tr}" + (
            f" over {e['region']}" if e.get("region") else ""), "info"
    if k == "classification":
        text = f"AI classifies track {tr} as {e['label']} ({e['confidence']:.2f})"
        if truth and not e.get("correct", True):
            text += " [WRONG]"
        return text, "ai"
    if k == "recommendation":
        words = PROTOCOL_WORDS.get(e["protocol"], e["protocol"])
        text = (f"AI recommends {e['action'].upper()} track {tr} ({e['label']}, "
                f"{e['confidence']:.2f}) - {words} [L{e['level']}]")
        if truth and e.get("ai_wrong"):
            text += " [target is civilian]"
        return text, "ai"
    if k == "approval":
        stamp = "" if e.get("verified") else ", not verified"
        return (f"{who(e)} approves decision {e['decision']} on track {tr} after "
                f"{e['review_s']:.0f} s{stamp}"), "human"
    if k == "veto":
        return f"{who(e)} rejects decision {e['decision']} on track {tr}", "human"
    if k == "verification":
        return f"{who(e)} verifies track {tr} ({e['duration_s']:.0f} s)", "human"
    if k == "timeout":
        outcome = e["outcome"]
        if outcome == "executed":
            return f"no veto on track {tr}: the AI executes (decision {e['decision']})", "warn"
        if outcome == "stopped":
            return f"kill switch stops decision {e['decision']} on track {tr}", "warn"
        return (f"no answer in time on track {tr}: no action (decision "
                f"{e['decision']})"), "warn"
    if k == "inform":
        return f"AI informs the operator: it acted on track {tr}", "ai"
    if k == "gate":
        return f"ROE gate {e['rule']} {e['outcome']} on track {tr}", "warn"
    if k == "engagement":
        by = "human-authorised" if e["authorised_by"] == "human" else "autonomous"
        return f"{e['effector']} {e['action'].upper()}S track {tr} ({by}, L{e['level']})", "alarm"
    if k == "effect":
        if is_warning(e["action"]):
            return (f"track {tr} {'complies with' if e['success'] else 'ignores'} the "
                    f"warning"), "info"
        text = f"{e['action']} on track {tr}: {'hit' if e['success'] else 'miss'}"
        harm = e.get("civilian_harm", 0)
        if harm:
            text += f", {harm} civilian casualt{'y' if harm == 1 else 'ies'}"
        if e.get("protected_site"):
            text += f", damage near {e['protected_site']}"
        return text, "alarm" if harm or (e.get("target_civilian") and truth) else "info"
    if k == "impact":
        return f"track {tr} reaches the defended asset (leaker, damage {e['damage']})", "alarm"
    if k == "missed_threat":
        return (f"AI called hostile track {tr} civilian"
                + ("; the operator noticed" if e.get("noticed") else "")), "warn"
    if k == "assessment":
        verdict = "correct" if e["ai_correct"] else "WRONG"
        return (f"assessment: track {tr} was {e['true_class']}; the AI said {e['ai_label']} "
                f"({verdict})"), "info" if e["ai_correct"] else "warn"
    if k == "escalation_step":
        side = "Blue" if e["side"] == "blue" else "Red"
        why = " (inadvertent)" if e.get("inadvertent") else ""
        return f"{side} escalates: rung {e['from_rung']} -> {e['to_rung']}{why}", (
            "alarm" if e["to_rung"] > e["from_rung"] else "info")
    if k == "inject":
        return f"INJECT: {e['label']}", "warn"
    if k == "autonomy_change":
        levels = ", ".join(f"{a} {v}" for a, v in e["levels"].items())
        return f"autonomy levels now {levels} ({e['reason']})", "warn"
    if k == "input":
        if e["input"] == "bookmark":
            return f"BOOKMARK: {e.get('label', '')}", "human"
        if e["input"] == "set_reliability":
            return f"facilitator sets AI reliability to {e['reliability']:.2f}", "warn"
        return None
    if k == "spawn" and truth:
        return f"track {tr} ({e['contact_kind']}) enters the area", "info"
    if k == "run_ended":
        return "the run has ended", "warn"
    return None
