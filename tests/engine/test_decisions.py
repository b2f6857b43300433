"""The decision pipeline on its own: ``track_process`` driven as a SimPy process on a
hand-built ``DecisionContext`` (a World from the tiny scenario, agents on a bare Mesa model,
Authority, OperatorPool, Effectors, Assessments) with one contact placed by hand - no
HMTModel, no spawner, no detection, no run. The assertions read the emitted events."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np
import pytest
import simpy
from hmt_testing import TINY

from hmt_sim.agents import AIAgent, ContactAgent, OperatorAgent
from hmt_sim.assessments import Assessments
from hmt_sim.authority import Authority
from hmt_sim.context import DecisionContext
from hmt_sim.crew import OperatorPool
from hmt_sim.decisions import HUMAN_EXECUTION_S, track_process
from hmt_sim.effectors import Effectors
from hmt_sim.escalation import EscalationAgent
from hmt_sim.events import Event, EventLog
from hmt_sim.rng import Streams
from hmt_sim.scenario import Scenario, load_scenario_text
from hmt_sim.world import RESOLUTION_S, World, plan_sources

SEED = 3
TRACK = 0
KEY = "wave0/0"  # the stream key the model would give the first contact of the first wave
# The tiny scenario (a perfect, sure AI; one launcher of 14 km at the asset (20, 20); the
# blocking force gates off) with a civilian kind too. Model operators never reject a correct
# call after verifying, so a correct recommendation is always approved.
TEXT = TINY.replace("kinds:\n", "kinds:\n  airliner: {true_class: civilian, speed_mps: 50}\n")
BASE: dict[str, float] = {}


@dataclass
class Clock:
    """The world's clock: stopped at 0 (contacts stay where they were placed) until
    ``moving``, then SimPy's."""

    env: simpy.Environment
    moving: bool = False

    @property
    def now(self) -> float:
        return float(self.env.now) if self.moving else 0.0


@dataclass
class Rig:
    """A decision context and the Mesa model its agents live in."""

    ctx: DecisionContext
    model: mesa.Model
    sc: Scenario
    clock: Clock

    @property
    def events(self) -> list[Event]:
        return self.ctx.log.events

    def of(self, *kinds: str) -> list[Event]:
        return [e for e in self.events if e["kind"] in kinds]

    def one(self, kind: str) -> Event:
        [event] = self.of(kind)
        return event


def rig(text: str = TEXT, /, **overrides: Any) -> Rig:
    """Build the owned pieces of a run by hand, as the model would, from the tiny scenario."""
    sc = load_scenario_text(text, "tiny.yaml", overrides={**BASE, **overrides})
    env, model, log, streams = simpy.Environment(), mesa.Model(rng=1), EventLog(), Streams(SEED)
    clock = Clock(env)
    world = World(sc, plan_sources(sc), clock=clock)
    contacts: dict[int, ContactAgent] = {}
    crew = OperatorPool(env, [OperatorAgent(model, i, sc.operators, human=False)
                              for i in range(sc.operators.count)])
    ctx = DecisionContext(
        env=env, log=log, streams=streams, world=world, contacts=contacts, stream_key={},
        ai=AIAgent(model, sc.ai), ai_profile=sc.ai, operator_spec=sc.operators,
        authority=Authority(env, sc.autonomy, sc.roe), crew=crew,
        effectors=Effectors(sc.blue.effectors, sc.area.protected_sites, world),
        escalation=EscalationAgent(model, sc.escalation, streams.get("adversary")),
        pushes=sc.escalation.pushes,
        assessments=Assessments(env, log, contacts, crew, sc.operators.assessment_delay_s),
        advantage_by_category={"*": 1.0}, tick_s=sc.run.tick_s,
    )
    return Rig(ctx, model, sc, clock)


