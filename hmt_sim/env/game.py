"""One episode in one or more operator seats, on the public ``Session`` API only.

Shared by the Gymnasium env (one seat) and the PettingZoo env (every seat). A step is: each seat
with a card acts on its oldest card (approve, reject, inspect or wait); the simulation then runs
for as long as the slowest of those actions takes (inspecting costs the operator's verification
time, waiting costs ``wait_s``), and on in ``wait_s`` slices until some seat has a card again or
the scenario ends. So an agent is never asked when it has nothing to decide.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from hmt_sim.env.observe import Card, ObservationLayout, Observer
from hmt_sim.env.rewards import RewardMeter, check_weights
from hmt_sim.errors import InputError
from hmt_sim.scenario import Scenario, load_scenario
from hmt_sim.session import Session

ACTIONS = ("approve", "reject", "inspect", "wait")
"""The meaning of each ``Discrete(4)`` action, by index."""

DEFAULT_SCENARIO = "airbase_swarm"
DEFAULT_OVERRIDES: Mapping[str, Any] = MappingProxyType({"autonomy.level": 5})
"""Applied before the caller's overrides. Level 5 (approval) routes every warn, jam and engage
recommendation to an operator, so the seat gets cards; ``autonomy.level: 6`` gives veto cards,
and ``autonomy.levels.engage: 6`` changes one action class only."""


def open_scenario(scenario: str | os.PathLike[str] | Scenario,
                  overrides: Mapping[str, Any] | None) -> Scenario:
    """A scenario name or path is loaded with ``DEFAULT_OVERRIDES`` and then ``overrides``; a
    ``Scenario`` object is used as it is (it cannot take overrides)."""
    if overrides is not None and not isinstance(overrides, Mapping):
        raise InputError(f"overrides must be a mapping such as {{'run.duration_s': 300}}, got "
                         f"{type(overrides).__name__}")
    if isinstance(scenario, Scenario):
        if overrides:
            raise InputError("overrides apply to a scenario name or path; a Scenario object is "
                             "used as it is (load it with load_scenario(..., overrides=...))")
        return scenario
    if not isinstance(scenario, str | os.PathLike):
        raise InputError(f"scenario must be a bundled scenario name, a YAML path or a Scenario, "
                         f"got {type(scenario).__name__}")
    return load_scenario(scenario, overrides={**DEFAULT_OVERRIDES, **(overrides or {})})


def check_seconds(name: str, value: Any) -> float:
    """A positive, finite number of seconds, else ``InputError`` naming the argument."""
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not np.isfinite(value) or value <= 0:
        raise InputError(f"{name} must be a number of seconds > 0, got {value!r}")
    return float(value)


class SeatGame:
    """The session of one episode seen from the given seats, with its observer and reward."""

    def __init__(self, scenario: Scenario, seats: tuple[int, ...], *,
                 reward_weights: Mapping[str, float] | None, wait_s: float,
                 recent_s: float) -> None:
        self.scenario = scenario
        self.seats = seats
        self.wait_s = check_seconds("wait_s", wait_s)
        self.recent_s = check_seconds("recent_s", recent_s)
        self.meter = RewardMeter(check_weights(reward_weights))
        self.human_seats = [f"operator/{i}" for i in seats]
        # A probe session (it runs nothing) gives the action classes that carry a level.
        probe = Session(scenario, seed=scenario.run.seed, human_seats=self.human_seats)
        self.actions = tuple(probe.snapshot()["levels"])
        self.layout = ObservationLayout.for_scenario(scenario, self.actions)
        self.observer = Observer(scenario, self.layout, self.recent_s)
        self.session: Session | None = None
        self.seed: int | None = None
        self._shown: dict[tuple[int, int], dict[str, Any]] = {}  # (decision, seat) -> inspect

    # ---------------------------------------------------------------- episode
    def start(self, seed: int) -> None:
        """A new session with this seed, run on to the first card (or the end)."""
        if self.session is not None:
            self.session.model.close()  # let the last episode go at once (HMTModel.close)
        self.session = Session(self.scenario, seed=seed, human_seats=self.human_seats)
        self.seed = seed
        self._shown = {}
        self.observer.reset()
        self.run_on(0.0)
        self.meter.reset(self.session.events)  # rewards count from the first observation on

    @property
    def live(self) -> Session:
        """The running session (``reset`` must come first)."""
        if self.session is None:
            raise InputError("call reset() before step()")
        return self.session

    @property
    def finished(self) -> bool:
        """The scenario has reached its end."""
        return self.live.finished

    def pending(self) -> list[Card]:
        """Every card waiting for a person; none once the run has ended (nothing can be
        answered then, even if a review was still open at the end)."""
        s = self.live
        return [] if s.finished else s.pending_decisions()

    def cards(self, seat: int) -> list[Card]:
        """The seat's pending cards in the session's order (oldest decision first)."""
        return [c for c in self.pending() if c["operator"] == seat]

    def act(self, seat: int, action: int) -> float:
        """Apply one action to the seat's oldest card; returns the seconds it takes."""
        cards = self.cards(seat)
        if not cards:
            return 0.0
        card = cards[0]
        name = ACTIONS[action]
        if name in ("approve", "reject"):
            self.live.decide(card["decision"], name, operator=seat)
            return 0.0
        if name == "inspect":
            shown = self.live.inspect(card["decision"], operator=seat)
            self._shown[(card["decision"], seat)] = shown
            # a person's verification lasts until the answer; the step takes a model
            # operator's verification time
            spent = float(shown.get("time_needed_s", 0.0))
            return spent if spent > 0 else self.wait_s
        return self.wait_s

    def run_on(self, spent: float) -> None:
        """Let ``spent`` seconds pass, then run until a seat has a card or the run ends."""
        s = self.live
        if spent > 0 and not s.finished:
            s.advance(spent)
        while not s.finished and not any(c["operator"] in self.seats
                                         for c in s.pending_decisions()):
            s.advance(self.wait_s)
        self.observer.update(s.events)

    def no_reward(self) -> dict[str, float]:
        """Reward terms of an observation that follows no action (a reset)."""
        return dict.fromkeys(self.meter.weights, 0.0)

    def reward(self) -> tuple[float, dict[str, float]]:
        """The weighted metric change since the previous call."""
        return self.meter.reward(self.live.events)

    # ------------------------------------------------------------------ views
    def observe(self, seat: int) -> dict[str, np.ndarray]:
        """The seat's observation now."""
        s = self.live
        pending = self.pending()
        mine = [c for c in pending if c["operator"] == seat]
        return self.observer.observe(s.now, seat, mine, len(pending), s.snapshot(),
                                     self.inspection(seat))

    def inspection(self, seat: int) -> dict[str, Any] | None:
        """What inspecting the seat's current card showed (``Session.inspect``), if it was."""
        cards = self.cards(seat)
        return self._shown.get((cards[0]["decision"], seat)) if cards else None

    def info(self, seat: int, terms: Mapping[str, float]) -> dict[str, Any]:
        """What the step's info dict carries: the clock, the run's seed, the length of the event
        log so far (``events[:event_count]`` is the log this observation saw), each reward term
        and, when there is one, the card shown (as the session gives it: ids, action, label,
        explanation; ``time_left_s`` is always a number, on a veto card the window's)."""
        cards = self.cards(seat)
        info: dict[str, Any] = {
            "t": self.live.now,
            "seed": self.seed,
            "event_count": len(self.live.events),
            "reward_terms": dict(terms),
        }
        if cards:  # absent, not None, without a card: vector envs batch each key by its type
            now = self.live.now
            info["card"] = {**cards[0],
                            "time_left_s": self.observer.time_left(now, seat, cards[0])}
        return info

    def describe(self, seat: int) -> str:
        """One line for ``render_mode="ansi"``."""
        s = self.live
        cards = self.cards(seat)
        head = f"t={s.now:7.1f}s operator/{seat}"
        if not cards:
            return f"{head}: no card" + (" (run ended)" if s.finished else "")
        c = cards[0]
        left = "veto window" if c["time_left_s"] is None else f"{c['time_left_s']:.0f}s left"
        return (f"{head}: decision {c['decision']} track {c['track']}: {c['action']}? AI says "
                f"{c['label']} ({c['confidence']:.0%}), level {c['level']} {c['protocol']}, "
                f"{left}, {len(cards)} card(s) waiting")
