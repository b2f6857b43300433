"""The per-decision timeline: one typed row per AI recommendation, from the event log alone.

Written once, here, and read by the after-action report (``hmt_sim.report.extract``) and the
visualiser's debrief, so the two tell the same story and agree with the metrics: a rubber stamp
is judged by ``hmt_sim.metrics.control``'s own rule against the rules of engagement *in force at
the time of the approval* (a ``roe_change`` inject may move the minimum review time mid-run).

A row holds what happened to one decision: what the AI advised, every human answer, how the
protocol ended (veto window, time-out, kill switch), the gates that fired, whether the action was
carried out and its effects, and the escalation steps it caused. Two readings are derived:

- ``verdict`` / ``settled_by``: the first thing that settled the decision, in log order (a human
  answer, a veto window running out, a time-out, a gate that blocked it, or the AI acting) -
  what a debrief asks ("who decided?").
- ``outcome``: how it ended in the world (vetoed, blocked by a rule, hit, missed, ...) - what an
  after-action table asks ("what happened?").

Where two people answer one decision (a two-person approval), a veto decides: the decision did
not go ahead, whoever approved first.
"""

from __future__ import annotations

from dataclasses import dataclass

from hmt_sim import actions, autonomy
from hmt_sim.events import Event
from hmt_sim.metrics._common import LogIndex
from hmt_sim.metrics.control import is_rubber_stamp, min_review_at

# What settled a decision first (``TimelineRow.settled_by``).
SETTLED_BY = ("answer", "veto_window", "kill_switch", "time_out", "gate", "ai", "human", "open")
# What was decided (``TimelineRow.verdict``), in the words a debrief uses.
VERDICTS = ("approved", "rejected", "executed", "stopped", "no action", "blocked", "open")


@dataclass(frozen=True, slots=True)
class Answer:
    """One human answer to a decision card: an approval or a veto, by a person in a seat or a
    model operator. ``rubber_stamp``: an approval of force without verification or with less
    review than the ROE in force at that moment required (the metric's rule)."""

    kind: str  # "approval" or "veto"
    t: float
    operator: int
    by: str  # "person" or "model"
    review_s: float
    verified: bool
    rubber_stamp: bool


@dataclass(frozen=True, slots=True)
class Gate:
    """A rule-of-engagement or governance gate that fired on the decision."""

    t: float
    rule: str
    outcome: str  # referred, raised, held, blocked, ...
    detail: str


@dataclass(frozen=True, slots=True)
class Effect:
    """One shot's or one warning's result."""

    t: float
    success: bool
    civilian_harm: int


@dataclass(frozen=True, slots=True)
class Step:
    """An escalation step on the ladder; ``causes`` are the ``seq`` of the events behind it."""

    t: float
    side: str
    from_rung: int
    to_rung: int
    inadvertent: bool
    reason: str
    causes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """One decision: the AI's advice, who settled it and how, and what came of it."""

    decision: int
    track: int
    t: float  # the recommendation
    end_t: float  # the decision's last event
    action: str
    label: str
    confidence: float
    level: int
    protocol: str
    ai_wrong: bool  # ground truth: acting on the advice would be wrong (never shown live)
    answers: tuple[Answer, ...]  # every human answer, in log order
    timeout: str | None  # how the protocol's clock ran out: executed, stopped, no_action
    settled_by: str  # one of SETTLED_BY
    settled_t: float | None
    verdict: str  # one of VERDICTS
    gates: tuple[Gate, ...]
    engaged: bool  # the action was carried out (an engagement event)
    effects: tuple[Effect, ...]
    review_s: float | None  # the deciding answers' review, else the reviews' total
    review_purpose: str  # "" (an answer), "inform" (afterwards), "veto" (let the window run)
    verified: bool | None  # None: nobody reviewed it
    steps: tuple[Step, ...]  # escalation steps this decision's events caused

    @property
    def deciders(self) -> tuple[Answer, ...]:
        """The answers that decided: a veto decides (a two-person approval needs both seats),
        otherwise every approval."""
        vetoes = tuple(a for a in self.answers if a.kind == "veto")
        return vetoes or self.answers

    @property
    def blocked_by(self) -> str | None:
        """The rule of the last gate that blocked the action, if one did."""
        blocked = [g for g in self.gates if g.outcome == "blocked"]
        return blocked[-1].rule if blocked else None

    @property
    def rubber_stamps(self) -> int:
        """Approvals of this decision that were rubber stamps (each seat counts, as in M4)."""
        return sum(a.rubber_stamp for a in self.answers)

    @property
    def override(self) -> bool:
        """A human vetoed the AI's advice (counted once per decision, as the metric does)."""
        return any(a.kind == "veto" for a in self.answers)

    @property
    def ai_acts(self) -> bool:
        """Under this decision's protocol the AI acts on its own authority (veto window and
        above), by the protocol table rather than by level numbers."""
        for spec in autonomy.PROTOCOLS.values():
            if spec.protocol.value == self.protocol:
                return spec.autonomous
        return autonomy.spec(self.level).autonomous

    @property
    def civilian_harm(self) -> int:
        return sum(e.civilian_harm for e in self.effects)

    @property
    def inadvertent(self) -> bool:
        return any(s.inadvertent for s in self.steps)

    @property
    def outcome(self) -> str:
        """How the decision ended, in words: a veto first, then a blocking rule, then the
        action's result, then the protocol's clock."""
        if self.override:
            return "vetoed" if self.protocol == autonomy.Protocol.VETO else "rejected"
        if self.blocked_by is not None:
            return f"blocked by ROE ({self.blocked_by})"
        if self.engaged:
            if _is_warning(self.action):
                if not self.effects:
                    return "warned (no answer)"
                return "warned: complied" if self.effects[-1].success else "warned: ignored"
            verb = _verb(self.action)
            if not self.effects:
                return f"{verb}: target gone"
            return f"{verb}: {'hit' if any(e.success for e in self.effects) else 'missed'}"
        if self.timeout == "no_action":
            return "no action (timed out)"
        if self.timeout == "stopped":
            return "stopped (kill switch)"
        return "not carried out"


