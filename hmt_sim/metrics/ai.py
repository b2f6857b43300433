"""AI metrics: accuracy, calibration (expected calibration error, Guo et al. 2017) and the
equalised-odds gaps across regions (Hardt et al. 2016), from the classification events."""

from __future__ import annotations

from typing import Any

from hmt_sim.metrics._common import LogIndex, ratio

ECE_BINS = 10
MIN_CASES_PER_REGION = 5  # fewer cases make a regional rate mostly noise


def ai_metrics(ix: LogIndex) -> dict[str, Any]:
    truth = {e["track"]: e["true_class"] for e in ix.kind("spawn")}
    # One case per track: its first judgement (re-judgements are logged only when the call
    # flips, so counting them would over-weight the cases that changed).
    cases = [c for c in ix.kind("classification") if not c.get("update")]
    bins: list[list[tuple[float, bool]]] = [[] for _ in range(ECE_BINS)]
    for c in cases:
        bins[min(ECE_BINS - 1, int(c["confidence"] * ECE_BINS))].append((c["confidence"],
                                                                         c["correct"]))
    ece = None
    if cases:
        ece = sum(
            len(b) / len(cases) * abs(sum(ok for _, ok in b) / len(b) - sum(p for p, _ in b)
                                      / len(b))
            for b in bins if b
        )
    per_region: dict[str, dict[str, list[int]]] = {}
    for c in cases:
        row = per_region.setdefault(c.get("region") or "open", {"hostile": [0, 0],
                                                                "civilian": [0, 0]})
        counts = row[truth.get(c["track"], "hostile")]
        counts[0] += c["label"] == "hostile"
        counts[1] += 1
    fpr = {r: v["civilian"][0] / v["civilian"][1] for r, v in per_region.items()
           if v["civilian"][1] >= MIN_CASES_PER_REGION}
    tpr = {r: v["hostile"][0] / v["hostile"][1] for r, v in per_region.items()
           if v["hostile"][1] >= MIN_CASES_PER_REGION}
    return {
        "cases": len(cases),
        "accuracy": ratio(sum(1 for c in cases if c["correct"]), len(cases)),
        "mean_confidence": ratio(sum(c["confidence"] for c in cases), len(cases)),
        "expected_calibration_error": ece,
        "fpr_by_region": fpr,
        "fpr_gap": max(fpr.values()) - min(fpr.values()) if len(fpr) >= 2 else None,
        "tpr_gap": max(tpr.values()) - min(tpr.values()) if len(tpr) >= 2 else None,
        "silent_errors": sum(1 for c in cases if c.get("silent")),
    }
