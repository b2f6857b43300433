"""The decision pipeline: one SimPy process per detected track, from classification to effect.

detect -> AI classifies (latency) -> AI recommends the least forceful fitting action (the action
table, ``hmt_sim.actions``) -> autonomy gates may refer it to humans -> the protocol of the
effective level (the protocol table, ``hmt_sim.autonomy.PROTOCOLS``) decides who acts and when ->
force gates may block it -> an effector in range acts -> effect, harm and escalation pressure ->
ground truth is revealed later and feeds trust. The threat keeps flying meanwhile: a decision that
comes too late is a leaker.

The pipeline sees the run only through a ``DecisionContext``: the owned pieces of state it may
ask and tell, never the model itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, replace
from typing import Any, cast

import simpy

from hmt_sim import actions
from hmt_sim.actions import MONITOR, ActionClass, Situation
from hmt_sim.agents.ai import Classification
from hmt_sim.autonomy import Protocol, ProtocolSpec, spec
from hmt_sim.context import DecisionContext
from hmt_sim.crew import PendingReview
from hmt_sim.inspection import close_verification
from hmt_sim.judgement import own_call
from hmt_sim.observation import Sighting
from hmt_sim.roe import autonomy_gates, expected_harm, force_gates
from hmt_sim.wording import Wording, operator_flags, operator_judges, unassessed
from hmt_sim.world import RESOLUTION_S, round_up

MAX_DECISIONS_PER_TRACK = 8
INFORM_REVIEW_SHARE = 0.5  # an after-the-fact review takes half a normal review [P]
HUMAN_EXECUTION_S = 2.0  # at levels 1-4 the operator carries out the action by hand [P]
OPERATOR_OVERRIDE_CONFIDENCE = 0.9  # an operator who noticed an AI miss believes it hostile [P]
OVERRIDE_ACTION = "engage"  # what an operator who noticed a missed threat proposes

PendingDecision = PendingReview  # the earlier name of a review card waiting for a person


@dataclass
class Decision:
    """One recommendation on its way through the protocol (mutable: who reviewed it)."""

    id: int
    track: int
    action: str
    cls: Classification
    level: int
    configured_level: int
    protocol: Protocol
    explanation: str
    deadline: float  # simulation time after which acting is pointless
    two_person: bool = False
    human_initiated: bool = False
    operator: int | None = None  # the accountable operator, when one reviewed or supervised
    verified: bool = False
    review_s: float = 0.0
    screened_by: int | None = None  # levels 1-4: the seat whose own call started it
    advice: Classification | None = None  # levels 1-4: the AI's call a card shows (not cls)
    referral: tuple[str, str] | None = None  # (rule, detail) of the gate that set the level

    @property
    def shown(self) -> Classification:
        """The AI's call as a card shows it: the advice at levels 1-4, else the AI's call."""
        return self.advice if self.advice is not None else self.cls

    @property
    def spec(self) -> ProtocolSpec:
        """The protocol record of the effective level."""
        return spec(self.level)

    @property
    def action_class(self) -> ActionClass:
        """The action class record of the recommended action."""
        return actions.get(self.action)


@dataclass(frozen=True, slots=True)
class Review:
    """The end of one human review: its outcome, whose it was, how long, and whether verified."""

    outcome: str  # "approve" | "veto" | "timeout" | "no_veto" | "act" | "leave"
    operator: int | None
    review_s: float
    verified: bool
    belief: float | None = None  # the operator's own P(hostile), when a judgement formed one


Steps = Generator[Any, Any, Any]


def track_process(ctx: DecisionContext, track: int) -> Steps:
    """The life of one detected track."""
    screening = screening_level(ctx)
    if screening is not None:
        return (yield from _person_leads(ctx, track, screening))
    c = ctx.contacts[track]
    cls, case = yield from _ai_first_call(ctx, track)
    if cls is None:
        return
    tried: set[str] = set()
    omission_checked = False
    decisions = 0
    while decisions < MAX_DECISIONS_PER_TRACK:
        if not ctx.world.alive[track]:
            return
        time_left = ctx.world.time_to_asset(track)
        action = _choose_action(ctx, track, cls, time_left, tried)
        human_initiated = False
        judged = cls
        if action == MONITOR and c.hostile and not omission_checked:
            omission_checked = True
            belief = yield from _omission_check(ctx, track)
            if belief is not None:
                action, human_initiated = OVERRIDE_ACTION, True
                # From here the operator's own judgement stands in for the AI's call: the
                # gates (doubt, proportionality) weigh the person's belief that it is hostile.
                judged = replace(cls, label="hostile", confidence=belief)
        if action == MONITOR:
            # Keep watching: the AI re-judges the track as it moves on, into other regions
            # and through drift or deception, until its call changes or the track is gone.
            changed = yield from _watch(ctx, track, case, cls)
            if changed is None:
                return
            cls = changed
            continue
        decisions += 1
        decision = _recommend(ctx, track, judged, action, time_left, human_initiated)
        executed = yield from _run_protocol(ctx, decision)
        if not executed or not ctx.world.alive[track]:
            return
        result = yield from _execute(ctx, decision)
        _inform_after(ctx, decision)
        action_class = actions.get(action)
        if result in action_class.ends_on:
            return
        if action_class.fits is not None:
            tried.add(action)  # tried without ending it: the AI moves up its ladder


def _ai_first_call(ctx: DecisionContext, track: int) -> Steps:
    """The AI's first call on a detected track, after its latency: (call, the case's two
    fixed draws), or (None, None) when the track is gone by then."""
    ai_stream = ctx.streams.get(f"ai/{ctx.stream_key[track]}")
    z_latency, u_label, z_conf = ai_stream.standard_normal(), ai_stream.random(), (
        ai_stream.standard_normal()
    )
    yield ctx.env.timeout(ctx.ai.latency(float(z_latency)))
    if not ctx.world.alive[track]:
        return None, None
    case = (float(u_label), float(z_conf))
    return _judge(ctx, track, case, None), case


def screening_level(ctx: DecisionContext) -> int | None:
    """When every action class is at level 1-4 the AI selects nothing (Sheridan & Verplank
    1978): a person looks at every detected track and decides. Returns the level whose advice
    the screen shows (the highest in force), or None when the AI selects actions."""
    level = max(ctx.authority.level(a.name) for a in actions.ladder_tuple())
    return level if spec(level).human_executes else None


UNASSESSED = Classification("unassessed", 0.5, False, False, 0.5)
"""The AI's call where the AI is not consulted (level 1): the card shows no advice."""


