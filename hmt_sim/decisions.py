"""The decision pipeline: one SimPy process per detected track, from classification to effect.

detect -> AI classifies (latency) -> AI recommends the least forceful fitting action -> autonomy
gates may refer it to humans -> the protocol of the effective level decides who acts and when ->
force gates may block it -> an effector in range acts -> effect, harm and escalation pressure ->
ground truth is revealed later and feeds trust. The threat keeps flying meanwhile: a decision that
comes too late is a leaker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

import simpy

from hmt_sim.agents.ai import Classification
from hmt_sim.autonomy import AI_DISCRETION_INFORM_BELOW, Protocol, loop_position, protocol
from hmt_sim.roe import autonomy_gates, expected_harm, force_gates

if TYPE_CHECKING:
    from hmt_sim.model import HMTModel

MAX_DECISIONS_PER_TRACK = 8
INFORM_REVIEW_SHARE = 0.5  # an after-the-fact review takes half a normal review [P]
HUMAN_EXECUTION_S = 2.0  # at levels 1-4 the operator carries out the action by hand [P]
OPERATOR_OVERRIDE_CONFIDENCE = 0.9  # an operator who noticed an AI miss believes it hostile [P]


@dataclass
class Decision:
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


@dataclass
class PendingDecision:
    """A review waiting for a person in a human seat (``Session.pending_decisions``)."""

    decision: Decision
    operator: int
    started: float
    answered: simpy.Event
    inspected_s: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Review:
    outcome: str  # "approve" | "veto" | "timeout"
    operator: int | None
    review_s: float
    verified: bool


def track_process(m: HMTModel, track: int) -> Any:
    """The life of one detected track."""
    env = m.env
    c = m.contacts[track]
    ai_stream = m.streams.get(f"ai/{m.stream_key[track]}")
    z_latency, u_label, z_conf = ai_stream.standard_normal(), ai_stream.random(), (
        ai_stream.standard_normal()
    )
    yield env.timeout(m.ai.latency(float(z_latency)))
    if not m.world.alive[track]:
        return
    case = (float(u_label), float(z_conf))
    cls = _judge(m, track, case, None)
    warned = jam_failed = omission_checked = False
    decisions = 0
    while decisions < MAX_DECISIONS_PER_TRACK:
        if not m.world.alive[track]:
            return
        time_left = m.world.time_to_asset(track)
        can_jam = c.kind.jammable and bool(m.effectors_for("jam")) and not jam_failed
        action = m.ai.recommend(cls, time_left, can_jam, m.roe.warning_response_s)
        if action == "warn" and warned:
            action = "jam" if can_jam and time_left > 30.0 else "engage"
        human_initiated = False
        judged = cls
        if action == "monitor" and c.hostile and not omission_checked:
            omission_checked = True
            if (yield from _omission_check(m, track, cls)):
                action, human_initiated = "engage", True
                # From here the operator's own judgement stands in for the AI's call: the
                # gates (doubt, proportionality) weigh the person's belief that it is hostile.
                judged = replace(cls, label="hostile", confidence=OPERATOR_OVERRIDE_CONFIDENCE)
        if action == "monitor":
            # Keep watching: the AI re-judges the track as it moves on, into other regions
            # and through drift or deception, until its call changes or the track is gone.
            changed = yield from _watch(m, track, case, cls)
            if changed is None:
                return
            cls = changed
            continue
        decisions += 1
        decision = _recommend(m, track, judged, action, time_left, human_initiated)
        executed = yield from _run_protocol(m, decision)
        if not executed or not m.world.alive[track]:
            return
        result = yield from _execute(m, decision)
        _inform_after(m, decision)
        if action == "warn":
            if result == "complied":
                return
            warned = True
        elif action == "jam":
            if result == "success":
                return
            jam_failed = True
        elif result in ("success", "blocked", "lapsed"):
            return


def _judge(m: HMTModel, track: int, case: tuple[float, float], previous: Classification | None
           ) -> Classification:
    """The AI's call on a track now. The case's two draws are fixed per track (an object looks
    the same each time it is judged), so a call changes only with the region, drift or
    deception - never by drawing again."""
    c = m.contacts[track]
    region = m.world.region_of(track)[1]
    cls = m.ai.classify(c.hostile, region, m.now, case[0], case[1])
    if previous is None or cls.label != previous.label:
        m.classified[track] = cls
        m.case_region[track] = region
        m.log.emit(
            m.now, "classification", track, label=cls.label,
            confidence=round(cls.confidence, 6), correct=cls.correct,
            accuracy=round(cls.accuracy, 6), silent=cls.silent, region=region,
            update=previous is not None,
        )
    return cls


def _watch(m: HMTModel, track: int, case: tuple[float, float], cls: Classification) -> Any:
    """Re-judge a monitored track every ``ai.rejudge_s`` until its label changes (returns the
    new call) or it is gone (returns None)."""
    while True:
        yield m.env.timeout(m.sc.ai.rejudge_s)
        if not m.world.alive[track]:
            return None
        new = _judge(m, track, case, cls)
        if new.label != cls.label:
            return new


def _omission_check(m: HMTModel, track: int, cls: Classification) -> Any:
    """The AI called a hostile civilian. Does an operator notice the miss? (DOMAIN.md s.3)"""
    op_stream = m.streams.get(f"op/{m.stream_key[track]}")
    u = float(op_stream.random())
    if not m.operators:
        m.log.emit(m.now, "missed_threat", track, noticed=False)
        return False
    op = m.operators[0]
    noticed = op.notices_miss(m.workload(), u, m.noticing(m.levels["engage"]))
    if noticed:
        yield m.env.timeout(op.spec.review_time.median_s)
    m.log.emit(m.now, "missed_threat", track, noticed=noticed)
    return noticed


def _recommend(m: HMTModel, track: int, cls: Classification, action: str, time_left: float,
               human_initiated: bool) -> Decision:
    c = m.contacts[track]
    configured = min(m.levels[action], 4) if human_initiated else m.levels[action]
    region = m.world.region_of(track)[1]
    gates = autonomy_gates(
        m.roe, action=action, level=configured, kind=c.kind,
        red_rung=m.escalation.rung("red"),
        killed_switch=m.kill_switch_at is not None and m.now >= m.kill_switch_at,
        in_envelope=m.in_envelope(track), record=m.record, region=region,
        drift_detected=m.drift_detected(),
    )
    level = configured
    two_person = False
    for g in gates:
        level = g.level if g.level is not None else level
        two_person = two_person or g.two_person
    tte = max((e.time_to_effect_s for e in m.effectors_for(action)), default=0.0)
    deadline = m.now + max(1.0, float(time_left) - tte)
    proto = protocol(level)
    explanation = m.ai.explanation(cls, region, action)
    if human_initiated:
        explanation = ("operator flags a threat the AI called civilian; operator proposes "
                       "engage")
    d = Decision(
        m.new_decision_id(), track, action, cls, level, configured, proto, explanation,
        deadline, two_person, human_initiated,
    )
    m.log.emit(
        m.now, "recommendation", track, decision=d.id, action=action, label=cls.label,
        confidence=round(cls.confidence, 6), level=level, configured_level=configured,
        protocol=proto.value, loop=loop_position(level), explanation=explanation,
        time_to_impact_s=round(float(time_left), 3) if math.isfinite(time_left) else None,
        ai_wrong=_ai_wrong(m, d), human_initiated=human_initiated,
    )
    for g in gates:
        m.log.emit(m.now, "gate", track, decision=d.id, rule=g.rule, outcome=g.outcome,
                   detail=g.detail, level=g.level)
    return d


def _ai_wrong(m: HMTModel, d: Decision) -> bool:
    """Ground truth: would acting on this recommendation be wrong? Force on a civilian is;
    a warning never is (it is a precaution)."""
    return d.action in ("engage", "jam") and not m.contacts[d.track].hostile


def _run_protocol(m: HMTModel, d: Decision) -> Any:
    """Who decides, and when. Returns True when the action goes ahead."""
    env = m.env
    if d.protocol in (Protocol.MANUAL, Protocol.APPROVAL):
        if d.two_person and len(m.operators) < 2:
            m.log.emit(m.now, "gate", d.track, decision=d.id, rule="human_only_rung",
                       outcome="blocked", detail="two-person approval needs two operators",
                       level=d.level)
            return False
        if d.two_person:
            # Two people review side by side; each takes a different free seat.
            procs = [env.process(human_review(m, d, d.deadline)) for _ in range(2)]
            yield env.all_of(procs)
            reviews = [cast(Review, p.value) for p in procs]
        else:
            reviews = [(yield from human_review(m, d, d.deadline))]
        for review in reviews:
            if review.outcome != "approve":
                if review.outcome == "timeout":
                    m.log.emit(m.now, "timeout", d.track, decision=d.id, outcome="no_action")
                return False
        if d.protocol is Protocol.MANUAL:
            yield env.timeout(HUMAN_EXECUTION_S)
        return True
    if d.protocol is Protocol.VETO:
        window = m.sc.autonomy.veto_window_s
        if m.roe.veto_window_floor_rt95:
            window = max(window, m.max_rt95)
        end = m.now + window
        review = yield from human_review(m, d, end, veto_mode=True)
        if review.outcome == "veto":
            return False
        if review.outcome in ("timeout", "no_veto"):
            if env.now < end:
                yield env.timeout(end - env.now)
            if m.kill_switch_at is not None and m.now >= m.kill_switch_at:
                m.log.emit(m.now, "timeout", d.track, decision=d.id, outcome="stopped",
                           window_s=round(window, 6), reviewed=review.outcome == "no_veto")
                return False
            m.log.emit(m.now, "timeout", d.track, decision=d.id, outcome="executed",
                       window_s=round(window, 6), reviewed=review.outcome == "no_veto")
        return True
    # Levels 7-10: the AI acts now; at 7 (and 9, when unsure) it tells the operator on duty
    # afterwards (``_inform_after``), who is then accountable for what was done.
    if _informs(d) and m.operators:
        d.operator = _on_duty(m)
    return True


def _informs(d: Decision) -> bool:
    return d.protocol is Protocol.INFORM_AFTER or (
        d.protocol is Protocol.AI_DISCRETION and d.cls.confidence < AI_DISCRETION_INFORM_BELOW
    )


def _inform_after(m: HMTModel, d: Decision) -> None:
    """Level 7 (and 9 when unsure): after the action, the AI tells the operator, who reviews
    what was done - the review takes the operator's time and changes nothing."""
    if not _informs(d):
        return
    m.log.emit(m.now, "inform", d.track, decision=d.id)
    if m.operators:
        m.env.process(_after_review(m, d))