def place(r: Rig, kind: str = "drone", xy: tuple[float, float] = (30.0, 20.0)) -> ContactAgent:
    """One contact at ``xy`` (10 km from the asset: in the launcher's reach) flying at the
    asset, registered as the model would register it."""
    spec = r.sc.kinds[kind]
    contact = ContactAgent(r.model, TRACK, kind, spec, r.ctx.streams.get(f"contact/{KEY}"))
    r.ctx.contacts[TRACK] = contact
    r.ctx.stream_key[TRACK] = KEY
    r.ctx.world.place(TRACK, spec, kind, np.array(xy), r.ctx.world.asset.copy(), 1.0, True)
    return contact


def route_end(ctx: DecisionContext) -> Generator[Any, Any, None]:
    """The end of the contact's route, as the model schedules it: it is removed there."""
    yield ctx.env.timeout(ctx.world.route(TRACK).end_s - ctx.env.now)
    if ctx.world.alive[TRACK]:
        ctx.world.remove(TRACK)


def decide(r: Rig, until: float = 120.0, moving: bool = False) -> simpy.Process:
    """Run the track's decision process (with the contact flying if ``moving``) until
    ``until``."""
    proc = r.ctx.env.process(track_process(r.ctx, TRACK))
    if moving:
        r.clock.moving = True
        r.ctx.env.process(route_end(r.ctx))
    r.ctx.env.run(until=until)
    return proc


# ------------------------------------------------------------------ protocols
def test_level5_acts_after_a_model_operator_approves_and_names_the_human() -> None:
    r = rig(**{"autonomy.levels.engage": 5})
    contact = place(r)
    decide(r)
    rec, approval, eng = r.one("recommendation"), r.one("approval"), r.one("engagement")
    assert (rec["action"], rec["level"], rec["protocol"], rec["loop"]) == (
        "engage", 5, "approval", "in")
    assert r.one("review_started")["purpose"] == "approval"
    assert rec["t"] < approval["t"] == eng["t"]
    assert approval["by"] == "model" and approval["operator"] == 0
    assert (eng["authorised_by"], eng["loop"], eng["operator"], eng["human_could_stop"]) == (
        "human", "in", 0, True)
    effect = r.one("effect")
    assert effect["success"] and effect["t"] == pytest.approx(eng["t"] + 1.0)  # time to effect
    assert contact.status == "neutralised" and not r.ctx.world.alive[TRACK]
    # the truth is revealed after the assessment delay and moves the operator's trust
    assessment = r.one("assessment")
    assert assessment["t"] == pytest.approx(effect["t"] + r.sc.operators.assessment_delay_s)
    assert assessment["ai_correct"] and r.one("trust")["trust"] > 0.5


def test_level5_least_review_before_lethal_force_holds_the_approval() -> None:
    r = rig(**{"autonomy.levels.engage": 5, "roe.min_review_s": 60})
    place(r)
    decide(r)
    rec, approval = r.one("recommendation"), r.one("approval")
    assert approval["review_s"] == 60 and approval["t"] == pytest.approx(rec["t"] + 60)
    assert r.one("engagement")["t"] == approval["t"]


def test_level6_without_operators_acts_when_the_veto_window_closes() -> None:
    r = rig(**{"autonomy.levels.engage": 6, "autonomy.veto_window_s": 10, "operators.count": 0})
    place(r)
    decide(r)
    rec, timeout, eng = r.one("recommendation"), r.one("timeout"), r.one("engagement")
    assert (rec["protocol"], rec["loop"]) == ("veto", "on")
    assert not r.of("review_started", "approval", "veto")
    assert timeout["t"] == pytest.approx(rec["t"] + 10)
    assert (timeout["outcome"], timeout["window_s"], timeout["reviewed"]) == (
        "executed", 10, False)
    assert eng["t"] == timeout["t"]
    assert (eng["authorised_by"], eng["loop"], eng["operator"], eng["human_could_stop"]) == (
        "ai", "on", None, True)


