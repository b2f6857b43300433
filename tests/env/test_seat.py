"""hmt_sim/OperatorSeat-v0: Gymnasium conformance, determinism, the step, the reward, errors."""

from __future__ import annotations

import math
import re
import subprocess
import sys
import warnings
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from hmt_sim.env import DEFAULT_REWARD_WEIGHTS, ENV_ID, OperatorSeatEnv
from hmt_sim.env.observe import Observer
from hmt_sim.errors import HmtError, InputError
from hmt_sim.events import dumps
from hmt_sim.metrics import compute_metrics, flatten
from hmt_sim.scenario import list_bundled
from hmt_sim.session import Session

SHORT = {"run.duration_s": 300}
APPROVE, REJECT, INSPECT, WAIT = range(4)


def make(**kwargs: Any) -> OperatorSeatEnv:
    kwargs.setdefault("overrides", SHORT)
    env = gym.make(ENV_ID, **kwargs)
    assert isinstance(env.unwrapped, OperatorSeatEnv)
    return env.unwrapped


def play(env: OperatorSeatEnv, seed: int, actions: list[int]) -> dict[str, Any]:
    """One whole episode, the actions used in turn (cycled); everything it returned."""
    obs, info = env.reset(seed=seed)
    out: dict[str, Any] = {"obs": [obs], "rewards": [], "infos": [info]}
    step = 0
    while True:
        assert env.observation_space.contains(obs)
        obs, reward, terminated, truncated, info = env.step(actions[step % len(actions)])
        step += 1
        out["obs"].append(obs)
        out["rewards"].append(reward)
        out["infos"].append(info)
        assert not truncated
        if terminated:
            break
    out["log"] = "".join(dumps(e) + "\n" for e in env.events)
    return out


def test_import_registers_the_env_and_check_env_passes_without_warnings():
    assert ENV_ID in gym.registry
    assert gym.registry[ENV_ID].entry_point == "hmt_sim.env.seat:OperatorSeatEnv"
    env = make(render_mode="ansi")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any Gymnasium checker warning fails the test
        check_env(env)
    assert env.action_space == gym.spaces.Discrete(4)
    env.reset(seed=1)
    assert "AI says" in (env.render() or "")


def test_importing_the_package_registers_without_loading_the_engine():
    code = ("import sys, gymnasium, hmt_sim.env; "
            "assert 'hmt_sim/OperatorSeat-v0' in gymnasium.registry; "
            "print(sorted(m for m in sys.modules if m.startswith(('hmt_sim.', 'mesa', 'simpy'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['hmt_sim.env']"


@pytest.mark.parametrize("level", [3, 6])
def test_check_env_passes_for_manual_and_veto_cards(level: int):
    env = make(overrides={**SHORT, "autonomy.level": level})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env)
    seen = {i["card"]["protocol"] for i in play(env, 2, [APPROVE])["infos"] if "card" in i}
    assert ("manual" if level == 3 else "veto") in seen


@pytest.mark.parametrize("scenario", [s[0] for s in list_bundled()])
def test_every_bundled_scenario_gives_a_seat_that_plays_to_its_end(scenario: str):
    env = make(scenario=scenario, overrides={"run.duration_s": 240})
    env.action_space.seed(3)
    obs, info = env.reset(seed=3)
    terminated = False
    while not terminated:
        assert env.observation_space.contains(obs)
        obs, _, terminated, _, info = env.step(env.action_space.sample())
    assert info["t"] == pytest.approx(240.0)


def test_default_keywords_give_cards_from_the_default_scenario():
    env = gym.make(ENV_ID).unwrapped
    obs, info = env.reset(seed=5)
    assert info["card"]["operator"] == 0
    assert info["card"]["protocol"] == "approval" and info["card"]["level"] == 5
    assert obs["card"][0] == 1.0  # has_card


def test_same_seed_and_actions_give_the_same_episode_and_log():
    actions = [INSPECT, APPROVE, WAIT, REJECT, APPROVE]
    a = play(make(), 11, actions)
    b = play(make(), 11, actions)
    assert len(a["obs"]) == len(b["obs"]) > 3
    for x, y in zip(a["obs"], b["obs"], strict=True):
        for part in x:
            np.testing.assert_array_equal(x[part], y[part])
    assert a["rewards"] == b["rewards"]
    assert a["infos"] == b["infos"]
    assert a["log"] == b["log"]
    c = play(make(), 12, actions)  # another seed is another episode
    assert c["log"] != a["log"]


def test_an_episode_replays_from_its_session_inputs():
    env = make()
    out = play(env, 13, [INSPECT, APPROVE, REJECT, WAIT])
    s = env.session
    again = Session(s.scenario, seed=out["infos"][0]["seed"], human_seats=["operator/0"],
                    inputs=s.inputs).run_to_end()
    assert "".join(dumps(e) + "\n" for e in again.events) == out["log"]
    assert sum(1 for i in s.inputs if i["type"] == "inspect") > 0