def _on_duty(m: HMTModel) -> int:
    """The operator accountable for autonomous action: the first seat (the on-duty supervisor)."""
    return 0


def _after_review(m: HMTModel, d: Decision) -> Any:
    """A level-7 after-the-fact review: it takes the operator's time and changes nothing."""
    with m.pool.request(priority=1) as req:
        yield req
        op_index = m.take_seat()
        z = float(m.streams.get(f"op/{m.stream_key[d.track]}").standard_normal())
        rt = m.sc.operators.review_time
        dur = INFORM_REVIEW_SHARE * rt.median_s * math.exp(rt.sigma * z)
        m.log.emit(m.now, "review_started", d.track, decision=d.id, operator=op_index,
                   purpose="inform")
        yield m.env.timeout(dur)
        m.log.emit(m.now, "review_ended", d.track, decision=d.id, operator=op_index,
                   duration_s=round(dur, 6), purpose="inform", outcome="informed",
                   verified=False)
        m.free_seat(op_index)


def human_review(m: HMTModel, d: Decision, deadline: float, veto_mode: bool = False) -> Any:
    """An operator reviews ``d`` before ``deadline``: wait for comms and a free operator, then
    decide (a model operator) or wait for the person in the seat. Returns a ``Review``."""
    env = m.env
    if not m.operators:
        return Review("timeout", None, 0.0, False)
    if not m.comms_up:
        left = deadline - env.now
        if left <= 0:
            return Review("timeout", None, 0.0, False)
        yield m.comms_restored | env.timeout(left)
        if not m.comms_up:
            return Review("timeout", None, 0.0, False)
    left = deadline - env.now
    if left <= 0:
        return Review("timeout", None, 0.0, False)
    req = m.pool.request(priority=0)
    got = yield req | env.timeout(left)
    if req not in got:
        # A seat may have been granted at the very instant the deadline passed: give it back.
        req.cancel()
        if req.triggered:
            m.pool.release(req)
        return Review("timeout", None, 0.0, False)
    op_index = m.take_seat()
    op = m.operators[op_index]
    started = env.now
    eq = 0.0 if d.level == 1 else m.sc.ai.explanation_quality
    m.log.emit(started, "review_started", d.track, decision=d.id, operator=op_index,
               purpose="veto" if veto_mode else "approval", deadline_s=round(deadline, 6),
               workload=round(m.workload(), 6),
               time_needed_s=round(op.verify_time(eq), 6))
    try:
        if op.human:
            review = yield from _human_seat(m, d, op_index, deadline)
        else:
            review = yield from _model_operator(m, d, op_index, deadline, veto_mode)
    finally:
        m.pool.release(req)
        m.free_seat(op_index)
    m.log.emit(env.now, "review_ended", d.track, decision=d.id, operator=op_index,
               duration_s=round(env.now - started, 6), purpose="veto" if veto_mode else
               "approval", outcome=review.outcome, verified=review.verified)
    return review


