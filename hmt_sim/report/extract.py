"""Tables and series for the report, read from the event log only (DESIGN.md principle 2).

Each function takes the log and returns plain rows; the HTML and the plots only format them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from hmt_sim.events import Event

BOOKMARK_SLACK_S = 10.0  # a decision is "at" a bookmark if the mark falls within its span +- this


@dataclass(frozen=True, slots=True)
class Step:
    t: float
    side: str
    from_rung: int
    to_rung: int
    inadvertent: bool
    reason: str
    causes: tuple[int, ...]


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


def start_rungs(events: list[Event]) -> dict[str, int]:
    params = events[0].get("params", {}) if events and events[0]["kind"] == "run_started" else {}
    return {"blue": int(params.get("start_rung_blue", 0)),
            "red": int(params.get("start_rung_red", 0))}


def duration(events: list[Event]) -> float:
    ended = [e for e in events if e["kind"] == "run_ended"]
    return float(ended[-1]["duration_s"]) if ended else (events[-1]["t"] if events else 0.0)


def escalation_steps(events: list[Event]) -> list[Step]:
    return [Step(e["t"], e["side"], e["from_rung"], e["to_rung"], bool(e["inadvertent"]),
                 str(e.get("reason", "")), tuple(e.get("causes") or ()))
            for e in events if e["kind"] == "escalation_step"]


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
            out.append(Marker(e["t"], f"autonomy set: {levels}", "facilitator"))
        elif e["kind"] == "input" and e.get("input") == "set_reliability":
            out.append(Marker(e["t"], f"AI reliability set to {e.get('reliability')}",
                              "facilitator"))
    return out


def gates(events: list[Event]) -> list[Event]:
    return [e for e in events if e["kind"] == "gate"]


def uses_of_force(events: list[Event]) -> list[tuple[float, bool]]:
    """(time, on a civilian?) of each kinetic engagement."""
    civilian = {e["track"] for e in events if e["kind"] == "spawn"
                and e["true_class"] == "civilian"}
    return [(e["t"], e["track"] in civilian) for e in events
            if e["kind"] == "engagement" and e["action"] == "engage"]


def _answerers(by_kind: dict[str, list[Event]]) -> list[Event]:
    """The human answers that decided: a veto decides (two-person approvals need both seats),
    so vetoes come first; otherwise every approval."""
    return by_kind.get("veto", []) or by_kind.get("approval", [])


def _who(rec: Event, by_kind: dict[str, list[Event]]) -> str:
    answers = _answerers(by_kind)
    if answers:
        return " + ".join(
            f"person (operator {e['operator']})" if e.get("by") == "person"
            else f"model operator {e['operator']}" for e in answers)
    for e in by_kind.get("timeout", []):
        if e["outcome"] == "executed":
            return "AI (veto window passed)"
        if e["outcome"] == "stopped":
            return "kill switch"
        if e["outcome"] == "no_action":
            return "nobody (time ran out)"
    if rec["level"] >= 6:
        return "AI"
    return "-"


def _review(by_kind: dict[str, list[Event]]) -> tuple[float | None, str]:
    answers = _answerers(by_kind)
    if answers:
        return float(max(e["review_s"] for e in answers)), ""
    ended = by_kind.get("review_ended", [])
    if ended:
        purpose = ended[-1].get("purpose", "")
        note = "afterwards" if purpose == "inform" else (
            "no veto" if purpose == "veto" else "")
        return float(sum(e["duration_s"] for e in ended)), note
    return None, ""


def _verified(by_kind: dict[str, list[Event]], reviewed: bool) -> str:
    answers = _answerers(by_kind)
    if answers:
        return "yes" if all(e["verified"] for e in answers) else "no"
    if by_kind.get("verification"):
        return "yes"
    return "no" if reviewed else "-"


def _outcome(rec: Event, by_kind: dict[str, list[Event]]) -> str:
    if by_kind.get("veto"):
        return "vetoed" if rec["level"] == 6 else "rejected"
    blocked = [g for g in by_kind.get("gate", []) if g["outcome"] == "blocked"]
    if blocked:
        return f"blocked by ROE ({blocked[-1]['rule']})"
    engaged = by_kind.get("engagement", [])
    if engaged:
        effects = by_kind.get("effect", [])
        action = rec["action"]
        if action == "warn":
            if not effects:
                return "warned (no answer)"
            return "warned: complied" if effects[-1]["success"] else "warned: ignored"
        verb = "jammed" if action == "jam" else "engaged"
        if not effects:
            return f"{verb}: target gone"
        return f"{verb}: {'hit' if any(e['success'] for e in effects) else 'missed'}"
    for e in by_kind.get("timeout", []):
        if e["outcome"] == "no_action":
            return "no action (timed out)"
        if e["outcome"] == "stopped":
            return "stopped (kill switch)"
    return "not carried out"


def decision_rows(events: list[Event]) -> list[DecisionRow]:
    """One row per AI recommendation: what it advised, who decided, what happened."""
    truth = {e["track"]: (e["true_class"], e["contact_kind"]) for e in events
             if e["kind"] == "spawn"}
    by_decision: dict[int, dict[str, list[Event]]] = defaultdict(lambda: defaultdict(list))
    for e in events:
        d = e.get("decision")
        if d is not None and e["kind"] != "input":
            by_decision[d][e["kind"]].append(e)
    steps_by_cause: dict[int, list[Step]] = defaultdict(list)
    for step in escalation_steps(events):
        for seq in step.causes:
            steps_by_cause[seq].append(step)
    marks = bookmarks(events)
    rows = []
    for did, by_kind in sorted(by_decision.items()):
        recs = by_kind.get("recommendation")
        if not recs:
            continue
        rec = recs[0]
        seqs = [e["seq"] for kind in by_kind.values() for e in kind]
        end_t = max(e["t"] for kind in by_kind.values() for e in kind)
        steps: list[Step] = []
        for seq in sorted(seqs):
            for s in steps_by_cause.get(seq, []):
                if s not in steps:
                    steps.append(s)
        escalation = "; ".join(
            f"{s.side} {s.from_rung}\u2192{s.to_rung}" + (" (inadvertent)" if s.inadvertent
                                                          else "") for s in steps) or "none"
        review_s, note = _review(by_kind)
        true_class, contact = truth.get(rec["track"], ("?", "?"))
        rows.append(DecisionRow(
            decision=did, t=rec["t"], end_t=end_t, track=rec["track"], contact=contact,
            truth=true_class, action=rec["action"], label=rec["label"],
            confidence=float(rec["confidence"]), level=int(rec["level"]),
            protocol=str(rec["protocol"]), ai_wrong=bool(rec.get("ai_wrong")),
            who=_who(rec, by_kind), review_s=review_s, review_note=note,
            verified=_verified(by_kind, review_s is not None), outcome=_outcome(rec, by_kind),
            civilian_harm=sum(int(e["civilian_harm"]) for e in by_kind.get("effect", [])),
            escalation=escalation, inadvertent=any(s.inadvertent for s in steps),
            bookmarks=[b.label or "bookmark" for b in marks
                       if rec["t"] - BOOKMARK_SLACK_S <= b.t <= end_t + BOOKMARK_SLACK_S],
        ))
    return rows


def input_counts(inputs: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for item in inputs:
        counts[str(item.get("type"))] += 1
    return dict(counts)
