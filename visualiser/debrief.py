"""Debrief data: the timeline of decisions with who decided, overrides, rubber stamps, bookmarks,
and the discussion questions chosen by what happened.

Computed from the event log alone (DESIGN.md principle 2), so the debrief of a live session, a
resumed one and a replay are the same, and it says what the log says: a person's verification
is the time they really spent between Inspect and their answer, and a rubber stamp names the
rule it broke (not verified, or reviewed for less than the ROE's minimum). No pygame here;
``visualiser.screens`` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hmt_sim.i18n import _
from hmt_sim.metrics._common import LogIndex
from hmt_sim.metrics.control import min_review_at
from hmt_sim.questions import chosen_questions
from hmt_sim.timeline import TimelineRow
from hmt_sim.timeline import decision_timeline as core_timeline


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
    rubber_stamps: int = 0  # approvals of force under the review the ROE then required
    override: bool = False
    ai_wrong: bool = False  # ground truth: shown in the debrief, never live to players
    verify_s: float | None = None  # seconds spent verifying (the log's verification events)
    stamp_reason: str = ""  # why an approval was a rubber stamp, in the debrief's words

    @property
    def rubber_stamp(self) -> bool:
        """At least one approval of this decision was a rubber stamp."""
        return self.rubber_stamps > 0

    def line(self) -> str:
        from visualiser.feed import clock

        flags = []
        if self.override:
            flags.append(_("OVERRIDE"))
        if self.rubber_stamp:
            stamp = _("RUBBER STAMP") if self.rubber_stamps == 1 else _(
                "RUBBER STAMP x{n}").format(n=self.rubber_stamps)
            flags.append(f"{stamp}: {self.stamp_reason}" if self.stamp_reason else stamp)
        if self.ai_wrong:
            flags.append(_("AI WRONG"))
        review = _(", review {s} s").format(s=f"{self.review_s:.1f}") \
            if self.review_s is not None else ""
        if self.verify_s is not None:
            review += _(", verified {s} s").format(s=f"{self.verify_s:.1f}")
        return (f"{clock(self.t)}  #{self.decision:<3} " + _("track {n}").format(n=self.track)
                + f"  {self.action.upper():<6} {self.label} {self.confidence:.2f}  "
                f"L{self.level}  -> " + _("{outcome} by {who}").format(
                    outcome=self.outcome, who=self.decided_by) + review
                + (f"  [{' / '.join(flags)}]" if flags else ""))


def _decided_by(row: TimelineRow) -> str:
    if row.settled_by == "answer":
        kinds = dict.fromkeys("person" if a.by == "person" else "model operator"
                              for a in row.deciders)
        return " + ".join(kinds)
    if row.settled_by == "gate":
        return f"ROE {row.blocked_by}"
    return {"veto_window": "AI (no veto)", "kill_switch": "kill switch",
            "time_out": "nobody (timeout)", "ai": "AI", "human": "human"}.get(row.settled_by,
                                                                              "pending")


def _stamp_reason(ix: LogIndex, row: TimelineRow) -> str:
    """Which rule the rubber-stamped approvals broke: no verification, or too short a review."""
    why = []
    for a in row.answers:
        if not a.rubber_stamp:
            continue
        if not a.verified:
            why.append(_("approved without verifying"))
        else:
            why.append(_("reviewed {s} s, under the {m} s minimum").format(
                s=f"{a.review_s:.1f}", m=f"{min_review_at(ix, a.t):g}"))
    return "; ".join(dict.fromkeys(why))


def _verification_s(events: list[dict[str, Any]]) -> dict[int, float]:
    """Seconds of verification per decision, as logged (a person's: Inspect to answer)."""
    out: dict[int, float] = {}
    for e in events:
        if e["kind"] == "verification":
            out[e["decision"]] = out.get(e["decision"], 0.0) + float(e["duration_s"])
    return out


def decision_timeline(events: list[dict[str, Any]]) -> list[DecisionRow]:
    """One row per AI recommendation, oldest first, with how it was settled: the core's
    timeline (``hmt_sim.timeline``) in the debrief's words."""
    rows = []
    ix = LogIndex(events)
    verified_s = _verification_s(events)
    for r in core_timeline(events):
        answered = r.settled_by == "answer"
        rows.append(DecisionRow(
            r.decision, r.t, r.track, r.action, r.label, r.confidence, r.level, r.protocol,
            decided_by=_decided_by(r), outcome=r.verdict, t_decided=r.settled_t,
            review_s=r.review_s if answered else None,
            verified=bool(r.verified) if answered else False,
            rubber_stamps=r.rubber_stamps, override=r.override, ai_wrong=r.ai_wrong,
            verify_s=verified_s.get(r.decision),
            stamp_reason=_stamp_reason(ix, r) if r.rubber_stamps else "",
        ))
    return sorted(rows, key=lambda r: (r.t, r.decision))


def debrief_questions(scenario: Any, metrics: dict[str, dict[str, Any]]) -> list[str]:
    """The discussion questions for this run: the scenario's own whose premise held (its
    ``question_when`` conditions), then generic ones chosen from the metrics
    (``hmt_sim.questions``)."""
    return chosen_questions(scenario, metrics)


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
