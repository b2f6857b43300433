"""HMTModel: the Mesa model of one run. It owns the SimPy environment (the only clock), the world,
the agents, the event log and the random streams, and runs the world, reaction, sampling and
inject processes. The per-track decision pipeline lives in ``decisions.py``.
"""

from __future__ import annotations

import math
from typing import Any

import mesa
import numpy as np
import simpy

from hmt_sim import __version__
from hmt_sim.agents.ai import AIAgent, Classification
from hmt_sim.agents.contacts import ContactAgent, disc_offset
from hmt_sim.agents.operator import OperatorAgent
from hmt_sim.autonomy import degree_of_automation
from hmt_sim.escalation import EscalationAgent
from hmt_sim.events import EventLog
from hmt_sim.rng import Streams
from hmt_sim.roe import ROE, AssessmentRecord
from hmt_sim.scenario.schema import ACTION_CLASSES, Effector, Scenario
from hmt_sim.world import Source, World, plan_sources


class HMTModel(mesa.Model):
    """One simulation run of a scenario with a seed. ``human_operators`` lists operator seats
    answered by people (through ``Session.decide``); every other seat is a model operator."""

    def __init__(self, scenario: Scenario, seed: int, human_operators: tuple[int, ...] = ()
                 ) -> None:
        super().__init__(rng=seed)
        self.sc = sc = scenario  # not "scenario": mesa.Model owns that name
        self.seed = seed
        self.env = simpy.Environment()
        self.log = EventLog()
        self.streams = Streams(seed)
        self.sources: list[Source] = plan_sources(sc)
        self.world = World(sc, self.sources)
        self.contacts: dict[int, ContactAgent] = {}
        self.stream_key: dict[int, str] = {}
        self.ai = AIAgent(self, sc.ai)
        self.operators = [
            OperatorAgent(self, i, sc.operators, human=i in human_operators, kind=kind)
            for i, kind in enumerate(self._operator_types())
        ]
        self.pool = simpy.PriorityResource(self.env, capacity=max(1, len(self.operators)))
        self._free_seats = list(range(len(self.operators)))
        self.escalation = EscalationAgent(self, sc.escalation, self.streams.get("adversary"))
        self.levels: dict[str, int] = {a: sc.autonomy.level(a) for a in ACTION_CLASSES}
        self.roe: ROE = sc.roe
        self.record = AssessmentRecord()
        self.classified: dict[int, Classification] = {}
        self.case_region: dict[int, str | None] = {}  # region where the AI judged the track
        self.kill_switch_at: float | None = None
        self.comms_up = True
        self.comms_down_until = 0.0
        self.comms_restored = self.env.event()
        self.autonomous_force_count = 0
        # (decision id, seat) -> PendingDecision: reviews waiting for a person in a human seat
        self.pending: dict[tuple[int, int], Any] = {}
        self._next_decision = 0
        self._triggered: set[str] = set()
        self.advantage_by_category = self._advantage_estimates()
        self.max_rt95 = max((op.rt95() for op in self.operators), default=0.0)
        self.log.emit(
            0.0, "run_started", scenario=sc.id, seed=seed, version=__version__,
            params=self._params(),
        )
        env = self.env
        for src in self.sources:
            if src.trigger_rung is None and not src.on_inject:
                env.process(self._spawner(src, src.start_s))
        env.process(self._ticker())
        env.process(self._reactions())
        env.process(self._sampler())
        for i, inj in enumerate(sc.injects):
            env.process(self._scripted_inject(i, inj))

    # ----------------------------------------------------------------- set-up helpers
    def _params(self) -> dict[str, Any]:
        """Parameters metrics need, carried in the log so metrics stay a function of it."""
        sc = self.sc
        return {
            "duration_s": sc.run.duration_s,
            "operators": sc.operators.count,
            "operator_types": [op.kind for op in self.operators],
            "min_review_s": sc.roe.min_review_s,
            "proportionality_lambda": sc.roe.proportionality_lambda,
            "operator_rt95_s": round(self.max_rt95, 6),
            "veto_window_s": sc.autonomy.veto_window_s,
            "levels": dict(self.levels),
            "regions": [r.id for r in sc.area.regions],
            "ai_version": sc.ai.version,
            "sample_interval_s": sc.run.sample_interval_s,
            "start_rung_blue": sc.escalation.start_rung_blue,
            "start_rung_red": sc.escalation.start_rung_red,
        }

    def _operator_types(self) -> list[str]:
        """Each seat's trust type, drawn by weight from the operators' own stream (one draw a
        seat, in seat order), so the world's streams are untouched."""
        weights = self.sc.operators.types
        names = sorted(weights)
        total = sum(weights.values())
        stream = self.streams.get("operators/types")
        kinds = []
        for u in stream.random(self.sc.operators.count):
            acc = 0.0
            for name in names:
                acc += weights[name] / total
                if u < acc:
                    kinds.append(name)
                    break
            else:
                kinds.append(names[-1])
        return kinds

    def _advantage_estimates(self) -> dict[str, float]:
        """What blue expects to gain by neutralising a hostile-looking contact of a signature."""
        hostile = [k for k in self.sc.kinds.values() if k.true_class == "hostile"]
        out = {
            cat: float(np.mean([k.military_advantage for k in hostile if k.category == cat]))
            for cat in {k.category for k in hostile}
        }
        out["*"] = float(np.mean([k.military_advantage for k in hostile])) if hostile else 1.0
        return out

    # ----------------------------------------------------------------- utilities
    @property
    def now(self) -> float:
        return float(self.env.now)

    def new_decision_id(self) -> int:
        self._next_decision += 1
        return self._next_decision

    def take_seat(self) -> int:
        """The lowest-numbered free operator seat (call after the pool granted a request)."""
        return self._free_seats.pop(0)

    def free_seat(self, index: int) -> None:
        self._free_seats.append(index)
        self._free_seats.sort()

    def noticing(self, level: int) -> float:
        """Factor on the operator's chance of noticing an AI failure: 1 - e x DOA (Onnasch et al.
        2014 [S direction], DOMAIN.md s.1 [P]), with DOA over the four stages; 1 when the
        scenario gives no stage levels."""
        stages = self.sc.autonomy.stages
        if stages is None:
            return 1.0
        doa = degree_of_automation((stages.acquisition, stages.analysis, level, level))
        return 1.0 - self.sc.autonomy.doa_effect * doa

    def kill_switch_in_force(self) -> bool:
        return self.kill_switch_at is not None and self.now >= self.kill_switch_at

    def workload(self) -> float:
        """W: operators busy plus reviews waiting, per operator, capped at 1 (a queue proxy)."""
        n = len(self.operators)
        if n == 0:
            return 1.0
        return min(1.0, (self.pool.count + len(self.pool.queue)) / n)

    def mean_trust(self) -> float | None:
        if not self.operators:
            return None
        return sum(op.trust for op in self.operators) / len(self.operators)

    def effectors_for(self, action: str) -> list[Effector]:
        return [e for e in self.sc.blue.effectors if e.action == action]

    def effector_in_range(self, track: int, action: str) -> Effector | None:
        best: Effector | None = None
        x, y = self.world.pos[track]
        for eff in self.effectors_for(action):
            if math.hypot(x - eff.at.x, y - eff.at.y) <= eff.range_km and (
                best is None or eff.p_success > best.p_success
            ):
                best = eff
        return best

    def near_protected_site(self, track: int, cer_m: float) -> str | None:
        x, y = self.world.pos[track]
        for site in self.sc.area.protected_sites:
            if math.hypot(x - site.at.x, y - site.at.y) <= site.radius_km + cer_m / 1000.0:
                return site.id
        return None

    def in_envelope(self, track: int) -> bool:
        env = self.roe.envelope
        if env.rect is not None:
            x, y = self.world.pos[track]
            x0, y0, x1, y1 = env.rect
            if not (x0 <= x <= x1 and y0 <= y <= y1):
                return False
        if env.t_max_s is not None and self.now > env.t_max_s:
            return False
        return not (env.n_max is not None and self.autonomous_force_count >= env.n_max)

    def drift_detected(self) -> bool:
        return self.sc.ai.ood_detector and self.ai.shift_at(self.now) > 0

    # ----------------------------------------------------------------- world processes
    def _spawner(self, src: Source, start: float) -> Any:
        env = self.env
        if start > env.now:
            yield env.timeout(start - env.now)
        kind = self.sc.kinds[src.kind]
        for i in range(src.count):
            if i and src.interval_s:
                yield env.timeout(src.interval_s)
            self.spawn(src, i, kind)

    def spawn(self, src: Source, i: int, kind: Any) -> None:
        track = src.first_id + i
        key = f"{src.key}/{i}"
        stream = self.streams.get(f"contact/{key}")
        agent = ContactAgent(self, track, src.kind, kind, stream)
        self.contacts[track] = agent
        self.stream_key[track] = key
        origin = np.array([src.origin.x, src.origin.y])
        xy = origin + disc_offset(agent.origin_offset, src.spread_km)
        if src.destination is None:
            dest = self.world.asset.copy()
        else:
            dest = np.array([src.destination.x, src.destination.y])
            dest = dest + disc_offset(agent.dest_offset, src.spread_km)
        self.world.place(track, kind, src.kind, xy, dest, agent.speed_factor, src.heads_to_asset)
        region = self.world.region_of(track)[1]
        self.log.emit(
            self.now, "spawn", track, contact_kind=src.kind, true_class=kind.true_class,
            x=round(float(xy[0]), 4), y=round(float(xy[1]), 4), region=region,
            heads_to_asset=src.heads_to_asset,
        )

    def _ticker(self) -> Any:
        from hmt_sim.decisions import track_process  # the pipeline imports the model's types

        env, world, dt = self.env, self.world, self.sc.run.tick_s
        while True:
            yield env.timeout(dt)
            arrived, left, detected = world.step(dt)
            for track in arrived:
                if self.contacts[track].hostile and world.heads_to_asset[track]:
                    self.impact(track)
                else:
                    self.leave(track, "route ended")
            for track in left:
                self.leave(track, "left the area")
            for track, sensor in detected:
                x, y = world.pos[track]
                self.log.emit(
                    self.now, "detection", track, sensor=world.sensor_ids[sensor],
                    x=round(float(x), 4), y=round(float(y), 4), region=world.region_of(track)[1],
                )
                env.process(track_process(self, track))

    def impact(self, track: int) -> None:
        c = self.contacts[track]
        c.status = "leaked"
        self.world.remove(track)
        ev = self.log.emit(self.now, "impact", track, damage=c.kind.damage_on_impact)
        self.escalation.push("blue", self.sc.escalation.pushes.friendly_loss
                             * c.kind.damage_on_impact, "friendly_loss", ev["seq"], False)
        self.schedule_assessment(track)

    def leave(self, track: int, reason: str) -> None:
        c = self.contacts[track]
        if c.status == "active":
            c.status = "exited"
        self.world.remove(track)
        self.log.emit(self.now, "exit", track, reason=reason)
        self.schedule_assessment(track)

    def schedule_assessment(self, track: int) -> None:
        if track in self.classified:
            self.env.process(self._assess(track))

    def _assess(self, track: int) -> Any:
        yield self.env.timeout(self.sc.operators.assessment_delay_s)
        cls = self.classified.pop(track, None)
        if cls is None:
            return
        c = self.contacts[track]
        region = self.case_region.get(track)
        self.record.add(cls.correct, not c.hostile, region)
        self.log.emit(
            self.now, "assessment", track, true_class=c.kind.true_class, ai_label=cls.label,
            ai_correct=cls.correct, confidence=round(cls.confidence, 6), region=region,
        )
        for op in self.operators:
            trust = op.observe_outcome(cls.correct)
            self.log.emit(self.now, "trust", operator=op.index, trust=round(trust, 6))

    def _reactions(self) -> Any:
        env = self.env
        while True:
            yield env.timeout(self.sc.escalation.react_interval_s)
            for side, frm, to, causes, inadvertent, reason in self.escalation.react():
                self.log.emit(self.now, "escalation_step", side=side, from_rung=frm,
                              to_rung=to, causes=causes, inadvertent=inadvertent, reason=reason)
            self.check_triggers()

    def check_triggers(self) -> None:
        rung = self.escalation.rung("red")
        for src in self.sources:
            if src.trigger_rung is not None and src.key not in self._triggered and (
                rung >= src.trigger_rung
            ):
                self._triggered.add(src.key)
                self.env.process(self._spawner(src, self.now + src.start_s))

    def _sampler(self) -> Any:
        env = self.env
        while True:
            self.log.emit(
                self.now, "sample",
                trust=None if not self.operators else round(self.mean_trust() or 0.0, 6),
                utilisation=round(self.pool.count / len(self.operators), 6)
                if self.operators else None,
                queue=len(self.pool.queue),
                ai_accuracy=round(self.ai.accuracy_now(self.now), 6),
                rung_blue=self.escalation.rung("blue"),
                rung_red=self.escalation.rung("red"),
            )
            yield env.timeout(self.sc.run.sample_interval_s)

    def _scripted_inject(self, index: int, inj: Any) -> Any:
        if inj.at_s > self.env.now:
            yield self.env.timeout(inj.at_s - self.env.now)
        from hmt_sim.injects import apply_inject

        apply_inject(self, inj, source=f"scenario:{index}")

    # ----------------------------------------------------------------- running
    def run_until(self, t: float) -> None:
        """Advance simulation time to ``t`` (events at exactly ``t`` stay pending)."""
        if t > self.env.now:
            self.env.run(until=t)

    def finish(self) -> None:
        self.log.emit(self.now, "run_ended", duration_s=self.now)
