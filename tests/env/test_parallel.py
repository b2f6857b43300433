"""The PettingZoo parallel env: one agent per operator seat, a shared reward."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from hmt_sim.env import parallel_env
from hmt_sim.env.parallel import OperatorSeatsParallelEnv
from hmt_sim.errors import InputError
from hmt_sim.events import dumps

SHORT = {"run.duration_s": 300}


def make(**kwargs: Any) -> OperatorSeatsParallelEnv:
    kwargs.setdefault("overrides", SHORT)
    return parallel_env(**kwargs)


def test_parallel_api_and_seed_tests_pass_without_warnings():
    with warnings.catch_warnings():
        # pettingzoo.test imports PettingZoo's own deprecated env modules; not ours to fix.
        warnings.simplefilter("ignore", DeprecationWarning)
        from pettingzoo.test import parallel_api_test, parallel_seed_test
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parallel_api_test(make(), num_cycles=1000)
        parallel_seed_test(make)


def episode(env: OperatorSeatsParallelEnv, seed: int) -> tuple[list[Any], str]:
    """Run to the end with a fixed action pattern per seat; all returns and the log."""
    obs, _ = env.reset(seed=seed)
    steps: list[Any] = []
    k = 0
    while env.agents:
        actions = {a: (k + i) % 4 for i, a in enumerate(env.agents)}
        obs, rewards, terms, truncs, infos = env.step(actions)
        steps.append((obs, rewards, terms, truncs, infos))
        k += 1
    return steps, "".join(dumps(e) + "\n" for e in env.events)


def test_every_seat_is_an_agent_and_the_team_shares_one_reward():
    env = make()
    assert env.possible_agents == ["operator/0", "operator/1"]
    steps, _ = episode(env, 21)
    assert len(steps) > 5
    for obs, rewards, terms, truncs, infos in steps:
        assert set(obs) == set(rewards) == set(terms) == set(infos) == set(env.possible_agents)
        assert len(set(rewards.values())) == 1
        assert not any(truncs.values())
        for agent, o in obs.items():
            assert env.observation_space(agent).contains(o)
            card = infos[agent].get("card")
            assert card is None or card["operator"] == int(agent.split("/")[1])
    assert all(steps[-1][2].values()) and env.agents == []
    people = {e["operator"] for e in env.events if e["kind"] in ("approval", "veto")
              and e["by"] == "person"}
    assert people == {0, 1}  # both seats answered cards


def test_same_seed_same_episode():
    a_steps, a_log = episode(make(), 5)
    b_steps, b_log = episode(make(), 5)
    assert a_log == b_log
    assert [s[1] for s in a_steps] == [s[1] for s in b_steps]
    for (oa, *_), (ob, *_) in zip(a_steps, b_steps, strict=True):
        for agent in oa:
            for part in oa[agent]:
                np.testing.assert_array_equal(oa[agent][part], ob[agent][part])
    assert episode(make(), 6)[1] != a_log


def test_a_subset_of_seats_leaves_the_rest_to_model_operators():
    env = make(seats=["operator/1"])
    assert env.possible_agents == ["operator/1"]
    episode(env, 3)
    by_person = {e["operator"] for e in env.events if e.get("by") == "person"}
    by_model = {e["operator"] for e in env.events if e.get("by") == "model"
                and e["kind"] in ("approval", "veto")}
    assert by_person == {1} and 0 in by_model


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"seats": []}, "name at least one seat"),
    ({"seats": ["operator/0", "operator"]}, "each seat once"),
    ({"seats": ["operator/3"]}, "has 2 operator seat"),
    ({"reward_weights": {"mission.leaker": 1}}, "did you mean 'mission.leakers'"),
])
def test_bad_arguments(kwargs: dict[str, Any], message: str):
    with pytest.raises(InputError, match=message):
        make(**kwargs)


def test_an_agent_left_out_of_the_actions_waits():
    env = make()
    _, infos = env.reset(seed=4)
    t0 = infos["operator/0"]["t"]
    before = {a: infos[a]["card"]["decision"] for a in env.agents if "card" in infos[a]}
    assert before
    _, _, _, _, infos = env.step({})
    assert infos["operator/0"]["t"] == pytest.approx(t0 + 1.0)  # wait_s passed
    assert {a: infos[a]["card"]["decision"] for a in before} == before  # still waiting


def test_bad_steps():
    env = make()
    with pytest.raises(InputError, match="call reset"):
        env.step({})
    env.reset(seed=1)
    with pytest.raises(InputError, match="unknown or finished agents"):
        env.step({"operator/9": 0})
    with pytest.raises(InputError, match="action must be 0-3"):
        env.step({"operator/0": 7})