def test_unseeded_resets_follow_from_the_first_seed():
    env1, env2 = make(), make()
    env1.reset(seed=3)
    env2.reset(seed=3)
    seeds1 = [env1.reset()[1]["seed"] for _ in range(2)]
    seeds2 = [env2.reset()[1]["seed"] for _ in range(2)]
    assert seeds1 == seeds2 and seeds1[0] != seeds1[1] and 3 not in seeds1


def test_a_random_policy_runs_an_episode_to_the_scenario_end():
    env = make()
    env.action_space.seed(0)
    env.reset(seed=2)
    steps, terminated = 0, False
    while not terminated:
        obs, _, terminated, _, info = env.step(env.action_space.sample())
        assert env.observation_space.contains(obs)
        steps += 1
    assert steps > 5
    assert info["t"] == pytest.approx(300.0) and "card" not in info
    assert env.events[-1]["kind"] == "run_ended"
    assert obs["card"][0] == 0.0  # no card at the end
    with pytest.raises(InputError, match="episode has ended"):
        env.step(WAIT)


def test_reward_is_the_documented_weighting_of_metric_changes():
    weights = {**DEFAULT_REWARD_WEIGHTS, "harm.harm_by_region.city": -0.5,
               "control.rubber_stamp_rate": -3.0}
    env = make(reward_weights=weights)
    out = play(env, 4, [APPROVE])
    log = env.events

    def value(n: int, key: str) -> float:
        return float(flatten(compute_metrics(log[:n])).get(key) or 0.0)

    counts = [info["event_count"] for info in out["infos"]]
    for i, reward in enumerate(out["rewards"]):
        expected = sum(w * (value(counts[i + 1], k) - value(counts[i], k))
                       for k, w in weights.items())
        assert reward == pytest.approx(expected, abs=1e-9), f"step {i}"
    # Over the episode: the weighted change from the first observation to the end of the run.
    total = sum(w * (value(len(log), k) - value(counts[0], k)) for k, w in weights.items())
    assert math.fsum(out["rewards"]) == pytest.approx(total, abs=1e-9)
    assert counts[-1] == len(log)
    assert any(r != 0 for r in out["rewards"])  # the weighting was exercised


def test_actions_answer_the_oldest_card_of_the_seat():
    env = make(seat="operator/1")
    _, info = env.reset(seed=6)
    card = info["card"]
    assert card["operator"] == 1
    *_, info = env.step(REJECT)
    veto = [e for e in env.events if e["kind"] == "veto" and e["decision"] == card["decision"]]
    assert veto and veto[0]["operator"] == 1 and veto[0]["by"] == "person"

    card, t0 = info["card"], info["t"]
    assert card["operator"] == 1 and card["decision"] != veto[0]["decision"]
    *_, info = env.step(INSPECT)
    t_inspect = info["t"]
    assert t_inspect > t0  # inspecting costs the operator's time
    assert info["card"]["decision"] == card["decision"] and info["card"]["inspected"]
    shown = env.game.inspection(1)  # what Session.inspect returned, now in the observation
    obs = env.game.observe(1)
    fields = env.observation_fields["inspection"]
    assert shown is not None and obs["inspection"][fields.index("shown")] == 1.0
    assert obs["inspection"][fields.index("region_bias")] == pytest.approx(shown["region_bias"])
    assert obs["inspection"][fields.index("recommendations")] == len(shown["recommendations"])
    env.step(APPROVE)
    ok = [e for e in env.events if e["kind"] == "approval" and e["decision"] == card["decision"]]
    assert ok and ok[0]["verified"] is True and ok[0]["by"] == "person"
    # the verification is the time the seat really spent from Inspect to its answer
    ver = [e for e in env.events if e["kind"] == "verification"
           and e["decision"] == card["decision"]]
    assert len(ver) == 1 and ver[0]["by"] == "person" and ver[0]["t"] == ok[0]["t"]
    assert ver[0]["duration_s"] == pytest.approx(ok[0]["t"] - t0, abs=1e-6)


def test_wait_lets_wait_s_pass_and_keeps_the_card():
    env = make(wait_s=2.5)
    _, info = env.reset(seed=8)
    obs, _, _, _, after = env.step(WAIT)
    assert after["t"] == pytest.approx(info["t"] + 2.5)
    assert after["card"]["decision"] == info["card"]["decision"]
    assert obs["card"][env.observation_fields["card"].index("waiting_s")] == pytest.approx(
        after["card"]["waiting_s"], rel=1e-6)


