"""A two-person decision that one seat approved and the other vetoed is credited to the veto."""

from __future__ import annotations

from hmt_sim.events import EventLog
from hmt_sim.report.extract import decision_rows


def test_the_veto_decides_a_two_person_approval():
    log = EventLog()
    e = log.emit
    e(0, "run_started", scenario="x", seed=0, version="t", params={})
    e(0, "spawn", 1, contact_kind="airliner", true_class="civilian", x=0, y=0)
    e(1, "recommendation", 1, decision=5, action="engage", label="hostile", confidence=0.9,
      level=5, protocol="approval", ai_wrong=True)
    e(9, "approval", 1, decision=5, operator=0, review_s=8.0, verified=False, by="person")
    e(12, "veto", 1, decision=5, operator=1, review_s=11.0, verified=True, by="model")
    [row] = decision_rows(log.events)
    assert row.who == "model operator 1"
    assert row.outcome == "rejected"
    assert row.review_s == 11.0 and row.verified == "yes"
