"""Civilian-harm proxies (DOMAIN.md s.6-7)."""

from __future__ import annotations

from typing import Any

from hmt_sim.actions import is_lethal
from hmt_sim.metrics._common import LogIndex, ratio


def harm_metrics(ix: LogIndex) -> dict[str, Any]:
    effects = [e for e in ix.kind("effect") if is_lethal(e["action"])]
    casualties = sum(e["civilian_harm"] for e in effects)
    by_region: dict[str, int] = {r: 0 for r in ix.params.get("regions", [])}
    by_region.setdefault("open", 0)
    for e in effects:
        key = e.get("region") or "open"
        by_region[key] = by_region.get(key, 0) + e["civilian_harm"]
    uof = ix.uof()
    civilian_tracks = {e["track"] for e in ix.kind("spawn") if e["true_class"] == "civilian"}
    presented = {e["track"] for e in ix.kind("detection") if e["track"] in civilian_tracks}
    engaged_civ = {e["track"] for e in uof if e["track"] in civilian_tracks}
    def lam(t: float) -> float:
        # the ratio in force then; with the rule switched off, measure against 1 : 1
        value = ix.roe_at("proportionality_lambda", t)
        return 1.0 if value is None else float(value)

    excessive = sum(1 for e in effects if e["civilian_harm"] > lam(e["t"]) *
                    e["military_advantage"] and e["civilian_harm"] > 0)
    advantage = sum(e["military_advantage"] for e in ix.kind("effect"))
    # Precaution: of the tracks the AI wanted to engage, the share where someone verified, a
    # warning went out first, or force was withheld (veto, rejection, gate) on new information.
    engage_recs = [e for e in ix.kind("recommendation") if is_lethal(e["action"])]
    rec_tracks = {e["track"] for e in engage_recs}
    careful: set[int] = set()
    warned = {e["track"] for e in ix.kind("engagement") if e["action"] == "warn"}
    for rec in engage_recs:
        dec = ix.by_decision.get(rec["decision"], {})
        verified = any(a["verified"] for a in dec.get("approval", [])) or any(
            v.get("verified") for v in dec.get("veto", [])
        )
        withheld = bool(dec.get("veto")) or any(g["outcome"] == "blocked" for g in dec.get(
            "gate", []))
        if verified or withheld or rec["track"] in warned:
            careful.add(rec["track"])
    return {
        "civilian_casualties": casualties,
        "objects_damaged": sum(1 for e in effects if e.get("protected_site")),
        "civilians_presented": len(presented),
        "civilians_engaged": len(engaged_civ),
        "distinction_fpr": ratio(len(engaged_civ), len(presented)),
        "false_discovery_rate": ratio(sum(1 for e in uof if e["track"] in civilian_tracks),
                                      len(uof)),
        "wrongful_engagements": sum(1 for e in uof if e["track"] in civilian_tracks),
        "excessive_engagements": excessive,
        "precaution_score": ratio(len(careful), len(rec_tracks)),
        "harm_per_advantage": ratio(casualties, advantage),
        "harm_by_region": by_region,
    }
