"""The per-decision timeline (hmt_sim.timeline): written once, read by the report and the
debrief, and its rubber stamps are the metric's, with the ROE in force at each approval."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

from hmt_sim.events import Event, EventLog
from hmt_sim.metrics import compute_metrics
from hmt_sim.report import extract
from hmt_sim.report.html import render
from hmt_sim.report.source import ReportSource
from hmt_sim.scenario import load_scenario
from hmt_sim.session import simulate
from hmt_sim.timeline import decision_timeline
from visualiser import debrief

BUNDLED = ("air_defence_airliner", "airbase_swarm", "deception_drift", "maritime_standoff",
           "overload", "training_sandbox", "urban_nomination")
# A facilitator raises the least review before force from 10 s to 30 s at 200 s.
RAISE_REVIEW = [{"t": 200.0, "type": "inject",
                 "inject": {"kind": "roe_change", "changes": {"min_review_s": 30},
                            "label": "command wants longer reviews"}}]
TWO_PERSON = {"operators.count": 2, "autonomy.level": 5, "roe.human_only_from_rung": 1}
PARAMS = {"duration_s": 100.0, "operators": 1, "min_review_s": 10.0}


def metric_stamp_count(events: list[Event]) -> int:
    """M4's numerator: its rate times its denominator (approvals of force: engage or jam)."""
    action = {e["decision"]: e["action"] for e in events if e["kind"] == "recommendation"}
    approvals = sum(1 for e in events if e["kind"] == "approval"
                    and action[e["decision"]] in ("engage", "jam"))
    rate = compute_metrics(events)["control"]["rubber_stamp_rate"]
    if rate is None:
        return 0
    count = rate * approvals
    assert count == pytest.approx(round(count), abs=1e-9)
    return round(count)


def start_rule_count(events: list[Event]) -> int:
    """What the debrief counted before: the minimum review at the start, whatever came later."""
    start = next(e for e in events if e["kind"] == "run_started")["params"]["min_review_s"]
    action = {e["decision"]: e["action"] for e in events if e["kind"] == "recommendation"}
    return sum(1 for e in events if e["kind"] == "approval"
               and action[e["decision"]] in ("engage", "jam")
               and (not e["verified"] or e["review_s"] < start))


def _counts(events: list[Event]) -> tuple[int, int, int]:
    return (metric_stamp_count(events),
            sum(r.rubber_stamps for r in extract.decision_rows(events)),
            sum(r.rubber_stamps for r in debrief.decision_timeline(events)))


@pytest.mark.parametrize("name", BUNDLED)
def test_report_debrief_and_metric_count_the_same_rubber_stamps(name):
    events = simulate(load_scenario(name), seed=11).events
    metric, report, shown = _counts(events)
    assert report == metric and shown == metric
    assert len(decision_timeline(events)) == sum(
        1 for e in events if e["kind"] == "recommendation")


def test_two_person_approvals_count_each_seat_as_the_metric_does():
    events = simulate(load_scenario("airbase_swarm", overrides=TWO_PERSON), seed=1).events
    rows = decision_timeline(events)
    assert any(len(r.answers) == 2 for r in rows)
    metric, report, shown = _counts(events)
    assert metric > 0 and report == metric and shown == metric


def test_a_mid_run_roe_change_is_judged_by_the_rule_in_force(tmp_path: Path):
    sc = load_scenario("overload")
    assert sc.roe.min_review_s == 10
    res = simulate(sc, seed=2, inputs=RAISE_REVIEW)
    events = res.events
    assert [e["t"] for e in events if e["kind"] == "inject"
            and e["inject"] == "roe_change"] == [200.0]
    metric, report, shown = _counts(events)
    assert report == metric and shown == metric
    # The change matters here: the start-of-run rule would count far fewer.
    assert start_rule_count(events) < metric - 5
    # The report as printed says so too: one note per stamped decision, with its count.
    html = render(ReportSource("run", tmp_path / "run", sc, 2, events,
                               compute_metrics(events)))
    table = html[html.index('<table class="decisions">'):]
    table = table[:table.index("</table>")]
    printed = table.count(">rubber stamp<") + sum(
        int(n) for n in re.findall(r">(\d+) rubber stamps<", table))
    assert printed == metric
    # ... and the debrief's flagged lines carry it.
    flagged = [r.line() for r in debrief.decision_timeline(events) if r.rubber_stamp]
    assert flagged and all("RUBBER STAMP" in line for line in flagged)


def _log() -> EventLog:
    log = EventLog()
    log.emit(0, "run_started", scenario="t", seed=0, version="t", params=PARAMS)
    log.emit(0, "spawn", 1, contact_kind="airliner", true_class="civilian", x=0, y=0)
    return log


def _rec(log: EventLog, t: float, decision: int, action: str = "engage", level: int = 5
         ) -> None:
    protocol = {5: "approval", 6: "veto", 7: "inform_after"}[level]
    log.emit(t, "recommendation", 1, decision=decision, action=action, label="hostile",
             confidence=0.9, level=level, protocol=protocol, ai_wrong=True)