def escalation_steps(events: list[Event]) -> list[Step]:
    """Every escalation step of the run, in log order."""
    return [Step(e["t"], e["side"], e["from_rung"], e["to_rung"], bool(e["inadvertent"]),
                 str(e.get("reason", "")), tuple(e.get("causes") or ()))
            for e in events if e["kind"] == "escalation_step"]


def decision_timeline(events: list[Event]) -> list[TimelineRow]:
    """One row per AI recommendation, in decision order (the order they were made)."""
    ix = LogIndex(events)
    steps_by_cause: dict[int, list[Step]] = {}
    for step in escalation_steps(events):
        for seq in step.causes:
            steps_by_cause.setdefault(seq, []).append(step)
    rows = []
    for did in sorted(ix.by_decision):
        mine = [e for kind, evs in ix.by_decision[did].items() if kind != "input" for e in evs]
        mine.sort(key=lambda e: e["seq"])
        rec = ix.recommendation(did)
        if rec is not None:
            rows.append(_row(ix, rec, mine, steps_by_cause))
    return rows


def _row(ix: LogIndex, rec: Event, mine: list[Event],
         steps_by_cause: dict[int, list[Step]]) -> TimelineRow:
    force = actions.is_force(rec["action"])
    answers = tuple(
        Answer(e["kind"], e["t"], int(e["operator"]), str(e.get("by", "model")),
               float(e["review_s"]), bool(e["verified"]),
               e["kind"] == "approval" and force
               and is_rubber_stamp(e, min_review_at(ix, e["t"])))
        for e in mine if e["kind"] in ("approval", "veto"))
    timeout = next((e["outcome"] for e in mine if e["kind"] == "timeout"
                    and e["outcome"] in ("executed", "stopped", "no_action")), None)
    settled_by, settled_t, verdict = _settled(mine, answers)
    gates = tuple(Gate(e["t"], str(e["rule"]), str(e["outcome"]), str(e.get("detail") or ""))
                  for e in mine if e["kind"] == "gate")
    effects = tuple(Effect(e["t"], bool(e["success"]), int(e["civilian_harm"]))
                    for e in mine if e["kind"] == "effect")
    engaged = any(e["kind"] == "engagement" for e in mine)
    review_s, purpose, verified = _review(mine, answers)
    steps: list[Step] = []
    for e in mine:
        for s in steps_by_cause.get(e["seq"], []):
            if s not in steps:
                steps.append(s)
    return TimelineRow(
        decision=int(rec["decision"]), track=int(rec["track"]), t=rec["t"],
        end_t=max(e["t"] for e in mine), action=str(rec["action"]), label=str(rec["label"]),
        confidence=float(rec["confidence"]), level=int(rec["level"]),
        protocol=str(rec["protocol"]), ai_wrong=bool(rec.get("ai_wrong")), answers=answers,
        timeout=timeout, settled_by=settled_by, settled_t=settled_t, verdict=verdict,
        gates=gates, engaged=engaged, effects=effects, review_s=review_s,
        review_purpose=purpose, verified=verified, steps=tuple(steps))


def _settled(mine: list[Event], answers: tuple[Answer, ...]
             ) -> tuple[str, float | None, str]:
    """(settled_by, when, verdict): the first settling event in log order."""
    for e in mine:
        kind = e["kind"]
        if kind in ("approval", "veto"):
            vetoes = [a for a in answers if a.kind == "veto"]
            if vetoes:
                return "answer", vetoes[0].t, "rejected"
            # One seat of a two-person card approved and the other ran out of time.
            lapsed = next((e for e in mine if e["kind"] == "timeout"
                           and e["outcome"] == "no_action"), None)
            if lapsed is not None:
                return "time_out", lapsed["t"], "no action"
            return "answer", answers[-1].t, "approved"
        if kind == "timeout":
            if e["outcome"] == "executed":
                return "veto_window", e["t"], "executed"
            if e["outcome"] == "stopped":
                return "kill_switch", e["t"], "stopped"
            return "time_out", e["t"], "no action"
        if kind == "gate" and e.get("outcome") == "blocked":
            return "gate", e["t"], "blocked"
        if kind == "engagement":
            return ("ai" if e["authorised_by"] == "ai" else "human"), e["t"], "executed"
    return "open", None, "open"


def _review(mine: list[Event], answers: tuple[Answer, ...]
            ) -> tuple[float | None, str, bool | None]:
    """(review time, purpose, verified). The deciding answers' longest review; without an
    answer, the time spent in reviews (letting a veto window run, or informed afterwards)."""
    vetoes = tuple(a for a in answers if a.kind == "veto")
    deciders = vetoes or answers
    if deciders:
        return (max(a.review_s for a in deciders), "",
                all(a.verified for a in deciders))
    ended = [e for e in mine if e["kind"] == "review_ended"]
    verified_seen = any(e["kind"] == "verification" for e in mine)
    if ended:
        return (float(sum(e["duration_s"] for e in ended)), str(ended[-1].get("purpose", "")),
                verified_seen)
    return None, "", True if verified_seen else None


def _verb(action: str) -> str:
    """Past tense of an action class, from the action table (an unknown one: its name)."""
    try:
        return actions.get(action).verb
    except KeyError:
        return action


def _is_warning(action: str) -> bool:
    """A warning (its effect is the other side's answer, not a shot)."""
    try:
        return actions.get(action).effect == "warning"
    except KeyError:
        return False