def test_level6_an_operator_who_finds_nothing_wrong_lets_the_window_run_out() -> None:
    r = rig(**{"autonomy.levels.engage": 6, "autonomy.veto_window_s": 30})
    place(r)
    decide(r)
    rec, ended, timeout = r.one("recommendation"), r.one("review_ended"), r.one("timeout")
    assert ended["purpose"] == "veto" and ended["outcome"] == "no_veto"
    assert ended["t"] < timeout["t"] == pytest.approx(rec["t"] + 30)
    assert timeout["reviewed"] and timeout["outcome"] == "executed"
    eng = r.one("engagement")
    assert eng["authorised_by"] == "ai" and eng["operator"] == 0  # the supervisor who looked
    assert (eng["review_s"], eng["verified"]) == (ended["duration_s"], ended["verified"])
    assert eng["review_s"] > 0
    assert not r.of("veto", "approval")


def test_level7_acts_at_once_then_informs_the_operator_who_reviews_after() -> None:
    r = rig(**{"autonomy.levels.engage": 7})
    place(r)
    decide(r)
    rec, eng, effect, inform = (r.one(k) for k in ("recommendation", "engagement", "effect",
                                                   "inform"))
    assert eng["t"] == rec["t"] and eng["loop"] == "on" and eng["operator"] == 0
    assert not eng["human_could_stop"]
    assert inform["t"] == effect["t"]  # after the action, not before
    started, ended = r.one("review_started"), r.one("review_ended")
    assert started["purpose"] == ended["purpose"] == "inform" and started["t"] == inform["t"]
    assert ended["outcome"] == "informed"


def test_level8_acts_at_once_with_no_review_and_no_human_named() -> None:
    r = rig(**{"autonomy.levels.engage": 8})
    place(r)
    decide(r)
    rec, eng = r.one("recommendation"), r.one("engagement")
    assert (rec["protocol"], rec["loop"]) == ("on_request", "out")
    assert eng["t"] == rec["t"]
    assert (eng["authorised_by"], eng["loop"], eng["operator"], eng["human_could_stop"]) == (
        "ai", "out", None, False)
    assert not r.of("review_started", "approval", "timeout", "inform", "gate")
    assert r.ctx.authority.autonomous_force_count == 1  # counted against the envelope


def test_an_effector_out_of_reach_acts_the_moment_the_contact_comes_into_reach() -> None:
    r = rig(**{"autonomy.levels.engage": 8})
    place(r, xy=(35.02, 20.0))  # 1.02 km outside the launcher's 14 km: 20.4 s at 50 m/s
    decide(r, moving=True)
    rec, eng = r.one("recommendation"), r.one("engagement")
    assert rec["t"] < 20.4 - 1
    assert 20.4 < eng["t"] <= 20.4 + RESOLUTION_S  # exact, to the millisecond
    assert r.one("effect")["t"] == pytest.approx(eng["t"] + 1.0)
    # neutralised 1 s (50 m) after it came into reach: the world stops it there
    assert r.ctx.world.pos[TRACK, 0] == pytest.approx(34.0 - 0.05, abs=1e-4)


def test_the_same_seed_gives_the_same_events() -> None:
    def events() -> list[Event]:
        r = rig(**{"autonomy.levels.engage": 5})
        place(r)
        decide(r)
        return r.events

    assert events() == events()


# ------------------------------------------------------------------ authority and gates
def test_a_stop_order_in_force_refers_an_autonomous_level_to_approval() -> None:
    r = rig(**{"autonomy.levels.engage": 8, "roe.kill_switch_s": 0})
    place(r)
    r.ctx.authority.order_stop()
    decide(r)
    rec, gate = r.one("recommendation"), r.one("gate")
    assert (rec["level"], rec["configured_level"], rec["protocol"]) == (5, 8, "approval")
    assert (gate["rule"], gate["outcome"], gate["level"], gate["decision"]) == (
        "kill_switch", "referred", 5, rec["decision"])
    assert r.one("approval")["t"] == r.one("engagement")["t"]
    assert r.one("engagement")["authorised_by"] == "human"