def _person_leads(ctx: DecisionContext, track: int, level: int) -> Steps:
    """Levels 1-4: the operator judges the track and decides. At level 1 the AI is not
    consulted at all; at 2-4 its call is the advice the screen shows (all alternatives, a
    narrowed set, one suggestion). A track the operator calls hostile gets the least forceful
    fitting action, carried out by hand; up the ladder if it does not end it."""
    cls = UNASSESSED
    if level >= 2:
        first, _case = yield from _ai_first_call(ctx, track)
        if first is None:
            return
        cls = first
    time_left = ctx.world.time_to_asset(track)
    sure = Classification("hostile", 1.0, cls.correct, cls.silent, cls.accuracy)
    candidate = _choose_action(ctx, track, sure, time_left, set())
    if candidate == MONITOR:
        return  # nothing this crew could do about it
    tte = ctx.effectors.max_time_to_effect(candidate)
    deadline = ctx.now + max(1.0, float(time_left) - tte)
    wording = unassessed() if level == 1 else ctx.ai.wording(cls, ctx.region(track), candidate)
    screen = Decision(ctx.new_decision_id(), track, candidate, cls, level, level,
                      spec(level).protocol, wording.english(), deadline, human_initiated=True)
    ctx.wordings[screen.id] = wording
    while True:
        review = yield from human_review(ctx, screen, deadline, purpose="screening")
        if not ctx.world.alive[track]:
            return
        if review.outcome == "act":
            break
        # Left alone for now. A track heading for the defended asset is looked at again
        # while there is time; others are not (people watch what comes at them).
        relook = ctx.operator_spec.judgement.relook_s
        if not ctx.world.heads_to_asset[track] or ctx.now + relook >= deadline:
            return
        yield ctx.env.timeout(relook)
        if not ctx.world.alive[track]:
            return
    # A model operator's belief comes from their judgement; a person who chose to act is
    # taken to believe it hostile as firmly as an operator who flags a missed threat.
    belief = review.belief if review.belief is not None else OPERATOR_OVERRIDE_CONFIDENCE
    judged = Classification("hostile", max(0.5, belief), cls.correct, cls.silent, cls.accuracy)
    lethal_judged = actions.is_lethal(candidate)
    tried: set[str] = set()
    for _ in range(MAX_DECISIONS_PER_TRACK):
        time_left = ctx.world.time_to_asset(track)
        action = _choose_action(ctx, track, judged, time_left, tried)
        if action == MONITOR:
            return
        decision = _recommend(ctx, track, judged, action, time_left, True, level=level,
                              wording=operator_judges(judged.confidence, action))
        decision.advice = cls  # cards show the AI's call (or none at level 1), not a colleague's
        if actions.is_lethal(action) and not lethal_judged:
            # Up the ladder to lethal force: a new judgement with the caution lethal force asks,
            # not the screening call made for a lesser action.
            lethal_judged = True
        else:
            decision.screened_by, decision.verified = review.operator, review.verified
            decision.review_s = review.review_s
        executed = yield from _run_protocol(ctx, decision)
        if not executed or not ctx.world.alive[track]:
            return
        result = yield from _execute(ctx, decision)
        action_class = actions.get(action)
        if result in action_class.ends_on:
            return
        if action_class.fits is not None:
            tried.add(action)


def _choose_action(ctx: DecisionContext, track: int, cls: Classification, time_left: float,
                   tried: set[str]) -> str:
    """The AI's recommendation: monitor what it calls civilian, else the least forceful action
    class that fits the situation (``actions.choose``)."""
    if cls.label != "hostile":
        return MONITOR
    c = ctx.contacts[track]
    ladder = actions.ladder_tuple()
    known = ctx.usable_of.get(c.kind_name)
    if known is not None and known[0] is ladder:
        usable = known[1]
    else:
        kind = c.kind
        usable = frozenset(
            a.name for a in ladder
            if (not a.needs_effector or ctx.effectors.has(a.name))
            and (a.requires is None or bool(getattr(kind, a.requires, False)))
        )
        ctx.usable_of[c.kind_name] = (ladder, usable)
    return actions.choose(Situation(
        confidence=cls.confidence, time_left_s=time_left,
        engage_confidence=ctx.ai_profile.engage_confidence,
        warning_response_s=ctx.authority.roe.warning_response_s,
        usable=usable, tried=frozenset(tried),
    ))