def test_veto_cards_show_the_time_left_in_the_window():
    env = make(overrides={**SHORT, "autonomy.level": 6})
    obs, info = env.reset(seed=9)
    fields = env.observation_fields["card"]
    assert info["card"]["protocol"] == "veto"
    assert env.session.pending_decisions()[0]["time_left_s"] is None  # the session's card
    assert obs["card"][fields.index("protocol.veto")] == 1.0
    left = obs["card"][fields.index("time_left_s")]
    assert 0.0 < left <= env.game.scenario.autonomy.veto_window_s
    assert info["card"]["time_left_s"] == pytest.approx(left)  # info shows the window too
    *_, later = env.step(WAIT)
    if later["card"]["decision"] == info["card"]["decision"]:
        assert later["card"]["time_left_s"] == pytest.approx(left - 1.0, abs=1e-5)


TRUTH = ("true_class", "correct", "accuracy", "ai_accuracy")


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in TRUTH}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def test_observation_is_built_without_ground_truth():
    """Rebuilt from a log, snapshot and cards with every truth field removed, the observation
    is the same: the observer reads none of them (assessments keep ``ai_correct``, the truth
    the engine reveals to operators after a delay)."""
    env = make()
    env.reset(seed=1)
    for action in [WAIT, APPROVE, INSPECT, APPROVE, REJECT, WAIT, APPROVE, INSPECT]:
        obs, *_ = env.step(action)
    fresh = Observer(env.game.scenario, env.game.layout, env.game.recent_s)
    stripped = _strip(list(env.events))
    assert not any(k in e for e in stripped for k in TRUTH)
    fresh.update(stripped)
    live = env.game.live
    pending = live.pending_decisions()
    again = fresh.observe(live.now, 0, _strip([c for c in pending if c["operator"] == 0]),
                          len(pending), _strip(live.snapshot()), _strip(env.game.inspection(0)))
    for part in obs:
        np.testing.assert_array_equal(obs[part], again[part])
    assert obs["recent"].sum() > 0 or obs["track"][0] == 1.0  # something was observed


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"scenario": "airbase_swam"}, "did you mean 'airbase_swarm'"),
    ({"seat": "pilot"}, "unknown seat 'pilot'; allowed: operator, operator/0, operator/1"),
    ({"seat": "operator/7"}, "has 2 operator seat"),
    ({"seat": 0}, "seat must be a string"),
    ({"reward_weights": {"harm.civilian_casualty": -1}},
     "unknown metric 'harm.civilian_casualty'; did you mean 'harm.civilian_casualties'"),
    ({"reward_weights": {"harm.harm_by_regoin.city": -1}}, "did you mean"),
    ({"reward_weights": {"mission.leakers": float("nan")}}, "finite number"),
    ({"reward_weights": {"mission.leakers": True}}, "finite number"),
    ({"reward_weights": {"escalation.score_table": 1}}, "a label, not a number"),
    ({"reward_weights": ["mission.leakers"]}, "must be a mapping"),
    ({"overrides": ["run.duration_s=300"]}, "overrides must be a mapping"),
    ({"overrides": {"run.duration_s": -5}}, "duration_s"),
    ({"wait_s": 0}, "wait_s must be a number of seconds > 0"),
    ({"recent_s": float("inf")}, "recent_s must be"),
    ({"render_mode": "human"}, "render_mode must be None or 'ansi'"),
])
@pytest.mark.filterwarnings("ignore:.*render_mode='human'")  # Gymnasium's own note, then ours
def test_bad_keyword_arguments_are_clear_errors(kwargs: dict[str, Any], message: str):
    kwargs.setdefault("overrides", SHORT)
    with pytest.raises(HmtError, match=re.escape(message)):
        gym.make(ENV_ID, **kwargs)


def test_bad_calls_are_clear_errors():
    env = make()
    with pytest.raises(InputError, match=r"call reset\(\) before step\(\)"):
        env.step(APPROVE)
    env.reset(seed=1)
    with pytest.raises(InputError, match="action must be 0-3"):
        env.step(4)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_vector_envs_batch_episodes(mode: str):
    """Gymnasium's vector envs (async: one worker process per env) batch the observation and
    info of episodes that end at different steps, veto and approval cards mixed."""
    envs = gym.make_vec(ENV_ID, num_envs=2, vectorization_mode=mode,
                        overrides={**SHORT, "autonomy.levels.jam": 6})
    try:
        envs.action_space.seed(0)
        obs, infos = envs.reset(seed=[1, 2])
        assert obs["card"].shape == (2, 14) and obs["card"].dtype == np.float32
        ended = np.zeros(2, dtype=bool)
        protocols: set[str] = set()
        while not ended.all():
            obs, _, terminated, truncated, infos = envs.step(envs.action_space.sample())
            assert not truncated.any()
            ended |= terminated
            protocols |= {str(p) for p in infos.get("card", {}).get("protocol", []) if p}
        assert {"approval", "veto"} <= protocols
    finally:
        envs.close()