def test_a_stop_order_during_the_veto_window_stops_the_action() -> None:
    r = rig(**{"autonomy.levels.engage": 6, "operators.count": 0, "roe.kill_switch_s": 2})
    place(r)

    def stop_at_5s() -> Generator[Any, Any, None]:
        yield r.ctx.env.timeout(5)
        r.ctx.authority.order_stop()

    r.ctx.env.process(stop_at_5s())
    decide(r)
    assert r.one("timeout")["outcome"] == "stopped"
    assert not r.of("engagement", "effect")


def test_from_the_human_only_rung_one_operator_cannot_approve_lethal_force() -> None:
    r = rig(**{"autonomy.levels.engage": 8, "roe.human_only_from_rung": 1})
    place(r)
    decide(r)
    referred, blocked = r.of("gate")
    assert (referred["rule"], referred["outcome"], referred["level"]) == (
        "human_only_rung", "referred", 5)
    assert (blocked["rule"], blocked["outcome"]) == ("human_only_rung", "blocked")
    assert "two operators" in blocked["detail"]
    assert not r.of("review_started", "engagement")


def test_from_the_human_only_rung_two_operators_approve_side_by_side() -> None:
    r = rig(**{"autonomy.levels.engage": 8, "roe.human_only_from_rung": 1,
               "operators.count": 2})
    place(r)
    decide(r)
    approvals = r.of("approval")
    assert sorted(a["operator"] for a in approvals) == [0, 1]
    starts = r.of("review_started")
    assert len({s["t"] for s in starts}) == 1  # both reviews began at once
    eng = r.one("engagement")
    assert eng["t"] == max(a["t"] for a in approvals) and eng["authorised_by"] == "human"


def test_with_comms_down_no_review_starts_and_the_approval_times_out() -> None:
    r = rig(**{"autonomy.levels.engage": 5})
    place(r)
    r.ctx.authority.lose_comms(1000.0)
    decide(r, until=300.0)
    rec, timeout = r.one("recommendation"), r.one("timeout")
    assert timeout["outcome"] == "no_action"
    assert timeout["t"] == pytest.approx(rec["t"] + rec["time_to_impact_s"] - 1.0)  # deadline
    assert not r.of("review_started", "engagement")


def test_a_protected_site_holds_fire_and_blocks_it_when_time_runs_out() -> None:
    text = TEXT.replace("area: {width_km: 40, height_km: 40}",
                        "area: {width_km: 40, height_km: 40, protected_sites: "
                        "[{id: clinic, at: {x: 30, y: 20.3}, radius_km: 0.5}]}")
    r = rig(text, **{"autonomy.levels.engage": 8})
    place(r)  # 0.3 km from the clinic; the world stands still, so it stays there
    decide(r, until=300.0)
    rec = r.one("recommendation")
    held, blocked = r.of("gate")
    assert (held["rule"], held["outcome"], held["t"]) == ("protected_site", "held", rec["t"])
    assert blocked["rule"] == "protected_site" and blocked["outcome"] == "blocked"
    deadline = rec["t"] + rec["time_to_impact_s"] - 1.0
    assert deadline < blocked["t"] <= deadline + RESOLUTION_S  # woken by the deadline
    assert not r.of("engagement")


CLINIC_ON_THE_ROUTE = TEXT.replace(
    "area: {width_km: 40, height_km: 40}",
    "area: {width_km: 40, height_km: 40, protected_sites: "
    "[{id: clinic, at: {x: 30, y: 20}, radius_km: 0.5}]}")