def _judge(ctx: DecisionContext, track: int, case: tuple[float, float],
           previous: Classification | None) -> Classification:
    """The AI's call on a track now. The case's two draws are fixed per track (an object looks
    the same each time it is judged), so a call changes only with the region, drift or
    deception - never by drawing again."""
    c = ctx.contacts[track]
    region = ctx.region(track)
    sighting = None if ctx.ai.judges_cases else Sighting(ctx.world, track, c.kind, ctx.streams,
                                                         ctx.stream_key[track])
    cls = ctx.ai.classify(c.hostile, region, ctx.now, case[0], case[1], sighting)
    if previous is None or cls.label != previous.label:
        ctx.assessments.note_call(track, cls, region)
        ctx.log.emit(
            ctx.now, "classification", track, label=cls.label,
            confidence=round(cls.confidence, 6), correct=cls.correct,
            accuracy=round(cls.accuracy, 6), silent=cls.silent, region=region,
            update=previous is not None,
        )
    return cls


def _watch(ctx: DecisionContext, track: int, case: tuple[float, float], cls: Classification
           ) -> Steps:
    """Re-judge a monitored track every ``ai.rejudge_s`` until its label changes (returns the
    new call) or it is gone (returns None).

    The AI re-judges on a grid of ticks ``rejudge_s`` apart from its last call. Where its call
    can change only with the track's region or the AI's condition (the built-in model,
    ``AIAgent.calls_follow_condition``), the ticks before the next region edge, the end of the
    route or a change of condition would only find the same call: the watch sleeps through
    them to the first tick after that moment, and wakes early only when the condition
    changes. The ticks it judges on, and so the log, are the ticks a judgement on every tick
    would have shown a change on."""
    env, world, ai = ctx.env, ctx.world, ctx.ai
    every = ctx.ai_profile.rejudge_s
    judged = env.now  # the last tick on which the AI judged the track
    condition_changed = False
    while True:
        tick = judged + every  # the next tick of the grid, as a timeout of rejudge_s gives it
        if not ai.calls_follow_condition():
            yield env.timeout(every)
        else:
            while tick < env.now:  # woken by a change of condition: the next tick from here
                tick += every  # (a tick at this very instant is still judged, as it was)
            if not condition_changed:  # (after a change, the next tick judges the new call)
                steady_until = env.now + min(world.next_crossing(track),
                                             world.route(track).end_s - env.now)
                if steady_until == math.inf:
                    tick = math.inf  # nothing but a change of condition can change the call
                while tick < steady_until - WATCH_MARGIN_S:
                    tick += every
            try:
                with ai.watching(env.active_process):
                    # one event a sleep; a change of condition interrupts it (rare)
                    yield (env.timeout(exact_delay(env.now, tick)) if tick < math.inf
                           else env.event())
            except simpy.Interrupt:
                condition_changed = True
                continue  # plan again from here
        judged, condition_changed = env.now, False
        if not world.alive[track]:
            return None
        new = _judge(ctx, track, case, cls)
        if new.label != cls.label:
            return new


WATCH_MARGIN_S = 1e-6
"""How far before a computed change a watched track is judged again (the computed moment
carries rounding error; a tick inside the margin is judged, as every tick once was)."""


def exact_delay(now: float, t: float) -> float:
    """The delay that brings SimPy's clock from ``now`` to exactly ``t`` (``now + delay``
    rounds; this is the delay it rounds to ``t``), so a tick reached in one timeout falls at
    the same instant as one reached through the ticks before it."""
    delay = t - now
    for _ in range(8):
        if now + delay < t:
            delay = math.nextafter(delay, math.inf)
        elif now + delay > t:
            delay = math.nextafter(delay, -math.inf)
        else:
            break
    return delay


def _omission_check(ctx: DecisionContext, track: int) -> Steps:
    """The AI called a hostile civilian. Returns the operator's belief that it is hostile when
    they see the threat, else None. Does an operator look again (reliance on its
    all-clears, workload, degree of automation) and, looking, see a threat with their own eyes
    (a judgement against the AI's civilian call)? (docs/MODEL.md s.3a)"""
    op_stream = ctx.streams.get(f"op/{ctx.stream_key[track]}")
    u = float(op_stream.random())
    if not len(ctx.crew):
        ctx.log.emit(ctx.now, "missed_threat", track, noticed=False)
        return None
    op = ctx.crew[0]
    noticing = ctx.authority.noticing(ctx.authority.level(OVERRIDE_ACTION))
    workload = ctx.crew.workload()
    noticed, belief = False, None
    if op.looks_again(workload, u, noticing):
        j = ctx.operator_spec.judgement
        cls = ctx.assessments.call(track)
        call = own_call(
            ctx.streams.get(f"judge/{ctx.stream_key[track]}"), j, hostile=True,
            d_prime=ctx.d_prime(track), workload=workload, spoofed=ctx.spoofed(track),
            p_ai=cls.p_hostile if cls is not None else 0.5, shown="recommendation",
            trust=op.reliance, lethal=actions.is_lethal(OVERRIDE_ACTION),
            doubt_p=ctx.authority.roe.doubt_p, max_s=j.max_look_s)
        yield ctx.env.timeout(j.notice_s + call.deliberation_s)
        noticed = bool(call.hostile and ctx.world.alive[track])
        belief = call.p_hostile if noticed else None
    ctx.log.emit(ctx.now, "missed_threat", track, noticed=noticed)
    return belief


