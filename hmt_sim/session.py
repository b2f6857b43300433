"""Sessions: step a run, answer decisions, inject, and replay exactly.

A run is a pure function of (scenario, seed, inputs) (DESIGN.md principle 1). ``Session`` records
every input a person makes with the simulation time it took effect; handing the same inputs to a
new session re-creates the same event log. A plain ``simulate`` is a session with no human seats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from hmt_sim import collection
from hmt_sim.cardreason import level_reason
from hmt_sim.errors import InputError
from hmt_sim.escalation import RED_CELL_REASON, RED_STEPS
from hmt_sim.events import Event
from hmt_sim.i18n import _
from hmt_sim.injects import apply_inject, parse_inject, set_levels
from hmt_sim.inspection import evidence, mark_inspected, reasons, was_inspected
from hmt_sim.ladder import RUNG_NAMES
from hmt_sim.metrics import compute_metrics, timeseries
from hmt_sim.model import HMTModel
from hmt_sim.scenario.schema import Scenario
from hmt_sim.seats import seat_index
from hmt_sim.seats import seat_names as seat_names  # re-exported: the env modules import it here
from hmt_sim.wording import shown

if TYPE_CHECKING:
    import pandas as pd  # at run time only through metrics.timeseries (issue 14)

INPUT_TYPES = ("decide", "inspect", "inject", "set_levels", "set_reliability", "bookmark",
               "red_choose")
CHOICES = {"approve": "approve", "reject": "veto", "veto": "veto"}
RED_CHOICES = (*RED_STEPS, "model")  # a red cell's step at red's next reaction, or the model's


@dataclass
class RunResult:
    """The outcome of a run: its event log and what is computed from it."""

    scenario: Scenario
    seed: int
    events: list[Event]
    inputs: list[dict[str, Any]] = field(default_factory=list)
    _metrics: dict[str, dict[str, Any]] | None = field(default=None, repr=False, compare=False)

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        """The metric groups, computed from the events once. A finished session hands over the
        groups its model computed at the end of the run (for Mesa's DataCollector) from the same
        events, instead of computing them a second time."""
        if self._metrics is None:
            self._metrics = compute_metrics(self.events)
        return self._metrics

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        return timeseries(self.events)


def _seat_indices(human_seats: tuple[str, ...] | list[str], count: int) -> tuple[int, ...]:
    return tuple(sorted({seat_index(seat, count) for seat in human_seats}))


class Session:
    """An interactive run. ``advance`` moves time; ``decide``, ``inspect``, ``inject``,
    ``set_levels``, ``set_reliability``, ``bookmark`` and ``red_choose`` are recorded inputs.
    ``red_cell=True``: people play the adversary's command (``red_choose``).
    ``collect=False``: the model's Mesa DataCollector gets no per-metric columns."""

    def __init__(self, scenario: Scenario, seed: int | None = None,
                 human_seats: tuple[str, ...] | list[str] = (),
                 inputs: list[dict[str, Any]] | None = None, red_cell: bool = False,
                 collect: bool = True) -> None:
        self.scenario = scenario
        self.seed = scenario.run.seed if seed is None else int(seed)
        if self.seed < 0:
            raise InputError(f"seed must be a whole number >= 0, got {seed!r}")
        for i, item in enumerate(inputs or []):
            if not isinstance(item, dict) or not isinstance(item.get("t"), int | float) \
                    or not math.isfinite(item["t"]) or item["t"] < 0:
                raise InputError(f"input {i}: needs a time 't' >= 0 (simulation seconds), got "
                                 f"{item!r:.120}")
        self.human_seats = tuple(human_seats)
        self.red_cell = bool(red_cell)
        self.model = HMTModel(scenario, rng=self.seed, human_operators=_seat_indices(
            self.human_seats, scenario.operators.count), collect=collect)
        self.inputs: list[dict[str, Any]] = []
        self._queued: list[dict[str, Any]] = sorted(inputs or [], key=lambda i: i["t"])
        self._finished = False
        self._apply_due(0.0)

    # ----------------------------------------------------------------- time
    @property
    def now(self) -> float:
        return self.model.now

    @property
    def duration(self) -> float:
        return self.scenario.run.duration_s

    @property
    def finished(self) -> bool:
        return self._finished

    @property
    def levels(self) -> dict[str, int]:
        """Autonomy levels in force now, per action class (a copy)."""
        return self.model.authority.levels

    @property
    def ai_reliability(self) -> float:
        """The AI's nominal reliability now (a facilitator may move it mid-run)."""
        return float(self.model.ai.reliability)

    @property
    def comms_up(self) -> bool:
        """Can the operators be reached now?"""
        return self.model.authority.comms_up

    @property
    def events(self) -> list[Event]:
        return self.model.log.events

    def advance(self, dt: float) -> float:
        """Advance by ``dt`` simulated seconds (not past the end); returns the new time.
        Queued inputs (a resume or replay) are applied at their recorded times on the way."""
        if dt < 0 or not math.isfinite(dt):
            raise InputError(f"advance needs a finite dt >= 0, got {dt!r}")
        return self.run_to(self.now + dt)

    def run_to(self, t: float) -> float:
        target = min(t, self.duration)
        while self._queued and self._queued[0]["t"] <= target:
            self.model.advance_to(self._queued[0]["t"])
            self._apply_due(self._queued[0]["t"])
        self.model.advance_to(target)
        if target >= self.duration and not self._finished:
            self._finished = True
            self.model.finish()
        return self.now

    def run_to_end(self) -> RunResult:
        self.run_to(self.duration)
        return self.result()

    def result(self) -> RunResult:
        """The run so far; once it has ended, with the metrics the model already computed."""
        return RunResult(self.scenario, self.seed, list(self.events), list(self.inputs),
                         self.model.metrics() if self._finished else None)

    def _apply_due(self, t: float) -> None:
        while self._queued and self._queued[0]["t"] <= t:
            item = self._queued.pop(0)
            self._apply(item)

    # ----------------------------------------------------------------- inputs
    def _record(self, kind: str, **payload: Any) -> dict[str, Any]:
        if self._finished:
            raise InputError("the run has ended; no more inputs")
        # The exact time, not a rounded one: a replay must apply it at the very same instant.
        item = {"t": self.now, "type": kind, **payload}
        self._apply(item)
        return item

    def _apply(self, item: dict[str, Any]) -> None:
        m = self.model
        kind = item.get("type")
        if kind not in INPUT_TYPES:
            raise InputError(f"unknown input type {kind!r}; allowed: {', '.join(INPUT_TYPES)}")
        if kind == "decide":
            pending = self._pending(item)
            if item.get("choice") not in CHOICES:
                raise InputError(f"choice must be one of {', '.join(CHOICES)}, got "
                                 f"{item.get('choice')!r}")
            pending.answered.succeed(CHOICES[item["choice"]])
        elif kind == "inspect":
            # The verification is logged when the card closes, with the time really spent.
            mark_inspected(self._pending(item), m.now)
        elif kind == "red_choose":
            self._check_red(item.get("step"))
            m.escalation.choose_red(None if item["step"] == "model" else item["step"])
        elif kind == "inject":
            if not isinstance(item.get("inject"), dict):
                raise InputError("an inject input needs an 'inject' mapping with its kind")
            inj = parse_inject({**item["inject"], "at_s": m.now})
            apply_inject(m, inj, source=item.get("source", "facilitator"))
        elif kind == "set_levels":
            set_levels(m, item["levels"], reason="facilitator")
        elif kind == "set_reliability":
            value = item.get("reliability")
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not 0.0 <= value <= 1.0:
                raise InputError(f"reliability must be within 0..1, got {value}")
            m.ai.reliability = float(value)
        self.inputs.append(item)
        m.log.emit(m.now, "input", input=kind,
                   **{k: v for k, v in item.items() if k not in ("t", "type")})

    def _pending(self, item: dict[str, Any]) -> Any:
        """The seat's review that an input answers: the named operator's, or the lowest seat
        still waiting on that decision (two-person approvals wait on two seats)."""
        decision, operator = item.get("decision"), item.get("operator")
        waiting = self.model.crew.open_cards(decision=decision, seat=operator) \
            if decision is not None else []
        if not waiting:
            raise InputError(f"decision {decision!r} is not awaiting an answer"
                             + (f" from operator {operator}" if operator is not None else ""))
        return waiting[0]

    def decide(self, decision_id: int, choice: str, operator: int | None = None
               ) -> dict[str, Any]:
        """Answer a pending decision: ``approve``, or ``reject``/``veto``. With several human
        seats on one decision, ``operator`` says whose answer it is (default: the lowest)."""
        if choice not in CHOICES:
            raise InputError(f"choice must be one of {', '.join(CHOICES)}, got {choice!r}")
        seat = self._pending({"decision": int(decision_id), "operator": operator}).operator
        return self._record("decide", decision=int(decision_id), choice=choice, operator=seat)

    def inspect(self, decision_id: int, operator: int | None = None) -> dict[str, Any]:
        """Open the evidence of a pending decision. The time from now to the seat's answer
        counts as verification in the metrics. Returns what the operator learns: ``evidence``
        (the sensor picture of the track), ``reasons`` (the AI's probabilities, what they rest
        on, the bias, drift and spoofing flags operators are shown), ``explanation``, and the
        ``explain`` view's keys; ``time_needed_s`` is what a model operator would take."""
        pending = self._pending({"decision": int(decision_id), "operator": operator})
        self._record("inspect", decision=int(decision_id), operator=pending.operator)
        d = pending.decision
        eq = self.scenario.ai.explanation_quality if d.spec.shows_advice else 0.0
        return {
            **self.explain(d.track),
            "decision": d.id,
            "evidence": evidence(self.model, d.track),
            "reasons": reasons(self.model, d),
            "explanation": self._explanation(d.id, d.explanation),
            "time_needed_s": self.model.crew[pending.operator].verify_time(eq),
        }

    def inject(self, kind: str, **params: Any) -> dict[str, Any]:
        return self._record("inject", inject={"kind": kind, **params})

    def set_levels(self, levels: dict[str, int]) -> dict[str, Any]:
        return self._record("set_levels", levels=dict(levels))

    def set_reliability(self, reliability: float) -> dict[str, Any]:
        return self._record("set_reliability", reliability=float(reliability))

    def bookmark(self, label: str) -> dict[str, Any]:
        return self._record("bookmark", label=str(label)[:200])

    # ----------------------------------------------------------------- red cell
    def _check_red(self, step: Any) -> None:
        if not self.red_cell:
            raise InputError("no red cell plays in this session (start it with a red cell to "
                             "choose red's steps)")
        if step not in RED_CHOICES:
            raise InputError(f"red step must be one of {', '.join(RED_CHOICES)}, got {step!r}")

    def red_choose(self, step: str) -> dict[str, Any]:
        """The red cell's step at red's next reaction: ``escalate``, ``hold`` or
        ``de-escalate``; after it red is the model's again unless chosen again. ``model``
        clears a choice. Returns the recorded input."""
        self._check_red(step)
        return self._record("red_choose", step=step)

    def red_view(self) -> dict[str, Any]:
        """What the red cell sees: both rungs with their names, when red reacts next, the step
        chosen for it (None: the model's), and red's reactions so far (who made each). The red
        cell's own holds are listed; the model's are not (nothing moved), nor are steps an
        inject forced."""
        esc = self.model.escalation
        red, blue = esc.rung("red"), esc.rung("blue")
        history = []
        for e in self.events:
            if e["kind"] == "red_cell":
                history.append({"t": e["t"], "step": e["step"], "by": "red_cell"})
            elif e["kind"] == "escalation_step" and e["side"] == "red" \
                    and e.get("reason") not in (RED_CELL_REASON, "adversary_step"):
                step = "escalate" if e["to_rung"] > e["from_rung"] else "de-escalate"
                history.append({"t": e["t"], "step": step, "by": "model"})
        return {
            "red_cell": self.red_cell,
            "rung": red, "rung_name": _(RUNG_NAMES[red]),
            "blue_rung": blue, "blue_rung_name": _(RUNG_NAMES[blue]),
            "next_reaction_s": esc.next_reaction_s,
            "chosen": esc.red_choice,
            "history": history,
        }

    # ----------------------------------------------------------------- views
    def pending_decisions(self) -> list[dict[str, Any]]:
        """Decisions waiting for a person, oldest first, with what the card shows."""
        out = []
        for p in self.model.crew.open_cards():
            did, d = p.decision.id, p.decision
            out.append({
                "decision": did, "track": d.track, "action": d.action, "label": d.shown.label,
                "confidence": d.shown.confidence,
                "explanation": self._explanation(did, d.explanation), "level": d.level,
                "configured_level": self.model.authority.level(d.action),
                "level_reason": level_reason(d, self.model.authority.level(d.action)),
                "protocol": d.protocol.value, "operator": p.operator,
                "time_left_s": max(0.0, d.deadline - self.now) if d.protocol.value != "veto"
                else None, "inspected": was_inspected(p), "waiting_s": self.now - p.started,
                # levels 1-4: the person's own call on a track (approve = act, veto = leave);
                # at level 1 the AI was not consulted and the card shows no AI call
                "purpose": p.info.get("purpose", "review"),
                "advice_shown": d.spec.shows_advice,
                # an operator flagged a threat the AI called civilian: not the AI's advice
                "human_initiated": bool(d.human_initiated),
            })
        return out

    def _explanation(self, decision: int, logged: str) -> str:
        """A decision's explanation in the room's language (the log keeps it in English)."""
        return shown(logged, self.model.decisions.wordings.get(decision))

    def explain(self, track: int) -> dict[str, Any]:
        """What the AI saw and why, for the student 'explain' view (no ground truth)."""
        m = self.model
        evs = [e for e in self.events if e.get("track") == track]
        cls = next((e for e in reversed(evs) if e["kind"] == "classification"), None)
        region = m.assessments.region(track)
        return {
            "track": track,
            "classification": None if cls is None else {
                "label": cls["label"], "confidence": cls["confidence"], "region": region},
            "region_bias": self.scenario.ai.region_bias.get(region or "", 1.0),
            "drift_shift": m.ai.shift_at(m.now),
            "spoofing_active": bool(m.ai.spoofing),
            "recommendations": [{**{k: e[k] for k in ("t", "decision", "action", "level",
                                                      "protocol")},
                                 "explanation": self._explanation(e["decision"], e["explanation"])}
                                for e in evs if e["kind"] == "recommendation"],
            "gates": [{k: e.get(k) for k in ("t", "rule", "outcome", "detail")}
                      for e in evs if e["kind"] == "gate"],
        }

    def snapshot(self) -> dict[str, Any]:
        """The state a screen needs now: contacts, rungs, operators, queue, pending decisions."""
        m = self.model
        w = m.world
        contacts = []
        for track in w.alive_tracks():
            c = m.contacts[track]
            cls = m.assessments.call(track)
            contacts.append({
                "track": track, "x": float(w.pos[track, 0]), "y": float(w.pos[track, 1]),
                "detected": bool(w.detected[track]), "kind": c.kind_name,
                "true_class": c.kind.true_class,
                "label": cls.label if cls else None,
                "confidence": cls.confidence if cls else None,
            })
        return {
            "t": self.now,
            "contacts": contacts,
            "rung_blue": m.escalation.rung("blue"),
            "rung_red": m.escalation.rung("red"),
            "trust": [op.trust for op in m.crew],
            "busy_operators": m.crew.busy,
            "queue": m.crew.queued,
            "levels": m.authority.levels,
            "ai_reliability": m.ai.reliability,
            "ai_accuracy": m.ai.accuracy_now(m.now),
            "comms_up": m.authority.comms_up,
            "pending": [p["decision"] for p in self.pending_decisions()],
            "finished": self._finished,
        }


def simulate(scenario: Scenario, seed: int | None = None,
             inputs: list[dict[str, Any]] | None = None, red_cell: bool = False) -> RunResult:
    """Run a scenario to its end with model operators in every seat (``red_cell``: the inputs
    may hold a red cell's choices)."""
    # Nobody can read the model's Mesa DataCollector columns here: the metrics come back in
    # the RunResult, computed once from the same log. The run is made and dropped with the
    # collector paused; then one young pass frees its model (``collection.young``).
    with collection.paused():
        session = Session(scenario, seed=seed, inputs=inputs, red_cell=red_cell,
                          collect=False)
        result = session.run_to_end()
        session.model.close()
        del session
    collection.young()
    return result
