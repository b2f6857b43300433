"""Mission metrics: the benefit side. Without them autonomy looks uniformly bad."""

from __future__ import annotations

from typing import Any

from hmt_sim.actions import is_force
from hmt_sim.metrics._common import LogIndex, mean, ratio


def mission_metrics(ix: LogIndex) -> dict[str, Any]:
    hostile = {e["track"] for e in ix.kind("spawn") if e["true_class"] == "hostile"}
    neutralised = {e["track"] for e in ix.kind("effect")
                   if e["success"] and e["track"] in hostile and is_force(e["action"])}
    impacts = ix.kind("impact")
    leaked = {e["track"] for e in impacts}
    detected_at = {e["track"]: e["t"] for e in ix.kind("detection")}
    first_action: dict[int, float] = {}
    for e in ix.kind("engagement"):
        if e["track"] in hostile and is_force(e["action"]):
            first_action.setdefault(e["track"], e["t"])
    engaged = set(first_action)
    return {
        "hostiles_presented": len(hostile & set(detected_at)),
        "threats_neutralised": len(neutralised),
        "leakers": len(leaked),
        "friendly_losses": sum(e["damage"] for e in impacts),
        "missed_engagements": len(leaked - engaged),
        "mean_time_to_action_s": mean(first_action[t] - detected_at[t] for t in first_action
                                      if t in detected_at),
        "defence_rate": ratio(len(neutralised), len(neutralised) + len(leaked)),
    }
