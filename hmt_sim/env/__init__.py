"""Reinforcement learning on hmt-sim: an operator seat for Gymnasium, every seat for PettingZoo.

``import hmt_sim.env`` registers ``hmt_sim/OperatorSeat-v0``::

    import gymnasium as gym
    import hmt_sim.env  # noqa: F401  (registers the environment)
    env = gym.make("hmt_sim/OperatorSeat-v0", overrides={"run.duration_s": 300})
    obs, info = env.reset(seed=7)

``hmt_sim.env.parallel_env(...)`` gives the PettingZoo parallel environment with one agent per
operator seat. Both need the ``rl`` extra (``pip install 'hmt-sim[rl]'``); docs/gymnasium.md
describes steps, observations, actions, rewards and seeding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    import gymnasium
except ImportError:  # pragma: no cover - depends on the installation
    raise ImportError(
        "hmt_sim.env needs Gymnasium: pip install 'hmt-sim[rl]' (gymnasium and pettingzoo)"
    ) from None

from hmt_sim.env.game import ACTIONS, DEFAULT_OVERRIDES, DEFAULT_SCENARIO
from hmt_sim.env.rewards import DEFAULT_REWARD_WEIGHTS
from hmt_sim.env.seat import OperatorSeatEnv

if TYPE_CHECKING:  # pragma: no cover
    from hmt_sim.env.parallel import OperatorSeatsParallelEnv

ENV_ID = "hmt_sim/OperatorSeat-v0"

if ENV_ID not in gymnasium.registry:  # a registry designed as module-level state
    gymnasium.register(id=ENV_ID, entry_point="hmt_sim.env.seat:OperatorSeatEnv")


def parallel_env(**kwargs: Any) -> OperatorSeatsParallelEnv:
    """The PettingZoo parallel environment: one agent per operator seat (needs pettingzoo)."""
    from hmt_sim.env.parallel import OperatorSeatsParallelEnv

    return OperatorSeatsParallelEnv(**kwargs)


__all__ = [
    "ACTIONS",
    "DEFAULT_OVERRIDES",
    "DEFAULT_REWARD_WEIGHTS",
    "DEFAULT_SCENARIO",
    "ENV_ID",
    "OperatorSeatEnv",
    "parallel_env",
]
