"""Meaningful-human-control metrics M1-M10 (DOMAIN.md s.7; Santoni de Sio & van den Hoven 2018).

A use of force (UoF) is a kinetic engagement. Ratios with nothing to count are None.
"""

from __future__ import annotations

from typing import Any

from hmt_sim.actions import is_force
from hmt_sim.autonomy import human_could_stop, protocol_of
from hmt_sim.events import Event
from hmt_sim.metrics._common import LogIndex, mean, ratio


def min_review_at(ix: LogIndex, t: float) -> float:
    """X, the least review before force, in force at time ``t`` (roe_change may move it)."""
    value = ix.roe_at("min_review_s", t)
    return 10.0 if value is None else float(value)


def is_rubber_stamp(approval: Event, min_review_s: float) -> bool:
    """An approval of force given without verifying the AI's call or in under X seconds (the
    per-decision timeline flags the same approvals, so the debrief and report agree with M4)."""
    return not approval["verified"] or approval["review_s"] < min_review_s


def control_metrics(ix: LogIndex) -> dict[str, Any]:
    uof = ix.uof()

    def min_review(t: float) -> float:
        return min_review_at(ix, t)

    rt95 = ix.params.get("operator_rt95_s", 0.0)
    approved_uof = [e for e in uof if ix.approval(e["decision"]) is not None]
    # Meaningful: a human reviewed this use of force, verified the AI's call, and spent at
    # least X seconds on it before the force was used - approved (level <= 5) or reviewed and
    # let stand inside a veto window (level 6).
    meaningful = [e for e in uof
                  if e.get("verified") and e.get("review_s", 0.0) >= min_review(e["t"])]
    force_approvals = [
        a for a in ix.kind("approval")
        if (rec := ix.recommendation(a["decision"])) is not None and is_force(rec["action"])
    ]
    stamps = [a for a in force_approvals if is_rubber_stamp(a, min_review(a["t"]))]
    autonomous = [e for e in uof if ix.approval(e["decision"]) is None]
    with_window = []
    for e in autonomous:
        timeouts = ix.by_decision.get(e["decision"], {}).get("timeout", [])
        if protocol_of(e) == "veto" and any(t.get("window_s", 0.0) >= rt95 for t in timeouts):
            with_window.append(e)
    force_recs = [r for r in ix.kind("recommendation") if is_force(r["action"])]
    vetoes = [v for v in ix.kind("veto")
              if (rec := ix.recommendation(v["decision"])) is not None
              and is_force(rec["action"])]
    vetoed = {v["decision"] for v in vetoes}  # a decision two people vetoed counts once
    wrong = [r for r in force_recs if r["ai_wrong"]]
    right = [r for r in force_recs if not r["ai_wrong"]]
    first_veto: dict[int, float] = {}
    for v in vetoes:
        first_veto.setdefault(v["decision"], v["t"])
    intervene = [t - rec["t"] for d, t in first_veto.items()
                 if (rec := ix.recommendation(d)) is not None and rec["ai_wrong"]]
    traced = [e for e in uof if e.get("operator") is not None and e.get("rationale")
              and e.get("ai_version")]
    wrong_decisions = {r["decision"] for r in wrong}
    return {
        "uses_of_force": len(uof),
        "human_authorisation_rate": ratio(len(approved_uof), len(uof)),
        "meaningful_review_rate": ratio(len(meaningful), len(uof)),
        "rubber_stamp_rate": ratio(len(stamps), len(force_approvals)),
        "veto_opportunity_ratio": ratio(len(with_window), len(autonomous)),
        "override_rate": ratio(len(vetoed), len(force_recs)),
        "override_of_wrong_rate": ratio(sum(1 for r in wrong if r["decision"] in vetoed),
                                        len(wrong)),
        "override_of_right_rate": ratio(sum(1 for r in right if r["decision"] in vetoed),
                                        len(right)),
        "time_to_intervene_s": mean(intervene),
        "tracing_completeness": ratio(len(traced), len(uof)),
        "envelope_compliance": ratio(sum(1 for e in uof if e.get("in_envelope")), len(uof)),
        "out_of_loop_exposure": ratio(sum(1 for e in uof if not human_could_stop(e)),
                                      len(uof)),
        "commission_error_rate": ratio(
            sum(1 for e in approved_uof if e["decision"] in wrong_decisions), len(approved_uof)
        ),
    }
