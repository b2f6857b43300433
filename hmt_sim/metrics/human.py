"""Human-factors metrics: utilisation, queue, trust and its calibration, reliance, decision time."""

from __future__ import annotations

from collections import deque
from typing import Any

from hmt_sim.actions import is_force
from hmt_sim.metrics._common import LogIndex, mean, ratio

CALIBRATION_WINDOW = 20  # R-hat: the AI's accuracy over the last 20 assessed cases


def human_metrics(ix: LogIndex) -> dict[str, Any]:
    n_ops = ix.params.get("operators", 0)
    busy = sum(e["duration_s"] for e in ix.kind("review_ended"))
    samples = ix.kind("sample")
    utils = [s["utilisation"] for s in samples if s["utilisation"] is not None]
    queues = [s["queue"] for s in samples]
    # Trust calibration: after each assessment, |mean trust - recent measured accuracy|.
    trust_now: dict[int, float] = {}
    recent: deque[bool] = deque(maxlen=CALIBRATION_WINDOW)
    errors: list[float] = []
    pending_assessment = False
    for e in ix.events:
        if e["kind"] == "assessment":
            if pending_assessment and trust_now:
                errors.append(abs(sum(trust_now.values()) / len(trust_now) - sum(recent)
                                  / len(recent)))
            recent.append(e["ai_correct"])
            pending_assessment = True
        elif e["kind"] == "trust":
            for seat in e.get("operators") or [e["operator"]]:  # older logs: one per seat
                trust_now[seat] = e["trust"]
    if pending_assessment and trust_now:
        errors.append(abs(sum(trust_now.values()) / len(trust_now) - sum(recent) / len(recent)))
    # Every human judgement: an approval, a veto, or (level 6) a review that let the action
    # stand - one per reviewing seat. Reliance is measured on force recommendations.
    judged_wrong = judged_right = agree_wrong = disagree_right = 0
    decision_times: list[float] = []
    verified = 0
    for e in ix.kind("review_ended"):
        outcome = e.get("outcome")
        if outcome not in ("approve", "veto", "no_veto", "act", "leave"):
            continue  # timed out, or an after-the-fact review of what the AI did
        rec = ix.recommendation(e["decision"])
        decision_times.append(e["duration_s"])
        verified += 1 if e.get("verified") else 0
        if rec is None or not is_force(rec["action"]):
            continue
        if rec["ai_wrong"]:
            judged_wrong += 1
            agree_wrong += outcome != "veto"
        else:
            judged_right += 1
            disagree_right += outcome == "veto"
    # Trust as sampled and after every update: the minimum of both, so a run with no assessment
    # reports its (constant) prior like trust_final does, not None.
    tlx = _tlx_profile(ix, judged=len(decision_times),
                       errors=agree_wrong + disagree_right, utilisation=ratio(busy, n_ops
                                                                              * ix.duration)
                       if n_ops else None)
    trusts = [e["trust"] for e in ix.kind("trust")] + [
        s["trust"] for s in samples if s["trust"] is not None]
    return {
        "utilisation_mean": ratio(busy, n_ops * ix.duration) if n_ops else None,
        "utilisation_peak": max(utils) if utils else None,
        "queue_mean": mean(queues),
        "queue_max": max(queues) if queues else None,
        "trust_final": (mean(trust_now.values()) if trust_now else
                        (samples[-1]["trust"] if samples else None)),
        "trust_min": min(trusts) if trusts else None,
        "trust_calibration_error": mean(errors),
        "over_reliance": ratio(agree_wrong, judged_wrong),
        "under_reliance": ratio(disagree_right, judged_right),
        "mean_decision_time_s": mean(decision_times),
        "verification_rate": ratio(verified, len(decision_times)),
        # seconds spent verifying: a model operator's sampled time, a person's from Inspect to
        # their answer (hmt_sim.inspection)
        "mean_verification_s": mean(e["duration_s"] for e in ix.kind("verification")),
        "human_decisions": len(decision_times),
        "tlx": tlx,
    }


def _tlx_profile(ix: LogIndex, judged: int, errors: int, utilisation: float | None
                 ) -> dict[str, float | None]:
    """A NASA-TLX-like profile from the log, each 0-1 (Hart & Staveland 1988 dimensions;
    proxies [P], DOMAIN.md s.3): mental = mean workload W when reviews started; temporal = mean
    of time needed to verify / time available; performance = error rate of human judgements
    (wrong calls let stand, right calls vetoed); effort = utilisation; frustration = share of
    judgements that overrode the AI."""
    starts = [e for e in ix.kind("review_started") if e.get("purpose") in ("approval", "veto")
              and "workload" in e]
    temporal = []
    for e in starts:
        available = e.get("deadline_s", e["t"]) - e["t"]
        need = e.get("time_needed_s", 0.0)
        temporal.append(1.0 if available <= 0 else min(1.0, need / available))
    decided = {e["decision"] for e in ix.kind("veto")}
    return {
        "mental": mean(e["workload"] for e in starts),
        "temporal": mean(temporal),
        "performance": ratio(errors, judged),
        "effort": utilisation,
        "frustration": ratio(len(decided), judged),
    }
