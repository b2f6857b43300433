"""HMTModel as a Mesa user meets it: built from plain values, stepped, collected, batch-run."""

from __future__ import annotations

import warnings

import mesa
import pytest

from hmt_sim import load_scenario, simulate
from hmt_sim.agents import AIAgent, ContactAgent, OperatorAgent
from hmt_sim.errors import InputError
from hmt_sim.escalation import EscalationAgent
from hmt_sim.metrics import flatten
from hmt_sim.model import HMTModel

SHORT = {"run.duration_s": 240}


def test_built_from_plain_values_and_stepped_to_the_end() -> None:
    model = HMTModel(scenario="airbase_swarm", rng=1, overrides={"autonomy.level": 7, **SHORT})
    assert model.running and model.time == 0.0
    assert model.levels == {"warn": 7, "jam": 7, "engage": 7}
    while model.running:
        model.step()
    tick = model.sc.run.tick_s
    assert model.time == pytest.approx(240.0)  # model.time is the simulation clock
    assert model.steps == round(240 / tick)
    assert model.log.events[-1]["kind"] == "run_ended"
    # the same log as the Session path (simulate) with the same scenario and seed
    sc = load_scenario("airbase_swarm", overrides={"autonomy.level": 7, **SHORT})
    assert model.log.events == simulate(sc, seed=1).events


def test_agents_are_in_the_mesa_registry_and_agree_with_the_world() -> None:
    model = HMTModel(scenario="airbase_swarm", rng=2, overrides=SHORT)
    for _ in range(120):
        model.step()
    by_type = model.agents_by_type
    assert len(by_type[OperatorAgent]) == model.sc.operators.count
    assert len(by_type[AIAgent]) == 1 and len(by_type[EscalationAgent]) == 1
    contacts = by_type[ContactAgent]
    assert len(contacts) == len(model.contacts) > 0
    live = contacts.select(lambda a: a.in_area)
    assert sorted(a.track for a in live) == model.world.alive_tracks()
    for agent in live:
        assert agent.xy == tuple(float(v) for v in model.world.pos[agent.track])
        assert agent.status == "active"


def test_datacollector_gathers_the_metric_groups_at_the_end() -> None:
    model = HMTModel(scenario="overload", rng=3, overrides=SHORT)
    while model.running:
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 1
    expected = flatten(simulate(load_scenario("overload", overrides=SHORT), seed=3).metrics)
    row = frame.iloc[0].to_dict()
    assert {k: row[k] for k in expected} == expected
    assert "harm.civilian_casualties" in row and "control.uses_of_force" in row


def test_batch_run_works_with_no_wrapper_and_seeds_arrive_as_rng() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)  # the deprecated seed= path would warn
        rows = mesa.batch_run(HMTModel, parameters={"scenario": "airbase_swarm",
                                                    "overrides": [SHORT]},
                              rng=[1, 2], max_steps=5000, number_processes=1,
                              display_progress=False)
    assert [r["rng"] for r in rows] == [1, 2]
    sc = load_scenario("airbase_swarm", overrides=SHORT)
    for row in rows:
        expected = flatten(simulate(sc, seed=row["rng"]).metrics)
        assert {k: row[k] for k in expected} == expected
    assert rows[0]["mission.leakers"] is not None


def test_bad_seed_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="whole number"):
        HMTModel(scenario="airbase_swarm", rng=-1)
    with pytest.raises(InputError, match="unknown scenario"):
        HMTModel(scenario="airbase_swarmm", rng=1)


def test_a_scenario_object_takes_overrides_too() -> None:
    sc = load_scenario("training_sandbox")
    model = HMTModel(sc, rng=1, overrides={"autonomy.level": 9})
    assert model.levels["engage"] == 9 and model.seed == 1
    with pytest.raises(AttributeError, match="SimPy"):
        model.time = 50.0


def test_mesa_run_until_and_run_for_stop_at_the_scenario_end() -> None:
    model = HMTModel(scenario="training_sandbox", rng=1)
    model.run_for(10)
    assert model.time == pytest.approx(10.0) and model.running
    model.run_until(1e9)  # past the end: the run finishes at its duration
    assert model.time == pytest.approx(model.sc.run.duration_s)
    assert not model.running and model.log.events[-1]["kind"] == "run_ended"
    assert len(model.datacollector.get_model_vars_dataframe()) == 1
    sc = load_scenario("training_sandbox")
    assert model.log.events == simulate(sc, seed=1).events


def test_seed_is_another_name_for_rng() -> None:
    a = HMTModel(scenario="training_sandbox", seed=4)
    assert a.seed == 4
    with pytest.raises(InputError, match="not both"):
        HMTModel(scenario="training_sandbox", seed=4, rng=4)
    with pytest.raises(TypeError, match="unexpected"):
        HMTModel(scenario="training_sandbox", colour="red")