def _recommend(ctx: DecisionContext, track: int, cls: Classification, action: str,
               time_left: float, human_initiated: bool, level: int | None = None,
               wording: Wording | None = None) -> Decision:
    """The recommendation record of ``action`` on ``track`` after the autonomy gates, logged.
    A person-led decision (``level`` given) keeps the screening level and its own words."""
    c = ctx.contacts[track]
    authority = ctx.authority
    configured = authority.level(action) if level is None else level
    if human_initiated:
        configured = min(configured, 4)  # the operator proposes and carries it out
    region = ctx.region(track)
    gates = autonomy_gates(
        authority.roe, action=action, level=configured, kind=c.kind,
        red_rung=ctx.escalation.rung("red"), killed_switch=authority.stop_in_force(),
        in_envelope=ctx.in_envelope(track), record=ctx.assessments.record, region=region,
        drift_detected=ctx.drift_detected(),
    )
    level = configured
    two_person = False
    for g in gates:
        level = g.level if g.level is not None else level
        two_person = two_person or g.two_person
    tte = ctx.effectors.max_time_to_effect(action)
    deadline = ctx.now + max(1.0, float(time_left) - tte)
    proto = spec(level)
    if wording is None:
        wording = (operator_flags(action) if human_initiated
                   else ctx.ai.wording(cls, region, action))
    explanation = wording.english()
    d = Decision(
        ctx.new_decision_id(), track, action, cls, level, configured, proto.protocol,
        explanation, deadline, two_person, human_initiated,
    )
    ctx.wordings[d.id] = wording
    d.referral = next(((g.rule, g.detail) for g in reversed(gates) if g.level is not None), None)
    ctx.log.emit(
        ctx.now, "recommendation", track, decision=d.id, action=action, label=cls.label,
        confidence=round(cls.confidence, 6), level=level, configured_level=configured,
        protocol=proto.protocol.value, loop=proto.loop, explanation=explanation,
        time_to_impact_s=round(float(time_left), 3) if math.isfinite(time_left) else None,
        ai_wrong=_ai_wrong(ctx, d), human_initiated=human_initiated,
    )
    for g in gates:
        ctx.log.emit(ctx.now, "gate", track, decision=d.id, rule=g.rule, outcome=g.outcome,
                     detail=g.detail, level=g.level)
    return d


def _ai_wrong(ctx: DecisionContext, d: Decision) -> bool:
    """Ground truth: would acting on this recommendation be wrong? Force on a civilian is;
    a warning never is (it is a precaution)."""
    return actions.is_force(d.action) and not ctx.contacts[d.track].hostile


# ---------------------------------------------------------------------- protocols
def _run_protocol(ctx: DecisionContext, d: Decision) -> Steps:
    """Who decides, and when: the routine of the level's authorisation. Returns True when the
    action goes ahead."""
    return (yield from _AUTHORISATION[d.spec.authorisation](ctx, d))


def _approval(ctx: DecisionContext, d: Decision) -> Steps:
    """Levels 1-5: one operator (two under the two-person rule) must approve before the
    deadline; at levels 1-4 the operator then carries the action out by hand."""
    env = ctx.env
    if d.screened_by is not None:
        # Levels 1-4, person-led: the operator's own call is the approval; a two-person case
        # needs one more person, never the same one.
        least = ctx.authority.roe.min_review_s if d.action_class.lethal else 0.0
        if d.review_s < least:
            # the least human review before lethal force: the operator keeps looking
            if ctx.now + least - d.review_s > d.deadline:
                ctx.log.emit(ctx.now, "timeout", d.track, decision=d.id, outcome="no_action")
                return False
            yield env.timeout(least - d.review_s)
            d.review_s = least
        if d.two_person:
            if len(ctx.crew) < 2:
                ctx.log.emit(ctx.now, "gate", d.track, decision=d.id, rule="human_only_rung",
                             outcome="blocked", detail="two-person approval needs two "
                             "operators", level=d.level)
                return False
            second = yield from human_review(ctx, d, d.deadline, seats_seen={d.screened_by})
            if second.outcome != "approve":
                return False
        _answer(ctx, d, d.screened_by, "approve", d.review_s, d.verified, by="screening")
        yield env.timeout(HUMAN_EXECUTION_S)
        return True
    if d.two_person and len(ctx.crew) < 2:
        ctx.log.emit(ctx.now, "gate", d.track, decision=d.id, rule="human_only_rung",
                     outcome="blocked", detail="two-person approval needs two operators",
                     level=d.level)
        return False
    if d.two_person:
        # Two people review side by side, and they must be two different people: each review
        # takes a seat no other review of this decision has held.
        seen: set[int] = set()
        procs = [env.process(human_review(ctx, d, d.deadline, seats_seen=seen))
                 for _ in range(2)]
        yield env.all_of(procs)
        reviews = [cast(Review, p.value) for p in procs]
    else:
        reviews = [(yield from human_review(ctx, d, d.deadline))]
    for review in reviews:
        if review.outcome != "approve":
            if review.outcome == "timeout":
                ctx.log.emit(ctx.now, "timeout", d.track, decision=d.id, outcome="no_action")
            return False
    if d.spec.human_executes:
        yield env.timeout(HUMAN_EXECUTION_S)
    return True