def _model_operator(m: HMTModel, d: Decision, op_index: int, deadline: float, veto_mode: bool
                    ) -> Any:
    env = m.env
    op = m.operators[op_index]
    stream = m.streams.get(f"op/{m.stream_key[d.track]}")
    draws = (float(stream.random()), float(stream.standard_normal()), float(stream.random()))
    lethal = d.action == "engage"
    outcome = op.review(
        ai_wrong=_ai_wrong(m, d), lethal=lethal,
        explanation_quality=0.0 if d.level == 1 else m.sc.ai.explanation_quality,
        workload=m.workload(), time_available_s=max(0.0, deadline - env.now), level=d.level,
        draws=draws, noticing=m.noticing(d.level),
    )
    duration = outcome.duration_s
    if outcome.approve and lethal and not veto_mode:
        duration = max(duration, m.roe.min_review_s)  # least human review before lethal force
    started = env.now
    if env.now + duration > deadline:
        yield env.timeout(max(0.0, deadline - env.now))
        return Review("timeout", op_index, env.now - started, False)
    if outcome.verified:
        yield env.timeout(duration - outcome.verify_s)
        m.log.emit(env.now, "verification", d.track, decision=d.id, operator=op_index,
                   duration_s=round(outcome.verify_s, 6))
        yield env.timeout(outcome.verify_s)
    else:
        yield env.timeout(duration)
    if veto_mode and outcome.approve:
        # On the loop, a model operator who finds nothing wrong lets the window run out.
        d.operator, d.verified, d.review_s = op_index, outcome.verified, duration
        return Review("no_veto", op_index, duration, outcome.verified)
    return _answer(m, d, op_index, "approve" if outcome.approve else "veto", duration,
                   outcome.verified, by="model")


