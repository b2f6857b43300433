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

import importlib
from typing import TYPE_CHECKING, Any

try:
    import gymnasium
except ImportError:  # pragma: no cover - depends on the installation
    raise ImportError(
        "hmt_sim.env needs Gymnasium: pip install 'hmt-sim[rl]' (gymnasium and pettingzoo)"
    ) from None

if TYPE_CHECKING:  # pragma: no cover
    from hmt_sim.env.game import ACTIONS, DEFAULT_OVERRIDES, DEFAULT_SCENARIO
    from hmt_sim.env.parallel import OperatorSeatsParallelEnv
    from hmt_sim.env.rewards import DEFAULT_REWARD_WEIGHTS
    from hmt_sim.env.seat import OperatorSeatEnv

ENV_ID = "hmt_sim/OperatorSeat-v0"

# Registration needs only the entry point's name: the engine loads when an env is made, so
# `import hmt_sim.env` stays as cheap as importing Gymnasium.
if ENV_ID not in gymnasium.registry:  # Gymnasium's registry is designed as module-level state
    gymnasium.register(id=ENV_ID, entry_point="hmt_sim.env.seat:OperatorSeatEnv")

_LAZY = {
    "ACTIONS": "hmt_sim.env.game",
    "DEFAULT_OVERRIDES": "hmt_sim.env.game",
    "DEFAULT_SCENARIO": "hmt_sim.env.game",
    "DEFAULT_REWARD_WEIGHTS": "hmt_sim.env.rewards",
    "OperatorSeatEnv": "hmt_sim.env.seat",
    "OperatorSeatsParallelEnv": "hmt_sim.env.parallel",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hmt_sim.env' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


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
    "OperatorSeatsParallelEnv",
    "parallel_env",
]
