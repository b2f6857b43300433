"""Tables and series for the report, read from the event log only (DESIGN.md principle 2).

Each function takes the log and returns plain rows; the HTML and the plots only format them. The
decision table is the core's per-decision timeline (``hmt_sim.timeline``, which the debrief reads
too) put into the report's words.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from hmt_sim import actions
from hmt_sim.events import Event
from hmt_sim.i18n import _, ngettext
from hmt_sim.timeline import Step, TimelineRow, decision_timeline, escalation_steps

# A decision is "at" a bookmark when one of its moments - the AI's recommendation, a person's
# answer, or the moment it was settled (carried out, rejected, blocked, timed out) - falls within
# this many seconds of the mark, before or after. Not its whole span: a decision the AI made at
# 1:52 and carried out at 7:02 did nothing at 4:00, so a bookmark at 4:00 is not about it.
BOOKMARK_SLACK_S = 30.0


@dataclass(frozen=True, slots=True)
class Bookmark:
    t: float
    label: str


@dataclass(frozen=True, slots=True)
class Marker:
    """An inject or a facilitator change, drawn as a vertical line on the time plots."""

    t: float
    label: str
    source: str


@dataclass
class DecisionRow:
    decision: int
    t: float
    end_t: float
    track: int
    contact: str
    truth: str
    action: str
    label: str
    confidence: float
    level: int
    protocol: str
    ai_wrong: bool
    who: str
    review_s: float | None
    review_note: str
    verified: str
    outcome: str
    civilian_harm: int
    escalation: str
    inadvertent: bool
    bookmarks: list[str] = field(default_factory=list)
    rubber_stamps: int = 0  # approvals of force under the review the ROE then required


def start_rungs(events: list[Event]) -> dict[str, int]:
    params = events[0].get("params", {}) if events and events[0]["kind"] == "run_started" else {}
    return {"blue": int(params.get("start_rung_blue", 0)),
            "red": int(params.get("start_rung_red", 0))}


def duration(events: list[Event]) -> float:
    ended = [e for e in events if e["kind"] == "run_ended"]
    return float(ended[-1]["duration_s"]) if ended else (events[-1]["t"] if events else 0.0)


def rung_series(events: list[Event]) -> dict[str, tuple[list[float], list[int]]]:
    """Each side's rung as a step function: times and the rung from that time on."""
    start = start_rungs(events)
    end = duration(events)
    series: dict[str, tuple[list[float], list[int]]] = {s: ([0.0], [r]) for s, r in start.items()}
    for step in escalation_steps(events):
        ts, rs = series[step.side]
        ts.append(step.t)
        rs.append(step.to_rung)
    for ts, rs in series.values():
        ts.append(end)
        rs.append(rs[-1])
    return series


def bookmarks(events: list[Event]) -> list[Bookmark]:
    return [Bookmark(e["t"], str(e.get("label", ""))) for e in events
            if e["kind"] == "input" and e.get("input") == "bookmark"]


def markers(events: list[Event]) -> list[Marker]:
    """Injects (scripted or live) and facilitator parameter changes, in time order."""
    out: list[Marker] = []
    for e in events:
        if e["kind"] == "inject" and e.get("inject") != "comms_restored":
            out.append(Marker(e["t"], str(e.get("label") or e["inject"]),
                              str(e.get("source", ""))))
        elif e["kind"] == "input" and e.get("input") == "set_levels":
            levels = ", ".join(f"{k} {v}" for k, v in (e.get("levels") or {}).items())
            out.append(Marker(e["t"], _("autonomy set: {levels}").format(levels=levels),
                              _("facilitator")))
        elif e["kind"] == "input" and e.get("input") == "set_reliability":
            out.append(Marker(e["t"], _("AI reliability set to {value}").format(
                value=e.get("reliability")), _("facilitator")))
    return out


def gates(events: list[Event]) -> list[Event]:
    return [e for e in events if e["kind"] == "gate"]