def _answer(m: HMTModel, d: Decision, op_index: int, choice: str, review_s: float,
            verified: bool, by: str) -> Review:
    d.operator, d.verified, d.review_s = op_index, verified, review_s
    kind = "approval" if choice == "approve" else "veto"
    m.log.emit(m.now, kind, d.track, decision=d.id, operator=op_index,
               review_s=round(review_s, 6), verified=verified, by=by, level=d.level)
    return Review(choice, op_index, review_s, verified)


def _human_seat(m: HMTModel, d: Decision, op_index: int, deadline: float) -> Any:
    """Wait for the person in the seat (``Session.decide``) or the deadline."""
    env = m.env
    pending = PendingDecision(d, op_index, env.now, env.event())
    m.pending[(d.id, op_index)] = pending  # two-person approvals wait on two seats at once
    try:
        got = yield pending.answered | env.timeout(max(0.0, deadline - env.now))
    finally:
        m.pending.pop((d.id, op_index), None)
    if pending.answered not in got:
        return Review("timeout", op_index, env.now - pending.started, pending.inspected_s > 0)
    choice = str(pending.answered.value)
    return _answer(m, d, op_index, choice, env.now - pending.started,
                   pending.inspected_s > 0, by="person")


def _execute(m: HMTModel, d: Decision) -> Any:
    """Force gates, then wait for an effector in range, then fire. Returns the result."""
    env, world = m.env, m.world
    c = m.contacts[d.track]
    if d.action == "warn":
        return (yield from _warn(m, d))
    effectors = m.effectors_for(d.action)
    if not effectors:
        return "lapsed"
    held = False
    while True:
        if d.action == "engage":
            gate = _force_gate(m, d, effectors)
            if gate is not None and (gate.rule == "doubt" or m.now >= d.deadline):
                # Doubt does not clear by waiting; anything else blocks once time has run out.
                m.log.emit(m.now, "gate", d.track, decision=d.id, rule=gate.rule,
                           outcome="blocked", detail=gate.detail, level=None)
                return "blocked"
            if gate is not None and not held:
                # Hold fire and keep checking: the contact may leave the city or the site.
                held = True
                m.log.emit(m.now, "gate", d.track, decision=d.id, rule=gate.rule,
                           outcome="held", detail=gate.detail, level=None)
        else:
            gate = None
        eff = m.effector_in_range(d.track, d.action) if gate is None else None
        if eff is not None:
            break
        # Sleep until the first effector can reach it (straight-line motion makes this exact),
        # rounded up to whole ticks; a held gate is re-checked every tick.
        wait = m.sc.run.tick_s
        if gate is None:
            soonest = min(world.time_to_reach(d.track, e.at.x, e.at.y, e.range_km)
                          for e in effectors)
            if not math.isfinite(soonest):
                return "lapsed"
            tick = m.sc.run.tick_s
            wait = max(tick, math.ceil(soonest / tick) * tick)
        yield env.timeout(wait)
        if not world.alive[d.track]:
            return "lapsed"
    if _stopped(m, d):
        return "blocked"
    if d.level >= 6:
        m.autonomous_force_count += 1
    _engagement_event(m, d, eff.id, in_envelope=m.in_envelope(d.track))
    effect_stream = m.streams.get(f"effect/{m.stream_key[d.track]}")
    for _shot in range(eff.shots):
        yield env.timeout(eff.time_to_effect_s)
        if not world.alive[d.track]:
            return "lapsed"
        if _stopped(m, d):
            return "blocked"
        u_hit, u_harm = float(effect_stream.random()), float(effect_stream.random())
        success = u_hit < eff.p_success
        harm = 0
        if d.action == "engage":
            x, y = world.pos[d.track]
            density = world.regions.density_at(float(x), float(y))
            incidental_mean = expected_harm(density_per_km2=density,
                                            cer_m=eff.collateral_radius_m, p_lethal=eff.p_lethal,
                                            p_hostile=1.0, persons_aboard=0)
            harm = _poisson(incidental_mean, u_harm)
            if success and not c.hostile:
                harm += c.kind.persons_aboard
        ev = m.log.emit(
            m.now, "effect", d.track, decision=d.id, action=d.action, success=success,
            civilian_harm=harm, target_civilian=not c.hostile, effector=eff.id,
            region=world.region_of(d.track)[1],
            military_advantage=c.kind.military_advantage if success else 0.0,
            protected_site=m.near_protected_site(d.track, eff.collateral_radius_m)
            if d.action == "engage" else None,
        )
        _push_escalation(m, d, success, ev["seq"], c.hostile)
        if success:
            c.status = "neutralised"
            world.remove(d.track)
            m.schedule_assessment(d.track)
            return "success"
    return "missed"