def _veto_window(ctx: DecisionContext, d: Decision) -> Steps:
    """Level 6: the AI acts when the window closes unless an operator vetoes within it."""
    env = ctx.env
    window = ctx.authority.veto_window_s
    if ctx.authority.roe.veto_window_floor_rt95:
        window = max(window, ctx.crew.max_rt95)
    end = ctx.now + window
    review = yield from human_review(ctx, d, end, veto_mode=True)
    if review.outcome == "veto":
        return False
    if review.outcome in ("timeout", "no_veto"):
        if env.now < end:
            yield env.timeout(end - env.now)
        outcome = "stopped" if ctx.authority.stop_in_force() else "executed"
        ctx.log.emit(ctx.now, "timeout", d.track, decision=d.id, outcome=outcome,
                     window_s=round(window, 6), reviewed=review.outcome == "no_veto")
        if outcome == "stopped":
            return False
    return True


def _ai_acts(ctx: DecisionContext, d: Decision) -> Steps:
    """Levels 7-10: the AI acts now; when it will inform the operator on duty afterwards
    (``_inform_after``), that operator is accountable for what was done."""
    if d.spec.informs_after(d.cls.confidence):
        d.operator = ctx.crew.on_duty()
    return True
    yield  # a generator like the other authorisation routines


_AUTHORISATION: dict[str, Callable[[DecisionContext, Decision], Steps]] = {
    "manual": _approval,
    "approval": _approval,
    "veto_window": _veto_window,
    "none": _ai_acts,
}
"""Each ``ProtocolSpec.authorisation`` and the routine that carries it out."""


def _inform_after(ctx: DecisionContext, d: Decision) -> None:
    """Level 7 (and 9 when unsure): after the action, the AI tells the operator, who reviews
    what was done - the review takes the operator's time and changes nothing."""
    if not d.spec.informs_after(d.cls.confidence):
        return
    ctx.log.emit(ctx.now, "inform", d.track, decision=d.id)
    if len(ctx.crew):
        ctx.env.process(_after_review(ctx, d))


def _after_review(ctx: DecisionContext, d: Decision) -> Steps:
    """A level-7 after-the-fact review: it takes the operator's time and changes nothing."""
    crew, authority = ctx.crew, ctx.authority
    while True:
        while not authority.comms_up:
            # No new review starts during a comms loss: the operator is told once the link is
            # back (also when it went down while this review waited for a seat).
            yield authority.comms_restored
        req = crew.request(priority=1)
        yield req
        if authority.comms_up:
            break
        crew.release(req)
    try:
        op_index = cast(int, crew.take_seat())
        z = float(ctx.streams.get(f"op/{ctx.stream_key[d.track]}").standard_normal())
        rt = ctx.operator_spec.review_time
        dur = INFORM_REVIEW_SHARE * rt.median_s * math.exp(rt.sigma * z)
        ctx.log.emit(ctx.now, "review_started", d.track, decision=d.id, operator=op_index,
                     purpose="inform")
        yield ctx.env.timeout(dur)
        ctx.log.emit(ctx.now, "review_ended", d.track, decision=d.id, operator=op_index,
                     duration_s=round(dur, 6), purpose="inform", outcome="informed",
                     verified=False)
        crew.free_seat(op_index)
    finally:
        crew.release(req)


