"""Debrief data: the timeline of decisions with who decided, overrides, rubber stamps, bookmarks.

Computed from the event log alone (DESIGN.md principle 2), so the debrief of a live session, a
resumed one and a replay are the same. No pygame here; ``visualiser.screens`` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FORCE = ("engage", "jam")


@dataclass
class DecisionRow:
    decision: int
    t: float
    track: int
    action: str
    label: str
    confidence: float
    level: int
    protocol: str
    decided_by: str = "pending"  # person, model operator, AI, timeout, gate, nobody
    outcome: str = "open"  # approved, rejected, executed, no action, blocked, stopped
    t_decided: float | None = None
    review_s: float | None = None
    verified: bool = False
    rubber_stamp: bool = False
    override: bool = False
    ai_wrong: bool = False  # ground truth: shown in the debrief, never live to players

    def line(self) -> str:
        from visualiser.feed import clock

        flags = []
        if self.override:
            flags.append("OVERRIDE")
        if self.rubber_stamp:
            flags.append("RUBBER STAMP")
        if self.ai_wrong:
            flags.append("AI WRONG")
        review = f", review {self.review_s:.0f} s" if self.review_s is not None else ""
        return (f"{clock(self.t)}  #{self.decision:<3} track {self.track:<4} "
                f"{self.action.upper():<6} {self.label} {self.confidence:.2f}  L{self.level}  "
                f"-> {self.outcome} by {self.decided_by}{review}"
                + (f"  [{' / '.join(flags)}]" if flags else ""))


def decision_timeline(events: list[dict[str, Any]], min_review_s: float | None = None
                      ) -> list[DecisionRow]:
    """One row per AI recommendation, oldest first, with how it was settled."""
    if min_review_s is None:
        start = next((e for e in events if e["kind"] == "run_started"), None)
        min_review_s = float((start or {}).get("params", {}).get("min_review_s", 10.0))
    rows: dict[int, DecisionRow] = {}
    for e in events:
        k = e["kind"]
        if k == "recommendation":
            rows[e["decision"]] = DecisionRow(
                e["decision"], e["t"], e["track"], e["action"], e["label"],
                float(e["confidence"]), int(e["level"]), e["protocol"],
                ai_wrong=bool(e.get("ai_wrong")),
            )
            continue
        row = rows.get(e.get("decision", -1))
        if row is None:
            continue
        if k in ("approval", "veto") and row.t_decided is None:
            row.decided_by = "person" if e.get("by") == "person" else "model operator"
            row.outcome = "approved" if k == "approval" else "rejected"
            row.t_decided, row.review_s, row.verified = e["t"], e["review_s"], e["verified"]
            if k == "veto":
                row.override = True
            elif row.action in FORCE and (not e["verified"] or e["review_s"] < min_review_s):
                row.rubber_stamp = True
        elif k == "timeout" and row.t_decided is None:
            row.t_decided = e["t"]
            row.outcome = {"executed": "executed", "stopped": "stopped"}.get(e["outcome"],
                                                                             "no action")
            row.decided_by = "AI (no veto)" if e["outcome"] == "executed" else "nobody (timeout)"
        elif k == "gate" and e.get("outcome") == "blocked" and row.t_decided is None:
            row.t_decided, row.outcome, row.decided_by = e["t"], "blocked", f"ROE {e['rule']}"
        elif k == "engagement" and row.t_decided is None:
            row.t_decided, row.outcome = e["t"], "executed"
            row.decided_by = "AI" if e["authorised_by"] == "ai" else "human"
    return sorted(rows.values(), key=lambda r: (r.t, r.decision))


def bookmarks(events: list[dict[str, Any]]) -> list[tuple[float, str]]:
    return [(e["t"], e.get("label", "")) for e in events
            if e["kind"] == "input" and e.get("input") == "bookmark"]


KEY_METRICS: tuple[tuple[str, str, str], ...] = (
    ("mission", "threats_neutralised", "threats neutralised"),
    ("mission", "leakers", "leakers"),
    ("mission", "defence_rate", "defence rate"),
    ("harm", "civilian_casualties", "civilian casualties"),
    ("harm", "wrongful_engagements", "wrongful engagements"),
    ("harm", "precaution_score", "precaution score"),
    ("control", "uses_of_force", "uses of force"),
    ("control", "human_authorisation_rate", "human authorisation rate"),
    ("control", "meaningful_review_rate", "meaningful review rate"),
    ("control", "rubber_stamp_rate", "rubber-stamp rate"),
    ("control", "override_rate", "override rate"),
    ("control", "out_of_loop_exposure", "out-of-loop share of force"),
    ("escalation", "max_rung_red", "red's highest rung"),
    ("escalation", "max_rung_blue", "blue's highest rung"),
)


def fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def key_metric_lines(metrics: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    out = []
    for group, name, words in KEY_METRICS:
        if name in metrics.get(group, {}):
            out.append((words, fmt(metrics[group][name])))
    return out