def test_a_held_gate_fires_the_moment_the_contact_leaves_the_protected_site() -> None:
    r = rig(CLINIC_ON_THE_ROUTE, **{"autonomy.levels.engage": 8})
    place(r, xy=(30.3, 20.0))  # over the clinic, flying west at 50 m/s, 10.3 km from the launcher
    decide(r, until=300.0, moving=True)
    held, eng = r.one("gate"), r.one("engagement")
    assert (held["rule"], held["outcome"]) == ("protected_site", "held")
    # out of the clinic's 0.5 km (the launcher's collateral radius is 0) at x = 29.5: 0.8 km on
    assert 0.8 / 0.05 < eng["t"] <= 0.8 / 0.05 + RESOLUTION_S
    assert next(r.ctx.env._eid) < 30  # woken by the crossing, not by polling


def test_a_change_of_rules_of_engagement_wakes_a_held_gate() -> None:
    r = rig(CLINIC_ON_THE_ROUTE, **{"autonomy.levels.engage": 8})
    place(r, xy=(30.3, 20.0))  # the world stands still: only the ROE can release it

    def lift_the_site_rule() -> Generator[Any, Any, None]:
        yield r.ctx.env.timeout(50.0)
        r.ctx.authority.set_roe(r.ctx.authority.roe.model_copy(
            update={"protected_site_gate": False}))

    r.ctx.env.process(lift_the_site_rule())
    decide(r, until=300.0)
    assert r.one("gate")["outcome"] == "held"
    assert r.one("engagement")["t"] == 50.0


def test_a_strike_on_a_hostile_pushes_red_with_the_effect_as_its_cause() -> None:
    r = rig(**{"autonomy.levels.engage": 8})
    place(r)
    decide(r)
    [push] = r.ctx.escalation.sides["red"].pending
    assert (push.reason, push.cause_seq, push.wrongful) == (
        "strike_on_forces", r.one("effect")["seq"], False)
    assert push.amount == r.sc.escalation.pushes.strike_on_forces
    assert not r.ctx.escalation.sides["blue"].pending


# ------------------------------------------------------------------ what the AI calls civilian
def test_a_civilian_the_ai_calls_civilian_is_only_monitored() -> None:
    r = rig(**{"autonomy.levels.engage": 8})
    place(r, kind="airliner")
    proc = decide(r, until=100.0)
    cls = r.one("classification")
    assert (cls["label"], cls["correct"]) == ("civilian", True)
    assert [e["kind"] for e in r.events] == ["classification"]  # re-judged, unchanged: silent
    assert proc.is_alive  # still watching
    r.ctx.world.remove(TRACK)
    # The watch sleeps through the ticks on which the call cannot change (to the next region
    # edge or the end of the route, as planned when it fell asleep): it ends on the first tick
    # it wakes on, and never later than one tick past the route's planned end.
    r.ctx.env.run(until=r.ctx.world.route(TRACK).end_s + r.sc.ai.rejudge_s)
    assert not proc.is_alive  # the watch ends with the track
    assert [e["kind"] for e in r.events] == ["classification"]  # silently


def test_a_missed_hostile_with_no_operator_to_notice_is_only_monitored() -> None:
    r = rig(**{"autonomy.levels.engage": 8, "ai.reliability": 0.0, "operators.count": 0})
    place(r)
    decide(r)
    assert r.one("classification")["label"] == "civilian"
    assert r.one("missed_threat")["noticed"] is False
    assert not r.of("recommendation", "engagement")


def test_an_operator_who_notices_a_miss_proposes_and_carries_out_the_engagement() -> None:
    r = rig(**{"autonomy.levels.engage": 8, "ai.reliability": 0.0,
               "operators.verification.p_notice_miss": 1.0})
    place(r)
    decide(r)
    cls, missed, rec = r.one("classification"), r.one("missed_threat"), r.one("recommendation")
    assert missed["noticed"] is True
    # noticing takes the operator a glance and then their own look (a judgement)
    assert missed["t"] >= cls["t"] + r.sc.operators.judgement.notice_s
    assert rec["t"] == pytest.approx(missed["t"])
    assert rec["human_initiated"] and (rec["level"], rec["configured_level"]) == (4, 4)
    assert (rec["protocol"], rec["label"]) == ("manual", "hostile")  # the operator's own call
    approval, eng = r.one("approval"), r.one("engagement")
    assert eng["t"] == pytest.approx(approval["t"] + HUMAN_EXECUTION_S)  # by hand
    assert eng["authorised_by"] == "human" and eng["operator"] == 0