# ---------------------------------------------------------------------- human reviews
def human_review(ctx: DecisionContext, d: Decision, deadline: float, veto_mode: bool = False,
                 seats_seen: set[int] | None = None, purpose: str | None = None) -> Steps:
    """An operator reviews ``d`` before ``deadline``: wait for comms and a free operator, then
    decide (a model operator) or wait for the person in the seat. Returns a ``Review``.
    ``seats_seen`` (shared by the reviews of one two-person decision) keeps a seat from
    reviewing the same decision twice. ``purpose="screening"``: levels 1-4, the operator's own
    call on a track - the review ends ``act`` or ``leave``."""
    purpose = purpose or ("veto" if veto_mode else "approval")
    env, crew, authority = ctx.env, ctx.crew, ctx.authority
    if not len(crew):
        return Review("timeout", None, 0.0, False)
    if not authority.comms_up:
        left = deadline - env.now
        if left <= 0:
            return Review("timeout", None, 0.0, False)
        yield authority.comms_restored | env.timeout(left)
        if not authority.comms_up:
            return Review("timeout", None, 0.0, False)
    exclude = seats_seen if seats_seen is not None else set()
    while True:
        left = deadline - env.now
        if left <= 0:
            return Review("timeout", None, 0.0, False)
        req = crew.request(priority=0)
        got = yield req | env.timeout(left)
        if req not in got:
            # A seat may have been granted at the very instant the deadline passed: give it back.
            req.cancel()
            if req.triggered:
                crew.release(req)
            return Review("timeout", None, 0.0, False)
        seat = crew.take_seat(exclude)
        if seat is not None and not authority.comms_up:
            # The link went down while this review waited for a seat: it cannot start now.
            crew.free_seat(seat)
            crew.release(req)
            yield authority.comms_restored | env.timeout(max(0.0, deadline - env.now))
            continue
        if seat is not None:
            break
        # The only free seat already reviewed this decision: wait for another person.
        crew.release(req)
        yield crew.seat_freed | env.timeout(max(0.0, deadline - env.now))
    op_index = seat
    exclude.add(op_index)
    op = crew[op_index]
    started = env.now
    eq = ctx.ai_profile.explanation_quality if d.spec.shows_advice else 0.0
    ctx.log.emit(started, "review_started", d.track, decision=d.id, operator=op_index,
                 purpose=purpose, deadline_s=round(deadline, 6),
                 workload=round(crew.workload(), 6),
                 time_needed_s=round(op.verify_time(eq), 6))
    try:
        if op.human:
            review = yield from _human_seat(ctx, d, op_index, deadline,
                                            screening=purpose == "screening")
        else:
            review = yield from _model_operator(ctx, d, op_index, deadline, veto_mode,
                                                screening=purpose == "screening")
    finally:
        crew.release(req)
        crew.free_seat(op_index)
    ctx.log.emit(env.now, "review_ended", d.track, decision=d.id, operator=op_index,
                 duration_s=round(env.now - started, 6), purpose=purpose,
                 outcome=review.outcome, verified=review.verified,
                 belief=None if review.belief is None else round(review.belief, 6))
    return review


def _model_operator(ctx: DecisionContext, d: Decision, op_index: int, deadline: float,
                    veto_mode: bool, screening: bool = False) -> Steps:
    env = ctx.env
    op = ctx.crew[op_index]
    key = ctx.stream_key[d.track]
    stream = ctx.streams.get(f"op/{key}")
    draws = (float(stream.random()), float(stream.standard_normal()), float(stream.random()))
    lethal = d.action_class.lethal
    outcome = op.review(
        ai_wrong=_ai_wrong(ctx, d), lethal=lethal,
        explanation_quality=ctx.ai_profile.explanation_quality if d.spec.shows_advice else 0.0,
        workload=ctx.crew.workload(), time_available_s=max(0.0, deadline - env.now),
        level=d.level, draws=draws, noticing=ctx.authority.noticing(d.level),
        action=d.action, label=d.shown.label, confidence=d.shown.confidence, veto=veto_mode,
        policy_rng=lambda: ctx.streams.get(f"policy/{key}"),
        track_hostile=ctx.contacts[d.track].hostile, d_prime=ctx.d_prime(d.track),
        spoofed=ctx.spoofed(d.track), diffusion=ctx.streams.get(f"judge/{key}"),
        doubt_p=ctx.authority.roe.doubt_p, screening=screening,
    )
    duration = outcome.duration_s
    if outcome.approve and lethal and not veto_mode and not screening:
        # least human review before lethal force
        duration = max(duration, ctx.authority.roe.min_review_s)
    started = env.now
    if env.now + duration > deadline:
        yield env.timeout(max(0.0, deadline - env.now))
        return Review("timeout", op_index, env.now - started, False)
    if outcome.verified:
        yield env.timeout(duration - outcome.verify_s)
        ctx.log.emit(env.now, "verification", d.track, decision=d.id, operator=op_index,
                     duration_s=round(outcome.verify_s, 6))
        yield env.timeout(outcome.verify_s)
    else:
        yield env.timeout(duration)
    if screening:
        # No look: the operator took the advice, and believes what it said.
        belief = outcome.belief if outcome.belief is not None else d.shown.p_hostile
        return Review("act" if outcome.approve else "leave", op_index, duration,
                      outcome.verified, belief)
    if veto_mode and outcome.approve:
        # On the loop, a model operator who finds nothing wrong lets the window run out.
        d.operator, d.verified, d.review_s = op_index, outcome.verified, duration
        return Review("no_veto", op_index, duration, outcome.verified, outcome.belief)
    review = _answer(ctx, d, op_index, "approve" if outcome.approve else "veto", duration,
                     outcome.verified, by="model")
    # (built directly: dataclasses.replace inspects the fields on every call)
    return Review(review.outcome, review.operator, review.review_s, review.verified,
                  outcome.belief)


def _answer(ctx: DecisionContext, d: Decision, op_index: int, choice: str, review_s: float,
            verified: bool, by: str) -> Review:
    d.operator, d.verified, d.review_s = op_index, verified, review_s
    kind = "approval" if choice == "approve" else "veto"
    ctx.log.emit(ctx.now, kind, d.track, decision=d.id, operator=op_index,
                 review_s=round(review_s, 6), verified=verified, by=by, level=d.level)
    return Review(choice, op_index, review_s, verified)


