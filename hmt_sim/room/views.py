"""What each role in the room may see, built from the session's public views only.

A seat sees its own cards, the operator picture (detected tracks as the AI shows them: never a
contact's true class or kind, never an undetected track), how many reviews wait for a free
operator, and the facilitator's messages to it. The red cell sees ``Session.red_view()``. These
functions run in the thread that owns the clock; what they return is plain JSON data.
"""

from __future__ import annotations

import math
from typing import Any

from hmt_sim.inspecttext import evidence_lines, gate_line, reasons_lines
from hmt_sim.seats import parse_seat
from hmt_sim.session import Session

CARD_KEYS = ("decision", "track", "action", "label", "confidence", "explanation", "level",
             "configured_level", "level_reason", "protocol", "purpose", "advice_shown",
             "inspected", "waiting_s")
INSPECT_KEYS = ("track", "classification", "recommendations", "gates", "evidence", "reasons",
                "explanation")


def plain(value: Any) -> Any:
    """``value`` with NumPy scalars turned into Python numbers and non-finite floats into None,
    so ``json.dumps`` (which refuses NaN in our pages) always succeeds."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bool | str | int) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    item = getattr(value, "item", None)
    if callable(item):
        return plain(item())
    return str(value)


def seat_operators(human_seats: tuple[str, ...] | list[str]) -> dict[int, int]:
    """Room seat number -> engine operator index: seat 1 is the lowest human seat (usually
    ``operator/0``; participants count from one, the engine from zero)."""
    ops = sorted({parse_seat(name) for name in human_seats})
    return {n: op for n, op in enumerate(ops, 1)}


def card(pending: dict[str, Any], time_left: float | None) -> dict[str, Any]:
    """One card as a seat sees it: the AI's call only when the card shows advice."""
    out = {k: pending[k] for k in CARD_KEYS if k in pending}
    if not pending.get("advice_shown", True):
        out["label"] = out["confidence"] = None
    out["time_left_s"] = None if time_left is None else round(float(time_left), 1)
    if "waiting_s" in out:
        out["waiting_s"] = round(float(out["waiting_s"]), 1)
    return out


TRACK_FIELDS = ("track", "x", "y", "label", "confidence", "mine")
"""A track on a seat's map is a list in this order (hundreds of tracks, four times a second:
lists are a third the size of objects)."""


def operator_picture(snapshot: dict[str, Any], mine: set[int]) -> list[list[Any]]:
    """Detected tracks as the AI shows them: position (10 m), call and confidence; nothing
    else."""
    return [[c["track"], round(float(c["x"]), 2), round(float(c["y"]), 2), c.get("label"),
             None if c.get("confidence") is None else round(float(c["confidence"]), 2),
             1 if c["track"] in mine else 0]
            for c in snapshot["contacts"] if c.get("detected")]


def map_frame(session: Session) -> dict[str, Any]:
    """The fixed parts of the map: the area, the defended asset, protected sites."""
    sc = session.scenario
    asset = sc.blue.defended_asset
    return {"w": sc.area.width_km, "h": sc.area.height_km,
            "asset": {"x": asset.x, "y": asset.y, "r": sc.blue.asset_radius_km},
            "sites": [{"x": s.at.x, "y": s.at.y, "r": s.radius_km, "kind": s.kind}
                      for s in sc.area.protected_sites]}


def seat_view(session: Session, snapshot: dict[str, Any], pending: list[dict[str, Any]],
              seat: int, deadlines: dict[int, float], op: int | None = None) -> dict[str, Any]:
    """Everything seat ``seat`` (engine operator ``op``, default ``seat - 1``) is shown now
    (messages are added by the room)."""
    op = seat - 1 if op is None else op
    now = session.now
    cards = []
    for p in pending:
        if p["operator"] != op:
            continue
        left = p.get("time_left_s")
        if left is None and p["decision"] in deadlines:
            left = max(0.0, deadlines[p["decision"]] - now)
        cards.append(card(p, left))
    mine = {c["track"] for c in cards}
    return plain({
        "seat": seat, "t": now, "duration": session.duration, "finished": session.finished,
        "cards": cards, "tracks": operator_picture(snapshot, mine),
        "queue": snapshot.get("queue", 0), "comms_up": snapshot.get("comms_up", True),
        "levels": snapshot.get("levels", {}),
    })


def inspect_view(explained: dict[str, Any]) -> dict[str, Any]:
    """What Inspect tells the operator: the AI's call, its reasons, evidence and the rule
    checks; not the scenario's hidden state (drift, spoofing). The evidence and the reasons
    and the rule checks come also as sentences in the room's language (``evidence_lines``,
    ``reasons_lines``, ``gate_lines``), so a page shows no English key names."""
    out = {k: explained[k] for k in INSPECT_KEYS if k in explained}
    if isinstance(out.get("evidence"), dict):
        out["evidence_lines"] = [text for text, _tone in evidence_lines(out["evidence"])]
    if isinstance(out.get("reasons"), dict):
        out["reasons_lines"] = [text for text, _tone in reasons_lines(out["reasons"])]
    out["gate_lines"] = [gate_line(g) for g in out.get("gates") or []]
    return plain(out)


def red_view(session: Session) -> dict[str, Any] | None:
    """The red cell's view (``Session.red_view``), or None if this engine has no red cell."""
    view = getattr(session, "red_view", None)
    return None if view is None else plain({"t": session.now, **view()})
