"""A PettingZoo parallel environment: one agent per operator seat, a shared team reward.

Agents are named by seat (``operator/0``, ``operator/1`` ...). Each step every agent with a card
acts on its oldest card (one left out of the actions dict waits); the action of an agent without
a card is ignored. The step lasts as long as the slowest action (an inspection costs the
verification time), then the run goes on until some seat has a card or the scenario ends, when
every agent terminates together. All agents get the same reward: the weighted metric change of
the team (``hmt_sim.env.rewards``). Observations are those of ``OperatorSeat-v0``, per seat.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from hmt_sim.env.game import (
    ACTIONS,
    DEFAULT_SCENARIO,
    SeatGame,
    open_scenario,
)
from hmt_sim.env.seat import SEED_BOUND
from hmt_sim.errors import InputError
from hmt_sim.events import Event
from hmt_sim.scenario import Scenario
from hmt_sim.session import Session, seat_index, seat_names


class OperatorSeatsParallelEnv(ParallelEnv[str, dict[str, Any], int]):
    """Every operator seat of a scenario (or the ``seats`` named) as a PettingZoo agent.

    Keyword arguments as ``OperatorSeatEnv``, with ``seats`` (a list of seat names; default all
    operator seats) instead of ``seat``. ``reset(seed=N)`` runs the scenario with seed N.
    """

    metadata = {"name": "hmt_sim_operator_seats_v0", "render_modes": []}  # noqa: RUF012

    def __init__(self, scenario: str | os.PathLike[str] | Scenario = DEFAULT_SCENARIO,
                 overrides: Mapping[str, Any] | None = None, seats: list[str] | None = None,
                 reward_weights: Mapping[str, float] | None = None, wait_s: float = 1.0,
                 recent_s: float = 120.0) -> None:
        sc = open_scenario(scenario, overrides)
        names = seat_names(sc.operators.count) if seats is None else list(seats)
        if not names:
            raise InputError("seats: name at least one seat, such as ['operator/0']")
        index = {name: seat_index(name, sc.operators.count) for name in names}
        if len(set(index.values())) != len(index):
            raise InputError(f"seats: each seat once, got {names!r}")
        self._index = {f"operator/{i}": i for i in sorted(index.values())}
        self.possible_agents = list(self._index)
        self.agents: list[str] = []
        self.game = SeatGame(sc, tuple(self._index.values()), reward_weights=reward_weights,
                             wait_s=wait_s, recent_s=recent_s)
        self.observation_fields = self.game.layout.fields
        self._obs_spaces = {a: self.game.layout.space() for a in self.possible_agents}
        self._act_spaces = {a: spaces.Discrete(len(ACTIONS)) for a in self.possible_agents}
        self._rng: np.random.Generator | None = None

    def observation_space(self, agent: str) -> spaces.Space[Any]:
        """The agent's observation space (the same object on every call)."""
        return self._obs_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space[Any]:
        """``Discrete(4)``: 0 approve, 1 reject, 2 inspect, 3 wait (the same object each call)."""
        return self._act_spaces[agent]

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        """Start an episode with run seed ``seed`` (without one, the next seed is drawn from
        the env's generator, itself seeded by the last seed given). ``options`` are unused."""
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        elif self._rng is None:
            self._rng = np.random.default_rng()
        run_seed = seed if seed is not None else int(self._rng.integers(SEED_BOUND))
        self.game.start(int(run_seed))
        self.agents = list(self.possible_agents)
        terms = self.game.no_reward()
        return ({a: self.game.observe(i) for a, i in self._index.items()},
                {a: self.game.info(i, terms) for a, i in self._index.items()})

    def step(self, actions: dict[str, Any]) -> tuple[
            dict[str, dict[str, Any]], dict[str, float], dict[str, bool], dict[str, bool],
            dict[str, dict[str, Any]]]:
        """Every live agent with a card acts; then the run goes on to the next card."""
        if not self.agents:
            raise InputError("no live agents: call reset() first (after the end too)")
        unknown = sorted(set(actions) - set(self.agents))
        if unknown:
            raise InputError(f"actions for unknown or finished agents {unknown}; live agents: "
                             f"{', '.join(self.agents)}")
        for agent, action in actions.items():
            if not self._act_spaces[agent].contains(action):
                raise InputError(f"{agent}: action must be 0-3 ({', '.join(ACTIONS)}), got "
                                 f"{action!r}")
        # Seats act in seat order; each answers its own card, so the order changes nothing
        # but the order of the input events in the log, which it keeps fixed. A seat with a
        # card and no action waits (so time passes even for an empty actions dict).
        wait = ACTIONS.index("wait")
        spent = max((self.game.act(self._index[a], int(actions.get(a, wait)))
                     for a in self.agents), default=0.0)
        self.game.run_on(spent)
        reward, terms = self.game.reward()
        done = self.game.finished
        live = list(self.agents)
        out = ({a: self.game.observe(self._index[a]) for a in live},
               dict.fromkeys(live, reward), dict.fromkeys(live, done),
               dict.fromkeys(live, False),
               {a: self.game.info(self._index[a], terms) for a in live})
        if done:
            self.agents = []
        return out

    @property
    def session(self) -> Session:
        """The current episode's ``Session``: its ``inputs`` with ``scenario`` and the seed
        replay the episode exactly, in ``Session`` or ``hmt-sim`` tools."""
        return self.game.live

    @property
    def events(self) -> list[Event]:
        """The event log of the current episode (the session's own list: read, do not edit)."""
        return self.game.live.events

    def render(self) -> None:
        """No rendering: the event log (``events``) tells the episode."""
        return None

    def close(self) -> None:
        """Nothing to release."""
