"""What a person learns by inspecting a card, and how long they really verified.

A person's verification is the simulation time they actually spent between pressing Inspect
and giving their answer (or the card running out), not a time sampled from the model of an
operator: the ``verification`` event of a person is logged when the card closes, with that
duration, so the metrics and the debrief read what happened in the room.

Inspect shows what the operator could know: the sensor picture of the track (which sensor saw
it, where it is, how fast and where it heads, the signature the sensors can tell) and the AI's
reasons (its probabilities, what its call rests on, and the data-bias, drift and spoofing flags
that are shown to operators). Never the truth: no true class, no correctness, no true kind.
Nothing here draws a random number, so inspecting shifts no other draw.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from hmt_sim.i18n import N_, _

if TYPE_CHECKING:
    from hmt_sim.crew import PendingReview
    from hmt_sim.events import EventLog
    from hmt_sim.model import HMTModel

# What the AI's call rests on, in words (the sensor picture a classifier is given).
FEATURES = (N_("signature"), N_("speed"), N_("heading"), N_("region"))
INSPECTED_AT = "inspected_at"  # key in a card's ``info``: when the person pressed Inspect
HEADING_FOR_ASSET_DEG = 30.0  # a course within this angle of the asset's bearing heads for it


def mark_inspected(pending: PendingReview, now: float) -> bool:
    """Note that the person opened the evidence now; False if they already had."""
    if INSPECTED_AT in pending.info:
        return False
    pending.info[INSPECTED_AT] = float(now)
    return True


def was_inspected(pending: PendingReview) -> bool:
    """Has the person in this seat pressed Inspect on this card?"""
    return INSPECTED_AT in pending.info


def close_verification(log: EventLog, now: float, pending: PendingReview) -> bool:
    """When a card closes (answered or timed out): log the person's verification with the time
    they really spent since Inspect, and say whether they verified at all."""
    since = pending.info.get(INSPECTED_AT)
    if since is None:
        return False
    spent = max(0.0, float(now) - float(since))
    pending.inspected_s = spent
    d = pending.decision
    log.emit(now, "verification", d.track, decision=d.id, operator=pending.operator,
             duration_s=round(spent, 6), by="person", inspected_at=round(float(since), 6))
    return True


def _bearing_deg(dx: float, dy: float) -> float:
    return math.degrees(math.atan2(dx, dy)) % 360.0


def evidence(model: HMTModel, track: int) -> dict[str, Any]:
    """The sensor picture of ``track`` as the operator's screen has it (no truth)."""
    w = model.world
    detection = next((e for e in reversed(model.log.events)
                      if e["kind"] == "detection" and e.get("track") == track), None)
    pos, dest, asset = w.pos[track], w.dest[track], w.asset
    ax, ay = float(asset[0] - pos[0]), float(asset[1] - pos[1])
    dx, dy = float(dest[0] - pos[0]), float(dest[1] - pos[1])
    heading = _bearing_deg(dx, dy) if math.hypot(dx, dy) > 1e-12 else None
    distance = math.hypot(ax, ay)
    aspect = None
    if heading is not None and distance > 1e-12:
        aspect = abs((heading - _bearing_deg(ax, ay) + 180.0) % 360.0 - 180.0)
    return {
        "track": track,
        "sensor": None if detection is None else detection["sensor"],
        "first_seen_t": None if detection is None else detection["t"],
        "x_km": round(float(pos[0]), 3), "y_km": round(float(pos[1]), 3),
        "range_km": round(distance, 3),
        "speed_mps": round(float(w.speed_kmps[track]) * 1000.0, 1),
        "heading_deg": None if heading is None else round(heading, 1),
        "heading_for_asset": aspect is not None and aspect <= HEADING_FOR_ASSET_DEG,
        "region": w.region_of(track)[1],
        # the signature the sensors can tell (look-alikes share it), never the contact's kind
        "signature": model.contacts[track].kind.category,
    }


def reasons(model: HMTModel, decision: Any) -> dict[str, Any]:
    """The AI's reasons for the card's call: its probabilities, what they rest on, and the
    flags an operator is shown (data bias in the region, detected drift, spoofing)."""
    ctx = model.decisions
    shown = decision.shown
    region = model.assessments.region(decision.track) or ctx.region(decision.track)
    bias = model.sc.ai.region_bias.get(region or "", 1.0)
    advice = decision.spec.shows_advice
    return {
        "advice_shown": advice,
        "label": shown.label if advice else None,
        "confidence": round(shown.confidence, 6) if advice else None,
        "probabilities": {"hostile": round(shown.p_hostile, 6),
                          "civilian": round(1.0 - shown.p_hostile, 6)} if advice else None,
        "features": [_(f) for f in FEATURES],  # in the room's language
        "region": region,
        "region_bias": bias,  # false-alarm multiplier the scenario declares for the region
        "drift_detected": bool(ctx.drift_detected()),
        "spoofing_suspected": bool(ctx.spoofed(decision.track)),
        "action": decision.action,
    }