def _stopped(m: HMTModel, d: Decision) -> bool:
    """A stop order (kill switch) in force halts autonomous action, even one under way."""
    if d.level < 6 or not m.kill_switch_in_force():
        return False
    m.log.emit(m.now, "gate", d.track, decision=d.id, rule="kill_switch", outcome="blocked",
               detail="stop order in force: autonomous action halted", level=None)
    return True


def _engagement_event(m: HMTModel, d: Decision, effector: str, in_envelope: bool) -> Any:
    """Log a use of force or a warning. Tracing: the accountable human is the one who approved
    (levels <= 5), could veto (6) or was informed (7); none out of the loop (>= 8). Rationale
    and AI version are logged when the ROE require decision logging."""
    if d.operator is None and d.level == 6 and m.operators:
        d.operator = _on_duty(m)  # the supervisor who could have vetoed
    logging = m.roe.decision_logging
    return m.log.emit(
        m.now, "engagement", d.track, decision=d.id, action=d.action, effector=effector,
        authorised_by="human" if d.level <= 5 else "ai", level=d.level,
        operator=d.operator if d.level <= 7 else None,
        rationale=d.explanation if logging else None,
        ai_version=m.ai.version if logging else None,
        in_envelope=in_envelope, verified=d.verified, review_s=round(d.review_s, 6),
    )