def _human_seat(ctx: DecisionContext, d: Decision, op_index: int, deadline: float,
                screening: bool = False) -> Steps:
    """Wait for the person in the seat (``Session.decide``) or the deadline. A screening card
    (levels 1-4) asks the person's own call: approve = act on the track, veto = leave it."""
    env = ctx.env
    pending = ctx.crew.wait_for_person(d, op_index)
    pending.info["purpose"] = "screening" if screening else "review"
    try:
        got = yield pending.answered | env.timeout(max(0.0, deadline - env.now))
    finally:
        ctx.crew.close(d.id, op_index)
    looked = close_verification(ctx.log, env.now, pending)  # the time really spent
    if pending.answered not in got:
        return Review("timeout", op_index, env.now - pending.started, looked)
    choice = str(pending.answered.value)
    if screening:
        return Review("act" if choice == "approve" else "leave", op_index,
                      env.now - pending.started, looked)
    return _answer(ctx, d, op_index, choice, env.now - pending.started, looked, by="person")


# ---------------------------------------------------------------------- effects
def _execute(ctx: DecisionContext, d: Decision) -> Steps:
    """Carry out the authorised action with its effect routine; returns the result."""
    effect = d.action_class.effect
    if callable(effect):
        return (yield from effect(ctx, d))
    return (yield from _EFFECTS[effect](ctx, d))


def _strike(ctx: DecisionContext, d: Decision) -> Steps:
    """Force gates (lethal actions), then wait for an effector in range, then fire."""
    env, world = ctx.env, ctx.world
    c = ctx.contacts[d.track]
    action = d.action_class
    effectors = ctx.effectors.for_action(d.action)
    if not effectors:
        return "lapsed"
    held = False
    circles: list[tuple[float, float, float]] | None = None
    while True:
        if action.lethal:
            gate = _force_gate(ctx, d, effectors)
            if gate is not None and (gate.rule == "doubt" or ctx.now >= d.deadline):
                # Doubt does not clear by waiting; anything else blocks once time has run out.
                ctx.log.emit(ctx.now, "gate", d.track, decision=d.id, rule=gate.rule,
                             outcome="blocked", detail=gate.detail, level=None)
                return "blocked"
            if gate is not None and not held:
                # Hold fire and keep checking: the contact may leave the city or the site.
                held = True
                ctx.log.emit(ctx.now, "gate", d.track, decision=d.id, rule=gate.rule,
                             outcome="held", detail=gate.detail, level=None)
        else:
            gate = None
        eff = ctx.effectors.in_range(d.track, d.action) if gate is None else None
        if eff is not None:
            break
        if gate is None:
            # Sleep until the first effector can reach it (straight-line motion makes this
            # exact, to the world's resolution).
            soonest = ctx.effectors.time_to_reach(d.track, d.action)
            if not math.isfinite(soonest):
                return "lapsed"
            yield env.timeout(_wait_until(ctx.now, soonest))
        else:
            # A held gate is checked again only when one of its inputs can change: the contact
            # crosses a region's edge, an effector's reach or a protected site's radius, the
            # ROE change, the deadline comes - or the contact's route ends.
            if circles is None:
                circles = ctx.effectors.gate_circles(d.action)
            change = min(world.next_crossing(d.track, circles), d.deadline - ctx.now,
                         world.route(d.track).end_s - ctx.now)
            yield env.timeout(_wait_until(ctx.now, change)) | ctx.authority.roe_changed
        if not world.alive[d.track]:
            return "lapsed"
    if _stopped(ctx, d):
        return "blocked"
    if d.spec.autonomous:
        ctx.authority.count_autonomous_force()
    engagement_event(ctx, d, eff.id, in_envelope=ctx.in_envelope(d.track))
    effect_stream = ctx.streams.get(f"effect/{ctx.stream_key[d.track]}")
    for _shot in range(eff.shots):
        yield env.timeout(eff.time_to_effect_s)
        if not world.alive[d.track]:
            return "lapsed"
        if _stopped(ctx, d):
            return "blocked"
        u_hit, u_harm = effect_stream.random(2).tolist()  # the same two draws as one by one
        success = u_hit < eff.p_success
        harm = 0
        if action.lethal:
            density = world.regions.density_at(*world.xy(d.track))
            incidental_mean = expected_harm(density_per_km2=density,
                                            cer_m=eff.collateral_radius_m, p_lethal=eff.p_lethal,
                                            p_hostile=1.0, persons_aboard=0)
            harm = poisson_from_uniform(incidental_mean, u_harm)
            if success and not c.hostile:
                harm += c.kind.persons_aboard
        ev = ctx.log.emit(
            ctx.now, "effect", d.track, decision=d.id, action=d.action, success=success,
            civilian_harm=harm, target_civilian=not c.hostile, effector=eff.id,
            region=ctx.region(d.track),
            military_advantage=c.kind.military_advantage if success else 0.0,
            protected_site=ctx.effectors.near_protected_site(d.track, eff.collateral_radius_m)
            if action.lethal else None,
        )
        _push_escalation(ctx, d, success, ev["seq"], c.hostile)
        if success:
            ctx.neutralise(d.track)
            return "success"
    return "missed"


def _wait_until(now: float, seconds: float) -> float:
    """The wait to a computed crossing ``seconds`` from ``now``: to the first step of the
    world's resolution after it, so the check then finds the contact past it."""
    return max(RESOLUTION_S, round_up(now + seconds) - now)


