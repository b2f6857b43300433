"""``hmt_sim/OperatorSeat-v0``: a Gymnasium environment in which the agent is one operator.

The other seats are model operators. Each step the agent answers the oldest card waiting in its
seat (approve, reject, inspect, wait); the run then goes on until the seat has a card again or
the scenario ends (``terminated``). The reward is a weighted sum of metric changes
(``hmt_sim.env.rewards``). ``reset(seed=N)`` runs the scenario with seed N, so the same seed and
the same actions give the same episode and the same event log. docs/gymnasium.md has the details.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from hmt_sim.env.game import (
    ACTIONS,
    DEFAULT_SCENARIO,
    SeatGame,
    open_scenario,
)
from hmt_sim.errors import InputError
from hmt_sim.events import Event
from hmt_sim.scenario import Scenario
from hmt_sim.session import Session, seat_index

Observation = dict[str, Any]  # part name -> float32 vector (typed as Gymnasium's Dict)
SEED_BOUND = 2**31 - 1  # run seeds drawn by an unseeded reset lie in [0, SEED_BOUND)


class OperatorSeatEnv(gym.Env[Observation, np.int64]):
    """One operator seat of an hmt-sim scenario as a Gymnasium environment.

    Keyword arguments: ``scenario`` (bundled name, YAML path or ``Scenario``; default
    ``airbase_swarm``), ``overrides`` (dotted keys applied after ``autonomy.level: 5``), ``seat``
    (``"operator/N"``, default ``"operator/0"``), ``reward_weights`` (metric name -> weight;
    default ``DEFAULT_REWARD_WEIGHTS``), ``wait_s`` (seconds a ``wait`` lasts, and the polling
    slice while no card is waiting; default 1), ``recent_s`` (window of the ``recent``
    observation; default 120) and ``render_mode`` (``None`` or ``"ansi"``).
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}  # noqa: RUF012 (Gymnasium API)
    ACTIONS = ACTIONS

    def __init__(self, scenario: str | os.PathLike[str] | Scenario = DEFAULT_SCENARIO,
                 overrides: Mapping[str, Any] | None = None, seat: str = "operator/0",
                 reward_weights: Mapping[str, float] | None = None, wait_s: float = 1.0,
                 recent_s: float = 120.0, render_mode: str | None = None) -> None:
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise InputError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        sc = open_scenario(scenario, overrides)
        self.seat = seat_index(seat, sc.operators.count)
        self.game = SeatGame(sc, (self.seat,), reward_weights=reward_weights, wait_s=wait_s,
                             recent_s=recent_s)
        self.render_mode = render_mode
        self.action_space = spaces.Discrete(len(ACTIONS))
        self.observation_space = self.game.layout.space()
        self.observation_fields = self.game.layout.fields
        self.reward_weights = dict(self.game.meter.weights)
        self._started = False

    @property
    def session(self) -> Session:
        """The current episode's ``Session``: its ``inputs`` with ``scenario`` and the seed
        replay the episode exactly, in ``Session`` or ``hmt-sim`` tools."""
        return self.game.live

    @property
    def events(self) -> list[Event]:
        """The event log of the current episode (the session's own list: read, do not edit)."""
        return self.game.live.events

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[Observation, dict[str, Any]]:
        """Start an episode. ``seed`` is the run's seed; without one, the next seed is drawn
        from the env's generator (so a sequence of episodes follows from the first seed).
        ``options`` are accepted and unused."""
        super().reset(seed=seed)
        run_seed = seed if seed is not None else int(self.np_random.integers(SEED_BOUND))
        self.game.start(int(run_seed))
        self._started = True
        return self.game.observe(self.seat), self.game.info(self.seat, self.game.no_reward())

    def step(self, action: Any) -> tuple[Observation, float, bool, bool, dict[str, Any]]:
        """Answer the oldest card with ``action`` (0 approve, 1 reject, 2 inspect, 3 wait) and
        run on to the next card; ``terminated`` when the scenario has ended."""
        if not self._started:
            raise InputError("call reset() before step()")
        if self.game.finished:
            raise InputError("the episode has ended (terminated); call reset()")
        if not self.action_space.contains(action):
            raise InputError(f"action must be 0-3 ({', '.join(ACTIONS)}), got {action!r}")
        spent = self.game.act(self.seat, int(action))
        self.game.run_on(spent)
        reward, terms = self.game.reward()
        return (self.game.observe(self.seat), reward, self.game.finished, False,
                self.game.info(self.seat, terms))

    def render(self) -> str | None:
        """``"ansi"``: one line describing the card in front of the agent."""
        if self.render_mode != "ansi" or not self._started:
            return None
        return self.game.describe(self.seat)