def uses_of_force(events: list[Event]) -> list[tuple[float, bool]]:
    """(time, on a civilian?) of each kinetic engagement."""
    civilian = {e["track"] for e in events if e["kind"] == "spawn"
                and e["true_class"] == "civilian"}
    return [(e["t"], e["track"] in civilian) for e in events
            if e["kind"] == "engagement" and actions.is_lethal(e["action"])]


def side_name(side: str) -> str:
    """"red" / "blue" in the reader's language (the log keeps the English keys)."""
    return {"red": _("red"), "blue": _("blue")}.get(side, side)


def _who(row: TimelineRow) -> str:
    deciders = row.deciders
    if deciders:
        return " + ".join(
            _("person (operator {n})").format(n=a.operator) if a.by == "person"
            else _("model operator {n}").format(n=a.operator) for a in deciders)
    who = {"executed": _("AI (veto window passed)"), "stopped": _("kill switch"),
           "no_action": _("nobody (time ran out)")}
    if row.timeout is not None:
        return who[row.timeout]
    return _("AI") if row.ai_acts else "-"


def _review_note(row: TimelineRow) -> str:
    if row.rubber_stamps:
        if row.rubber_stamps == 1:
            return _("rubber stamp")
        return ngettext("{n} rubber stamp", "{n} rubber stamps", row.rubber_stamps).format(
            n=row.rubber_stamps)
    return {"inform": _("afterwards"), "veto": _("no veto")}.get(row.review_purpose, "")


def _verified(row: TimelineRow) -> str:
    if row.verified is None:
        return "-"
    return _("yes") if row.verified else _("no")


def moments(row: TimelineRow) -> list[float]:
    """When a decision did something: the recommendation, each answer, its settlement."""
    times = [row.t, *(a.t for a in row.answers)]
    if row.settled_t is not None:
        times.append(row.settled_t)
    return times


def near_bookmark(row: TimelineRow, t: float) -> bool:
    """Whether a bookmark at ``t`` is about this decision (see ``BOOKMARK_SLACK_S``)."""
    return any(abs(m - t) <= BOOKMARK_SLACK_S for m in moments(row))


def decision_rows(events: list[Event]) -> list[DecisionRow]:
    """One row per AI recommendation: what it advised, who decided, what happened."""
    truth = {e["track"]: (e["true_class"], e["contact_kind"]) for e in events
             if e["kind"] == "spawn"}
    marks = bookmarks(events)
    rows = []
    for r in decision_timeline(events):
        escalation = "; ".join(
            f"{side_name(s.side)} {s.from_rung}\u2192{s.to_rung}"
            + (" " + _("(inadvertent)") if s.inadvertent else "") for s in r.steps) or _("none")
        true_class, contact = truth.get(r.track, ("?", "?"))
        rows.append(DecisionRow(
            decision=r.decision, t=r.t, end_t=r.end_t, track=r.track, contact=contact,
            truth=true_class, action=r.action, label=r.label, confidence=r.confidence,
            level=r.level, protocol=r.protocol, ai_wrong=r.ai_wrong, who=_who(r),
            review_s=r.review_s, review_note=_review_note(r), verified=_verified(r),
            outcome=r.outcome, civilian_harm=r.civilian_harm, escalation=escalation,
            inadvertent=r.inadvertent,
            bookmarks=[b.label or _("bookmark") for b in marks if near_bookmark(r, b.t)],
            rubber_stamps=r.rubber_stamps,
        ))
    return rows


def input_counts(inputs: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for item in inputs:
        counts[str(item.get("type"))] += 1
    return dict(counts)


__all__ = [
    "BOOKMARK_SLACK_S",
    "Bookmark",
    "DecisionRow",
    "Marker",
    "Step",
    "bookmarks",
    "decision_rows",
    "duration",
    "escalation_steps",
    "gates",
    "input_counts",
    "markers",
    "moments",
    "near_bookmark",
    "rung_series",
    "side_name",
    "start_rungs",
    "uses_of_force",
]