def _stopped(ctx: DecisionContext, d: Decision) -> bool:
    """A stop order (kill switch) in force halts autonomous action, even one under way."""
    if not d.spec.autonomous or not ctx.authority.stop_in_force():
        return False
    ctx.log.emit(ctx.now, "gate", d.track, decision=d.id, rule="kill_switch", outcome="blocked",
                 detail="stop order in force: autonomous action halted", level=None)
    return True


def engagement_event(ctx: DecisionContext, d: Decision, effector: str, in_envelope: bool
                     ) -> Any:
    """Log a use of force or a warning, with who authorised it and the loop position (from the
    protocol table). Tracing: the accountable human is the one who approved, could veto or
    was informed (``ProtocolSpec.accountable``); none out of the loop. Rationale and AI version
    are logged when the ROE require decision logging."""
    proto = d.spec
    if d.operator is None and proto.accountable == "supervisor":
        d.operator = ctx.crew.on_duty()  # the supervisor who could have vetoed
    logging = ctx.authority.roe.decision_logging
    return ctx.log.emit(
        ctx.now, "engagement", d.track, decision=d.id, action=d.action, effector=effector,
        authorised_by=proto.authorised_by, level=d.level,
        operator=d.operator if proto.accountable else None,
        rationale=d.explanation if logging else None,
        ai_version=ctx.ai.version if logging else None,
        in_envelope=in_envelope, verified=d.verified, review_s=round(d.review_s, 6),
        loop=proto.loop, protocol=proto.protocol.value, human_could_stop=proto.human_can_stop,
    )


def _force_gate(ctx: DecisionContext, d: Decision, effectors: list[Any]) -> Any:
    """The first force gate that fires for ``d`` where the contact is now, or None. The estimate
    uses the effector that would fire now, or the most harmful one while none is in range; the
    persons aboard come from the contact's signature category (its kind), as a collateral
    estimate would."""
    c = ctx.contacts[d.track]
    now = ctx.effectors.in_range(d.track, d.action)
    cer = now.collateral_radius_m if now else max(e.collateral_radius_m for e in effectors)
    p_lethal = now.p_lethal if now else max(e.p_lethal for e in effectors)
    harm = expected_harm(
        density_per_km2=ctx.world.regions.density_at(*ctx.world.xy(d.track)), cer_m=cer,
        p_lethal=p_lethal, p_hostile=d.cls.p_hostile,
        persons_aboard=c.kind.persons_aboard,
    )
    advantage = ctx.advantage_by_category.get(c.kind.category, ctx.advantage_by_category["*"])
    gates = force_gates(ctx.authority.roe, p_hostile=d.cls.p_hostile, harm_estimate=harm,
                        advantage_estimate=advantage,
                        near_protected_site=ctx.effectors.near_protected_site(d.track, cer))
    return gates[0] if gates else None


def _warning(ctx: DecisionContext, d: Decision) -> Steps:
    """A radio warning: the contact complies (identifies itself and turns away) or not."""
    c = ctx.contacts[d.track]
    ev = engagement_event(ctx, d, "radio", in_envelope=True)
    push = d.action_class.push
    if push is not None:
        ctx.escalation.push("red", getattr(ctx.pushes, push), push, ev["seq"], False)
    yield ctx.env.timeout(ctx.authority.roe.warning_response_s)
    if not ctx.world.alive[d.track]:
        return "lapsed"
    complied = c.complies
    ctx.log.emit(ctx.now, "effect", d.track, decision=d.id, action=d.action, success=complied,
                 civilian_harm=0, target_civilian=not c.hostile, effector="radio",
                 region=ctx.region(d.track), military_advantage=0.0)
    if complied:
        # It identifies itself and turns away: it leaves the picture and no longer threatens.
        c.status = "identified"
        ctx.world.remove(d.track)
        ctx.assessments.track_done(d.track)
        return "complied"
    return "ignored"


_EFFECTS: dict[str, Callable[[DecisionContext, Decision], Steps]] = {
    "strike": _strike,
    "warning": _warning,
}
"""The engine's effect routines by the name an ``ActionClass.effect`` gives."""


def _push_escalation(ctx: DecisionContext, d: Decision, success: bool, seq: int,
                     hostile: bool) -> None:
    """Escalation pressure on red from a strike: the action's own push on every use (jamming),
    or by outcome for lethal force (a wrongful civilian strike, or a strike on red's forces)."""
    pushes = ctx.pushes
    push = d.action_class.push
    if push is not None:
        ctx.escalation.push("red", getattr(pushes, push), push, seq, not hostile)
    elif not hostile:
        ctx.escalation.push("red", pushes.wrongful_civilian_strike, "wrongful_civilian_strike",
                            seq, True)
    elif success:
        ctx.escalation.push("red", pushes.strike_on_forces, "strike_on_forces", seq, False)


def poisson_from_uniform(mean: float, u: float) -> int:
    """Inverse-CDF Poisson draw from one uniform, so one draw per shot whatever the mean."""
    if mean <= 0:
        return 0
    k, p = 0, math.exp(-mean)
    cdf = p
    while u > cdf and k < 10_000:
        k += 1
        p *= mean / k
        cdf += p
    return k