def test_the_rule_in_force_at_the_approval_decides_a_rubber_stamp():
    log = _log()
    e = log.emit
    _rec(log, 1, 1)
    e(7, "approval", 1, decision=1, operator=0, review_s=6.0, verified=True, by="model")
    e(50, "inject", inject="roe_change", label="x", source="facilitator",
      params={"changes": {"min_review_s": 5.0}})
    _rec(log, 60, 2)
    e(66, "approval", 1, decision=2, operator=0, review_s=6.0, verified=True, by="model")
    _rec(log, 70, 3, action="warn")  # a warning is not force: never a rubber stamp
    e(71, "approval", 1, decision=3, operator=0, review_s=1.0, verified=False, by="model")
    e(100, "run_ended", duration_s=100.0)
    rows = {r.decision: r for r in decision_timeline(log.events)}
    assert [rows[d].rubber_stamps for d in (1, 2, 3)] == [1, 0, 0]  # 6 s < 10 s, then >= 5 s
    assert metric_stamp_count(log.events) == 1
    assert [r.rubber_stamp for r in debrief.decision_timeline(log.events)] == [True, False, False]
    assert [r.review_note for r in extract.decision_rows(log.events)] == ["rubber stamp", "", ""]


def test_a_veto_decides_a_two_person_card_in_report_and_debrief_alike():
    log = _log()
    e = log.emit
    _rec(log, 1, 5)
    e(9, "approval", 1, decision=5, operator=0, review_s=8.0, verified=False, by="person")
    e(12, "veto", 1, decision=5, operator=1, review_s=11.0, verified=True, by="model")
    [row] = decision_timeline(log.events)
    assert [a.kind for a in row.deciders] == ["veto"] and row.override
    assert row.rubber_stamps == 1  # the approval was still a rubber stamp (M4 counts it)
    assert (row.settled_by, row.verdict, row.settled_t) == ("answer", "rejected", 12)
    assert row.outcome == "rejected" and row.review_s == 11.0 and row.verified is True
    [shown] = debrief.decision_timeline(log.events)
    assert (shown.decided_by, shown.outcome, shown.override) == ("model operator", "rejected",
                                                                 True)
    assert "OVERRIDE / RUBBER STAMP" in shown.line()
    [printed] = extract.decision_rows(log.events)
    assert (printed.who, printed.outcome) == ("model operator 1", "rejected")


def test_a_two_person_card_with_one_approval_and_one_silent_seat_goes_nowhere():
    log = _log()
    e = log.emit
    _rec(log, 1, 5)
    e(9, "approval", 1, decision=5, operator=0, review_s=12.0, verified=True, by="person")
    e(30, "timeout", 1, decision=5, outcome="no_action")
    [row] = decision_timeline(log.events)
    assert (row.settled_by, row.verdict, row.outcome) == ("time_out", "no action",
                                                         "no action (timed out)")
    [shown] = debrief.decision_timeline(log.events)
    assert (shown.decided_by, shown.outcome, shown.review_s) == ("nobody (timeout)",
                                                                 "no action", None)


@pytest.mark.parametrize(("level", "events", "settled", "verdict", "outcome", "who"), [
    (6, [("timeout", {"outcome": "executed", "window_s": 10.0, "reviewed": False}),
         ("engagement", {"authorised_by": "ai"}), ("effect", {"success": True})],
     "veto_window", "executed", "engaged: hit", "AI (no veto)"),
    (6, [("timeout", {"outcome": "stopped", "window_s": 10.0, "reviewed": False})],
     "kill_switch", "stopped", "stopped (kill switch)", "kill switch"),
    (5, [("timeout", {"outcome": "no_action"})],
     "time_out", "no action", "no action (timed out)", "nobody (timeout)"),
    (7, [("gate", {"rule": "doubt", "outcome": "blocked", "detail": "p 0.4"})],
     "gate", "blocked", "blocked by ROE (doubt)", "ROE doubt"),
    (7, [("engagement", {"authorised_by": "ai"}), ("effect", {"success": False}),
         ("gate", {"rule": "kill_switch", "outcome": "blocked", "detail": "stop"})],
     "ai", "executed", "blocked by ROE (kill_switch)", "AI"),
    (7, [], "open", "open", "not carried out", "pending"),
])
def test_how_a_decision_was_settled(level, events, settled, verdict, outcome, who):
    log = _log()
    _rec(log, 1, 1, level=level)
    for i, (kind, fields) in enumerate(events):
        extra = {}
        if kind == "engagement":
            extra = {"action": "engage", "effector": "l", "level": level, "operator": None,
                     "rationale": None, "ai_version": None, "in_envelope": True,
                     "verified": False, "review_s": 0.0}
        if kind == "effect":
            extra = {"action": "engage", "civilian_harm": 0, "target_civilian": True,
                     "effector": "l", "region": "r", "military_advantage": 0.0}
        log.emit(10 + i, kind, 1, decision=1, **fields, **extra)
    [row] = decision_timeline(log.events)
    assert (row.settled_by, row.verdict, row.outcome) == (settled, verdict, outcome)
    [shown] = debrief.decision_timeline(log.events)
    assert (shown.decided_by, shown.outcome) == (who, verdict)
    [printed] = extract.decision_rows(log.events)
    assert printed.outcome == outcome
