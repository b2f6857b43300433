"""HMTModel: the Mesa model of one run.

It builds the run's owned pieces of state - the world, the agents (contacts, the AI, operators,
the escalation posture; all in ``model.agents``), ``Authority``, ``OperatorPool``, ``Effectors``
and ``Assessments`` - and runs the world, reaction, sampling and inject processes on SimPy's
clock, the only clock (``model.time`` reads it). The per-track decision pipeline lives in
``decisions.py`` and sees only a ``DecisionContext``.

For Mesa users it is an ordinary Mesa model::

    model = HMTModel(scenario="airbase_swarm", rng=1, overrides={"autonomy.level": 7})
    while model.running:
        model.step()                      # run.tick_s seconds further
    model.datacollector.get_model_vars_dataframe()   # the metric groups at the end

and ``mesa.batch_run(HMTModel, parameters={"scenario": "airbase_swarm"}, rng=[1, 2],
max_steps=5000, number_processes=1)`` works as is (the seed arrives as ``rng``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from functools import cache, partial
from typing import Any

import numpy as np
import simpy

from hmt_sim import __version__, collection
from hmt_sim.agents.ai import AIAgent
from hmt_sim.agents.contacts import ContactAgent, disc_offset
from hmt_sim.agents.operator import OperatorAgent, TrustState
from hmt_sim.assessments import Assessments
from hmt_sim.authority import Authority
from hmt_sim.context import DecisionContext
from hmt_sim.crew import OperatorPool
from hmt_sim.decisions import track_process
from hmt_sim.effectors import Effectors
from hmt_sim.errors import InputError
from hmt_sim.escalation import EscalationAgent
from hmt_sim.events import EventLog
from hmt_sim.injects import apply_inject
from hmt_sim.judgement import pair_d_prime
from hmt_sim.mesa_import import mesa
from hmt_sim.metrics import GROUPS, compute_metrics, flatten
from hmt_sim.plugins import plugin_metrics
from hmt_sim.rng import Streams
from hmt_sim.scenario.schema import ROE, Scenario
from hmt_sim.world import Source, World, plan_sources

DEFAULT_SCENARIO = "airbase_swarm"


class HMTModel(mesa.Model):
    """One simulation run of a scenario with a seed.

    ``scenario`` is a ``Scenario``, a bundled scenario id or a file path; ``rng`` the integer
    seed (Mesa's name for it; None: the scenario's ``run.seed``); ``overrides`` dotted keys
    (``{"autonomy.level": 7}``); ``human_operators`` the seats answered by people through
    ``Session.decide`` (every other seat is a model operator); ``collect=False`` leaves
    Mesa's DataCollector without its per-metric columns (for callers that read the metrics
    themselves)."""

    running: bool  # Mesa's loop flag: False once the scenario's duration is reached
    steps: int  # Mesa's step counter: steps of run.tick_s taken through ``step()``

    def __init__(self, scenario: Scenario | str | os.PathLike[str] = DEFAULT_SCENARIO,
                 rng: int | None = None, overrides: Mapping[str, Any] | None = None,
                 human_operators: Sequence[int] = (), collect: bool = True,
                 **kwargs: Any) -> None:
        # ``seed=`` is accepted as another name for ``rng`` through **kwargs, not as a named
        # parameter: mesa.batch_run passes the seed as ``seed`` whenever the signature has one.
        seed_kw = kwargs.pop("seed", None)
        if kwargs:
            raise TypeError(f"HMTModel() got unexpected keyword arguments: {sorted(kwargs)}")
        if seed_kw is not None and rng is not None:
            raise InputError("give the seed as rng or as seed, not both")
        rng = rng if rng is not None else seed_kw
        sc = _scenario_of(scenario, overrides)
        seed = sc.run.seed if rng is None else _seed_of(rng)
        super().__init__(rng=seed)
        # SimPy owns time (DESIGN.md principle 3): Mesa's own step schedule is switched off and
        # ``step`` advances the SimPy clock by one tick.
        self._default_schedule.stop()
        self.step = self._tick
        self.sc = sc  # not "scenario": mesa.Model owns that name
        self.seed = seed
        self.env = simpy.Environment()
        self.log = EventLog()
        self.streams = Streams(seed)
        self.sources: list[Source] = plan_sources(sc)
        self.world = World(sc, self.sources, clock=self.env)
        self.contacts: dict[int, ContactAgent] = {}
        self.stream_key: dict[int, str] = {}
        self.ai = AIAgent(self, sc.ai)
        # Seats of one trust type share one trust record (they see the same revealed calls).
        kinds = self._operator_types()
        trust = {kind: TrustState(sc.operators.trust_for(kind)) for kind in sorted(set(kinds))}
        self.crew = OperatorPool(self.env, [
            OperatorAgent(self, i, sc.operators, human=i in human_operators, kind=kind,
                          trust=trust[kind])
            for i, kind in enumerate(kinds)
        ])
        self.escalation = EscalationAgent(self, sc.escalation, self.streams.get("adversary"))
        self.authority = Authority(self.env, sc.autonomy, sc.roe)
        self.effectors = Effectors(sc.blue.effectors, sc.area.protected_sites, self.world)
        self.assessments = Assessments(self.env, self.log, self.contacts, self.crew,
                                       sc.operators.assessment_delay_s)
        self.decisions = DecisionContext(
            env=self.env, log=self.log, streams=self.streams, world=self.world,
            contacts=self.contacts, stream_key=self.stream_key, ai=self.ai,
            ai_profile=sc.ai, operator_spec=sc.operators, authority=self.authority,
            crew=self.crew, effectors=self.effectors, escalation=self.escalation,
            pushes=sc.escalation.pushes, assessments=self.assessments,
            advantage_by_category=self._advantage_estimates(), tick_s=sc.run.tick_s,
            d_prime_of=self._d_prime_by_kind(),
        )
        self._triggered: set[str] = set()
        self._metrics_at: tuple[int, dict[str, Any]] | None = None
        self._flat_of: tuple[dict[str, Any], dict[str, Any]] | None = None
        # Mesa's columns, one per flat metric; ``collect=False`` when nobody will read them
        # (``simulate`` returns the metrics and drops the model): the collector stays, empty.
        self.datacollector = mesa.DataCollector(
            model_reporters=self._reporters() if collect else {})
        self.log.emit(
            0.0, "run_started", scenario=sc.id, seed=seed, version=__version__,
            params=self._params(), classifier=sc.ai.classifier,
            operator_policy=sc.operators.policy,
        )
        started = [src for src in self.sources
                   if src.trigger_rung is None and not src.on_inject]
        # Their contacts' streams, started in one vectorised pass rather than one per source
        # (a source's own pass then finds its names ready).
        self.streams.prepare([name for src in started for name in track_stream_names(src)])
        for src in started:
            self.start_source(src, src.start_s)
        env = self.env
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
            "operator_types": [op.kind for op in self.crew],
            "min_review_s": sc.roe.min_review_s,
            "proportionality_lambda": sc.roe.proportionality_lambda,
            "operator_rt95_s": round(self.crew.max_rt95, 6),
            "veto_window_s": sc.autonomy.veto_window_s,
            "levels": self.authority.levels,
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

    def _d_prime_by_kind(self) -> dict[str, float]:
        """Each contact kind's d' against the most alike kind of the other class."""
        sc = self.sc
        j = sc.operators.judgement
        return {name: pair_d_prime(name, [o for o, k in sc.kinds.items()
                                          if k.true_class != kind.true_class],
                                   j.d_prime, j.d_prime_default)
                for name, kind in sc.kinds.items()}

    def _advantage_estimates(self) -> dict[str, float]:
        """What blue expects to gain by neutralising a hostile-looking contact of a signature."""
        hostile = [k for k in self.sc.kinds.values() if k.true_class == "hostile"]
        out = {
            cat: float(np.mean([k.military_advantage for k in hostile if k.category == cat]))
            for cat in {k.category for k in hostile}
        }
        out["*"] = float(np.mean([k.military_advantage for k in hostile])) if hostile else 1.0
        return out

    # ----------------------------------------------------------------- read-only views
    @property
    def now(self) -> float:
        """Simulation time in seconds (SimPy's clock)."""
        return float(self.env.now)

    @property
    def time(self) -> float:
        """Mesa's ``model.time``: the simulation clock in seconds (SimPy owns it)."""
        env = self.__dict__.get("env")
        return 0.0 if env is None else float(env.now)

    @time.setter
    def time(self, value: float) -> None:
        # mesa.Model.__init__ sets time to 0; after that only SimPy moves the clock.
        if "env" in self.__dict__ and float(value) != float(self.env.now):
            raise AttributeError("model.time follows the SimPy clock; advance with step()")

    @property
    def operators(self) -> list[OperatorAgent]:
        """The operator agents, by seat."""
        return self.crew.operators

    @property
    def levels(self) -> dict[str, int]:
        """Autonomy levels in force per action class (a copy; change through injects)."""
        return self.authority.levels

    @property
    def roe(self) -> ROE:
        """The rules of engagement in force."""
        return self.authority.roe

    @property
    def comms_up(self) -> bool:
        """Can the operators be reached now?"""
        return self.authority.comms_up

    # ----------------------------------------------------------------- world processes
    def start_source(self, src: Source, start: float) -> None:
        """Begin spawning a source's contacts at ``start`` (a wave, traffic, a surge)."""
        self.env.process(self._spawner(src, start))

    def _spawner(self, src: Source, start: float) -> Any:
        env = self.env
        if start > env.now:
            yield env.timeout(start - env.now)
        kind = self.sc.kinds[src.kind]
        # The streams its contacts will draw from, started in one vectorised pass.
        self.streams.prepare(track_stream_names(src))
        for i in range(src.count):
            if i and src.interval_s:
                yield env.timeout(src.interval_s)
            self._spawn(src, i, kind)

    def _spawn(self, src: Source, i: int, kind: Any) -> None:
        track = src.first_id + i
        key = f"{src.key}/{i}"
        stream = self.streams.get(f"contact/{key}")
        agent = ContactAgent(self, track, src.kind, kind, stream)
        self.contacts[track] = agent
        self.stream_key[track] = key
        # (the sums in Python floats: the same values as NumPy's, one array built, not three)
        ox, oy = disc_offset(agent.origin_offset, src.spread_km).tolist()
        x, y = src.origin.x + ox, src.origin.y + oy
        if src.destination is None:
            dest = self.world.asset.copy()
        else:
            dx, dy = disc_offset(agent.dest_offset, src.spread_km).tolist()
            dest = np.array([src.destination.x + dx, src.destination.y + dy])
        route = self.world.place(track, kind, src.kind, np.array([x, y]), dest,
                                 agent.speed_factor, src.heads_to_asset)
        region = self.world.region_of(track)[1]
        self.log.emit(
            self.now, "spawn", track, contact_kind=src.kind, true_class=kind.true_class,
            x=round(float(x), 4), y=round(float(y), 4), region=region,
            heads_to_asset=src.heads_to_asset,
        )
        # No world tick: the route's detection and end are events at their computed times.
        if route.detect_s < route.end_s:
            self._at(route.detect_s, partial(self._detect, track, route.sensor))
        self._at(route.end_s, partial(self._route_end, track, route.end))

    def _at(self, t: float, action: Any) -> None:
        """Call ``action`` at simulation time ``t`` (never, for ``inf``)."""
        if t == math.inf:
            return
        delay = t - self.env.now
        event = self.env.timeout(delay if delay > 0.0 else 0.0)  # max(0.0, delay)
        event.callbacks.append(lambda _event: action())

    def _detect(self, track: int, sensor: int) -> None:
        """A sensor first sees the contact: log it and start its decision process."""
        world = self.world
        if not world.alive[track]:
            return
        world.mark_detected(track)
        x, y = world.xy(track)
        self.log.emit(self.now, "detection", track, sensor=world.sensor_ids[sensor],
                      x=round(x, 4), y=round(y, 4), region=world.region_of(track)[1])
        self.env.process(track_process(self.decisions, track))

    def _route_end(self, track: int, end: str) -> None:
        """The contact reached its destination (an impact, for a hostile bound for the asset)
        or left the area - unless something removed it first."""
        if not self.world.alive[track]:
            return
        if end == "left":
            self._leave(track, "left the area")
        elif self.contacts[track].hostile and self.world.heads_to_asset[track]:
            self._impact(track)
        else:
            self._leave(track, "route ended")

    def _impact(self, track: int) -> None:
        c = self.contacts[track]
        c.status = "leaked"
        self.world.remove(track)
        ev = self.log.emit(self.now, "impact", track, damage=c.kind.damage_on_impact)
        self.escalation.push("blue", self.sc.escalation.pushes.friendly_loss
                             * c.kind.damage_on_impact, "friendly_loss", ev["seq"], False)
        self.assessments.track_done(track)

    def _leave(self, track: int, reason: str) -> None:
        c = self.contacts[track]
        if c.status == "active":
            c.status = "exited"
        self.world.remove(track)
        self.log.emit(self.now, "exit", track, reason=reason)
        self.assessments.track_done(track)

    def _reactions(self) -> Any:
        env = self.env
        while True:
            yield env.timeout(self.sc.escalation.react_interval_s)
            for side, frm, to, causes, inadvertent, reason in self.escalation.react():
                self.log.emit(self.now, "escalation_step", side=side, from_rung=frm,
                              to_rung=to, causes=causes, inadvertent=inadvertent, reason=reason)
            self.check_triggers()

    def check_triggers(self) -> None:
        """Launch the waves whose trigger rung red has reached (once each)."""
        rung = self.escalation.rung("red")
        for src in self.sources:
            if src.trigger_rung is not None and src.key not in self._triggered and (
                rung >= src.trigger_rung
            ):
                self._triggered.add(src.key)
                self.start_source(src, self.now + src.start_s)

    def _sampler(self) -> Any:
        env = self.env
        while True:
            utilisation = self.crew.utilisation()
            self.log.emit(
                self.now, "sample",
                trust=None if not len(self.crew) else round(self.crew.mean_trust() or 0.0, 6),
                utilisation=None if utilisation is None else round(utilisation, 6),
                queue=self.crew.queued,
                ai_accuracy=round(self.ai.accuracy_now(self.now), 6),
                rung_blue=self.escalation.rung("blue"),
                rung_red=self.escalation.rung("red"),
            )
            yield env.timeout(self.sc.run.sample_interval_s)

    def _scripted_inject(self, index: int, inj: Any) -> Any:
        if inj.at_s > self.env.now:
            yield self.env.timeout(inj.at_s - self.env.now)
        apply_inject(self, inj, source=f"scenario:{index}")

    # ----------------------------------------------------------------- running
    def advance_to(self, t: float) -> None:
        """Advance simulation time to ``t`` (events at exactly ``t`` stay pending). The
        session's primitive: it neither stops at the scenario's end nor finishes the run."""
        if t > self.env.now:
            with collection.paused():  # the collector walks, frees nothing here
                self.env.run(until=t)

    def run_until(self, end_time: float) -> None:
        """Mesa's ``run_until``: run to ``end_time`` seconds, or to the scenario's end (then the
        run finishes and ``running`` turns False)."""
        duration = self.sc.run.duration_s
        target = min(float(end_time), duration)
        if not self.running:
            return
        # Where Mesa's loop of step() calls would stop, and how many it would take - reached
        # in one run of the clock rather than one per step (the world needs no ticking).
        t, tick, steps = self.now, self.sc.run.tick_s, 0
        while t < target:
            t, steps = min(t + tick, duration), steps + 1
        self.advance_to(t)
        self.steps += steps
        if t >= duration:
            self.finish()

    def run_for(self, duration: float) -> None:
        """Mesa's ``run_for``: run ``duration`` more seconds (not past the scenario's end)."""
        self.run_until(self.now + float(duration))

    def _tick(self) -> None:
        """Mesa's ``step()``: advance ``run.tick_s`` seconds (the world has no tick of its
        own: this is only the step Mesa's loop takes); at the scenario's end the run finishes
        and ``running`` turns False."""
        if not self.running:
            return
        target = min(self.now + self.sc.run.tick_s, self.sc.run.duration_s)
        self.advance_to(target)
        self.steps += 1
        if target >= self.sc.run.duration_s:
            self.finish()

    def finish(self) -> None:
        """End the run: log it, stop Mesa's loop, and collect the metric groups."""
        if not self.running:
            return
        self.log.emit(self.now, "run_ended", duration_s=self.now)
        self.running = False
        self.datacollector.collect(self)

    def close(self) -> None:
        """Let go of a finished run's pending work: drop every event still on the clock and
        what it would have woken. For the owner of a run that will not go on (``simulate``).
        Its processes are then freed at once by reference counting; left suspended, the
        collector's first pass over them ran their ``finally`` blocks, whose new events kept
        the whole model alive until a rare full pass (measured: every 5,100-contact run's
        model, about 150,000 objects, piled up until one came)."""
        queue = self.env._queue  # SimPy's event heap: no public way to empty it
        for _t, _priority, _eid, event in queue:
            if event.callbacks:  # a triggered event not yet processed: its waiters
                event.callbacks.clear()
        queue.clear()

    # ----------------------------------------------------------------- data collection
    def metrics(self) -> dict[str, dict[str, Any]]:
        """The metric groups of the log so far (cached until the log grows)."""
        if self._metrics_at is None or self._metrics_at[0] != len(self.log):
            self._metrics_at = (len(self.log), compute_metrics(self.log.events))
        return self._metrics_at[1]

    def flat_metrics(self) -> dict[str, Any]:
        """The metric groups flattened, cached with them: the DataCollector asks one key per
        reporter (about 150), and flattening once per key was most of a short run's time."""
        groups = self.metrics()
        if self._flat_of is None or self._flat_of[0] is not groups:
            self._flat_of = (groups, flatten(groups))
        return self._flat_of[1]

    def _reporters(self) -> dict[str, Any]:
        """DataCollector model reporters: every flat metric (``harm.civilian_casualties``...)
        as its own column, so ``mesa.batch_run`` rows are tidy."""
        # A partial, not a lambda: picklable, and Mesa calls it with the model.
        keys = reporter_keys(tuple(r.id for r in self.sc.area.regions))
        return {key: partial(flat_metric, key) for key in keys}


def reporter_keys(regions: tuple[str, ...]) -> list[str]:
    """The flat metric names of a run over these regions, in ``compute_metrics`` order: the
    built-in groups, then the metric plugins' (registered now), then a false-alarm rate per
    region (those exist only for regions with enough cases: a column for every region, None
    where too few, so every run has the same columns)."""
    start = [{"t": 0.0, "seq": 0, "kind": "run_started", "params": {"regions": list(regions)}}]
    return list(dict.fromkeys([*builtin_reporter_keys(regions), *flatten(plugin_metrics(start)),
                               *(f"ai.fpr_by_region.{r}" for r in [*regions, "open"])]))


@cache
def builtin_reporter_keys(regions: tuple[str, ...]) -> tuple[str, ...]:
    """The built-in groups' flat metric names over these regions, computed once per region
    list: every run of a sweep builds a DataCollector, and this was most of setting one up."""
    start = [{"t": 0.0, "seq": 0, "kind": "run_started", "params": {"regions": list(regions)}}]
    groups = compute_metrics(start)
    return tuple(flatten({g: groups[g] for g in GROUPS}))


TRACK_STREAMS = ("contact", "ai", "op", "judge", "effect")
"""The random streams most contacts' lives draw from (``<prefix>/<source>/<index>``): where
the contact appears, the AI's calls, the operators' reviews and judgements, the effects."""


def track_stream_names(src: Source) -> list[str]:
    """The names of the streams a source's contacts draw from (``TRACK_STREAMS``, one set a
    contact), for starting them in one pass (``Streams.prepare``)."""
    return [f"{prefix}/{src.key}/{i}" for prefix in TRACK_STREAMS for i in range(src.count)]


def flat_metric(key: str, model: HMTModel) -> Any:
    """One flattened metric of a model's log so far (a DataCollector reporter)."""
    return model.flat_metrics().get(key)


def _scenario_of(scenario: Scenario | str | os.PathLike[str],
                 overrides: Mapping[str, Any] | None) -> Scenario:
    """A Scenario from an object, an id or a path, with dotted overrides applied."""
    if isinstance(scenario, Scenario):
        if not overrides:
            return scenario
        from hmt_sim.scenario.overrides import apply_overrides, normalise_overrides

        data = apply_overrides(scenario.model_dump(mode="python"),
                               normalise_overrides(overrides))
        try:
            return Scenario.model_validate(data)
        except ValueError as error:
            raise InputError(f"overrides {dict(overrides)!r}: {error}") from None
    from hmt_sim.scenario.loader import load_scenario

    return load_scenario(scenario, overrides=overrides)


def _seed_of(rng: Any) -> int:
    """The run's integer seed from Mesa's ``rng`` argument (an int >= 0)."""
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer) or rng < 0:
        raise InputError(f"rng (the seed) must be a whole number >= 0, got {rng!r}")
    return int(rng)