# ------------------------------------------------------------------ level 9 and warnings
@pytest.mark.parametrize(("temperature", "informs"), [(20.0, True), (0.7, False)])
def test_level9_informs_only_when_the_ai_is_unsure(temperature: float, informs: bool) -> None:
    r = rig(**{"autonomy.levels.engage": 9, "ai.temperature": temperature})
    place(r)
    decide(r)
    confidence = r.one("recommendation")["confidence"]
    assert (confidence < 0.7) is informs  # a high temperature flattens the confidence
    eng = r.one("engagement")
    assert (eng["protocol"], eng["loop"], eng["operator"]) == ("ai_discretion", "out", None)
    assert bool(r.of("inform")) is informs
    assert [e["purpose"] for e in r.of("review_started")] == (["inform"] if informs else [])


WARN_FIRST = {"autonomy.levels.warn": 8, "autonomy.levels.engage": 8,
              "ai.engage_confidence": 1.0}  # the AI is never sure enough to skip a warning


def test_an_ignored_warning_is_followed_by_a_new_decision_to_engage() -> None:
    r = rig(**WARN_FIRST)
    place(r)
    decide(r)
    recs = r.of("recommendation")
    assert [(e["decision"], e["action"]) for e in recs] == [(1, "warn"), (2, "engage")]
    warning, strike = r.of("engagement")
    assert warning["effector"] == "radio" and strike["effector"] == "launcher"
    [ignored, killed] = r.of("effect")
    wait = r.sc.roe.warning_response_s
    assert not ignored["success"] and ignored["t"] == pytest.approx(warning["t"] + wait)
    assert recs[1]["t"] == ignored["t"] and killed["success"]
    pushes = [(p.reason, p.cause_seq) for p in r.ctx.escalation.sides["red"].pending]
    assert pushes == [("show_of_force", warning["seq"]), ("strike_on_forces", killed["seq"])]


def test_a_civilian_the_ai_calls_hostile_answers_a_warning_and_is_left_alone() -> None:
    text = TEXT.replace("airliner: {true_class: civilian, speed_mps: 50}",
                        "airliner: {true_class: civilian, speed_mps: 50, "
                        "complies_with_warning: 1.0}")
    r = rig(text, **WARN_FIRST, **{"ai.reliability": 0.0})
    contact = place(r, kind="airliner")
    decide(r)
    assert r.one("classification")["label"] == "hostile"
    assert r.one("recommendation")["action"] == "warn"  # one decision only
    effect = r.one("effect")
    assert effect["success"] and effect["target_civilian"]
    assert contact.status == "identified"
    assessment = r.one("assessment")  # the AI's wrong call is revealed and costs it trust
    assert not assessment["ai_correct"] and assessment["true_class"] == "civilian"
    assert r.one("trust")["trust"] < 0.5


def test_a_hostile_that_complies_with_a_warning_no_longer_heads_for_the_asset() -> None:
    """It identifies itself and turns away: it leaves the picture (it was a pinned bug that it
    kept flying and was logged as an impact)."""
    text = TEXT.replace("drone: {true_class: hostile, speed_mps: 50}",
                        "drone: {true_class: hostile, speed_mps: 50, complies_with_warning: 1.0}")
    r = rig(text, **WARN_FIRST)
    contact = place(r)
    decide(r, until=60.0)
    assert r.one("effect")["success"] and contact.status == "identified"
    assert not r.of("recommendation")[1:]  # nothing more is decided about it
    world = r.ctx.world
    assert not (world.alive[TRACK] and world.heads_to_asset[TRACK])
