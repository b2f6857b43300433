"""Injects: scripted (from the scenario) or live (from a facilitator), applied to a running model.
Each logs an ``inject`` event first, so later events can name it as their cause."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter

from hmt_sim.errors import InputError
from hmt_sim.scenario.schema import ACTION_CLASSES, ROE, Inject

if TYPE_CHECKING:
    from hmt_sim.model import HMTModel

INJECT_ADAPTER: TypeAdapter[Any] = TypeAdapter(Inject)


def apply_inject(m: HMTModel, inj: Any, source: str) -> None:
    ev = m.log.emit(m.now, "inject", inject=inj.kind, label=inj.label or inj.kind.replace(
        "_", " "), source=source, params=inj.model_dump(exclude={"kind", "at_s", "label"},
                                                        mode="json"))
    kind = inj.kind
    if kind == "ai_degradation":
        m.ai.shift += inj.shift
        if inj.delta is not None:
            m.ai.delta = inj.delta
    elif kind == "spoofing":
        m.ai.spoofing.append((inj.region, inj.fpr_multiplier, inj.fnr_multiplier))
    elif kind == "comms_loss":
        m.comms_up = False
        m.env.process(_restore_comms(m, inj.duration_s))
    elif kind == "civilian_surge":
        key = source.replace("scenario:", "inject")
        src = next((s for s in m.sources if s.key == key), None)
        if src is None:
            raise InputError(
                "a live civilian surge needs its traffic planned in the scenario's injects"
            )
        m.env.process(m._spawner(src, max(m.now, src.start_s)))
    elif kind == "roe_change":
        m.roe = ROE.model_validate({**m.roe.model_dump(), **inj.changes})
    elif kind == "autonomy_change":
        set_levels(m, inj.levels, reason=f"inject {ev['seq']}")
    elif kind == "adversary_step":
        before, after = m.escalation.force_step("red", inj.rungs)
        if after != before:
            m.log.emit(m.now, "escalation_step", side="red", from_rung=before, to_rung=after,
                       causes=[ev["seq"]], inadvertent=False, reason="adversary_step")
            m.check_triggers()
    elif kind == "kill_switch":
        m.kill_switch_at = m.now + m.roe.kill_switch_s


def set_levels(m: HMTModel, levels: dict[str, int], reason: str) -> None:
    for action, level in levels.items():
        if action not in ACTION_CLASSES:
            allowed = ", ".join(ACTION_CLASSES)
            raise InputError(f"unknown action class {action!r}; allowed: {allowed}")
        if not 1 <= int(level) <= 10:
            raise InputError(f"autonomy level for {action} must be 1-10, got {level!r}")
    m.levels.update({a: int(v) for a, v in levels.items()})
    m.log.emit(m.now, "autonomy_change", levels=dict(m.levels), reason=reason)


def _restore_comms(m: HMTModel, duration: float) -> Any:
    yield m.env.timeout(duration)
    m.comms_up = True
    restored, m.comms_restored = m.comms_restored, m.env.event()
    restored.succeed()
    m.log.emit(m.now, "inject", inject="comms_restored", label="communications restored",
               source="model", params={})
