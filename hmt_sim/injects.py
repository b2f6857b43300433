"""Injects: scripted (from the scenario) or live (from a facilitator), applied to a running model.
Each is checked first, then logs an ``inject`` event, so later events can name it as their cause
and a refused inject leaves nothing in the log."""

from __future__ import annotations

import math
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from hmt_sim import actions
from hmt_sim.errors import InputError
from hmt_sim.scenario.schema import INJECT_KINDS, ROE, Inject

if TYPE_CHECKING:
    from hmt_sim.model import HMTModel
    from hmt_sim.world import Source


@cache
def inject_adapter() -> TypeAdapter[Any]:
    """The validator of a live inject, built on first use: building it when this module is
    imported cost every run's start-up about 15 ms, and only live injects need it."""
    return TypeAdapter(Inject)


def parse_inject(data: dict[str, Any]) -> Any:
    """A live inject from a mapping, or an InputError that says what is allowed."""
    kind = data.get("kind")
    if kind not in INJECT_KINDS:
        raise InputError(f"unknown inject kind {kind!r}; allowed: {', '.join(INJECT_KINDS)}")
    try:
        return inject_adapter().validate_python(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or kind}: {e['msg']}"
            for e in error.errors()
        )
        raise InputError(f"inject {kind}: {problems}") from None


def apply_inject(m: HMTModel, inj: Any, source: str) -> None:
    """Check an inject against the run, log it, then change the state that owns its effect
    (the AI, ``Authority``, the escalation posture, or the world's sources)."""
    kind = inj.kind
    surge: Source | None = None
    levels: dict[str, int] = {}
    authority = m.authority
    roe = authority.roe
    if kind == "civilian_surge":
        key = source.replace("scenario:", "inject")
        surge = next((s for s in m.sources if s.key == key), None)
        if surge is None:
            raise InputError(
                "a live civilian surge needs its traffic planned in the scenario's injects"
            )
    elif kind == "autonomy_change":
        levels = checked_levels(inj.levels)
    elif kind == "roe_change":
        try:
            roe = ROE.model_validate({**roe.model_dump(), **inj.changes})
        except ValidationError as error:
            raise InputError(f"roe_change: {error.errors()[0]['msg']}") from None
    ev = m.log.emit(m.now, "inject", inject=kind, label=inj.label or kind.replace("_", " "),
                    source=source,
                    params=inj.model_dump(exclude={"kind", "at_s", "label"}, mode="json"))
    if kind == "ai_degradation":
        m.ai.shift += inj.shift
        if inj.delta is not None:
            m.ai.delta = inj.delta
    elif kind == "spoofing":
        m.ai.add_spoofing(inj.region, inj.fpr_multiplier, inj.fnr_multiplier)
    elif kind == "comms_loss":
        # Overlapping outages: communications come back when the last one ends.
        authority.lose_comms(inj.duration_s)
        m.env.process(_restore_comms(m, inj.duration_s))
    elif kind == "civilian_surge" and surge is not None:
        m.start_source(surge, max(m.now, surge.start_s))
    elif kind == "roe_change":
        authority.set_roe(roe)
    elif kind == "autonomy_change":
        _set(m, levels, reason=f"inject {ev['seq']}")
    elif kind == "adversary_step":
        before, after = m.escalation.force_step("red", inj.rungs)
        if after != before:
            m.log.emit(m.now, "escalation_step", side="red", from_rung=before, to_rung=after,
                       causes=[ev["seq"]], inadvertent=False, reason="adversary_step")
            m.check_triggers()
    elif kind == "kill_switch":
        authority.order_stop()


def checked_levels(levels: dict[str, Any]) -> dict[str, int]:
    """Autonomy levels by action class, each an integer 1-10, or an InputError."""
    known = actions.names()
    allowed = ", ".join(known)
    out: dict[str, int] = {}
    for action, level in levels.items():
        if action not in known:
            raise InputError(f"unknown action class {action!r}; allowed: {allowed}")
        if isinstance(level, bool) or not isinstance(level, int | float) \
                or not math.isfinite(level) or level != int(level) or not 1 <= int(level) <= 10:
            raise InputError(f"autonomy level for {action} must be a whole number 1-10, "
                             f"got {level!r}")
        out[action] = int(level)
    return out


def set_levels(m: HMTModel, levels: dict[str, Any], reason: str) -> None:
    """Change autonomy levels mid-run (a facilitator's input), after checking them."""
    _set(m, checked_levels(levels), reason)


def _set(m: HMTModel, levels: dict[str, int], reason: str) -> None:
    in_force = m.authority.set_levels(levels)
    m.log.emit(m.now, "autonomy_change", levels=in_force, reason=reason)


def _restore_comms(m: HMTModel, duration: float) -> Any:
    yield m.env.timeout(duration)
    if not m.authority.restore_comms():
        return  # a later outage is still on
    m.log.emit(m.now, "inject", inject="comms_restored", label="communications restored",
               source="model", params={})