def _force_gate(m: HMTModel, d: Decision, effectors: list[Any]) -> Any:
    """The first force gate that fires for ``d`` where the contact is now, or None. The estimate
    uses the effector that would fire now, or the most harmful one while none is in range; the
    persons aboard come from the contact's signature category (its kind), as a collateral
    estimate would."""
    c = m.contacts[d.track]
    now = m.effector_in_range(d.track, d.action)
    cer = now.collateral_radius_m if now else max(e.collateral_radius_m for e in effectors)
    p_lethal = now.p_lethal if now else max(e.p_lethal for e in effectors)
    x, y = m.world.pos[d.track]
    harm = expected_harm(
        density_per_km2=m.world.regions.density_at(float(x), float(y)), cer_m=cer,
        p_lethal=p_lethal, p_hostile=d.cls.p_hostile,
        persons_aboard=c.kind.persons_aboard,
    )
    advantage = m.advantage_by_category.get(c.kind.category, m.advantage_by_category["*"])
    gates = force_gates(m.roe, p_hostile=d.cls.p_hostile, harm_estimate=harm,
                        advantage_estimate=advantage,
                        near_protected_site=m.near_protected_site(d.track, cer))
    return gates[0] if gates else None


def _warn(m: HMTModel, d: Decision) -> Any:
    c = m.contacts[d.track]
    ev = _engagement_event(m, d, "radio", in_envelope=True)
    m.escalation.push("red", m.sc.escalation.pushes.show_of_force, "show_of_force",
                      ev["seq"], False)
    yield m.env.timeout(m.roe.warning_response_s)
    if not m.world.alive[d.track]:
        return "lapsed"
    complied = c.complies
    m.log.emit(m.now, "effect", d.track, decision=d.id, action="warn", success=complied,
               civilian_harm=0, target_civilian=not c.hostile, effector="radio",
               region=m.world.region_of(d.track)[1], military_advantage=0.0)
    if complied:
        c.status = "identified"
        m.schedule_assessment(d.track)
        return "complied"
    return "ignored"


def _push_escalation(m: HMTModel, d: Decision, success: bool, seq: int, hostile: bool) -> None:
    pushes = m.sc.escalation.pushes
    if d.action == "jam":
        m.escalation.push("red", pushes.jamming, "jamming", seq, not hostile)
    elif not hostile:
        m.escalation.push("red", pushes.wrongful_civilian_strike, "wrongful_civilian_strike",
                          seq, True)
    elif success:
        m.escalation.push("red", pushes.strike_on_forces, "strike_on_forces", seq, False)


def _poisson(mean: float, u: float) -> int:
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
