"""A monitored track's watch (``decisions._watch``) sleeps through the re-judging ticks on which
the built-in AI's call cannot have changed. The log must be the log of a watch that judges on
every tick: same events, same times, whatever changes the AI's condition mid-run (injects, a
facilitator's reliability slider), and over a region edge."""

from __future__ import annotations

import json
from typing import Any

import pytest
import simpy

from hmt_sim import decisions
from hmt_sim.agents.ai import AIAgent
from hmt_sim.decisions import exact_delay
from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session


def run(name: str, seed: int, every_tick: bool, monkeypatch: pytest.MonkeyPatch,
        reliability_at: tuple[float, float] | None = None,
        overrides: dict[str, Any] | None = None) -> tuple[list[str], int]:
    """The event log of one run as JSON lines, and how many SimPy events it processed;
    ``every_tick`` makes the watch judge on every tick (the behaviour it must equal)."""
    with monkeypatch.context() as patch:
        if every_tick:
            patch.setattr(AIAgent, "calls_follow_condition", lambda self: False)
        steps = 0
        original_step = simpy.Environment.step

        def counted(env: simpy.Environment) -> None:
            nonlocal steps
            steps += 1
            original_step(env)

        patch.setattr(simpy.Environment, "step", counted)
        session = Session(load_scenario(name, overrides=overrides or {}), seed=seed)
        if reliability_at is not None:
            at, value = reliability_at
            session.run_to(at)
            session.set_reliability(value)
        session.run_to_end()
        return [json.dumps(e) for e in session.model.log.events], steps


CASES = [("air_defence_airliner", 1), ("air_defence_airliner", 2),  # spoofing, drift injects
         ("deception_drift", 1), ("deception_drift", 3), ("airbase_swarm", 1),
         ("airbase_swarm", 4), ("maritime_standoff", 2), ("urban_nomination", 1)]


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_the_log_equals_judging_on_every_tick(name: str, seed: int,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    every, every_steps = run(name, seed, True, monkeypatch)
    slept, slept_steps = run(name, seed, False, monkeypatch)
    assert slept == every
    assert slept_steps < every_steps  # it did sleep through ticks
    if (name, seed) == ("air_defence_airliner", 1):
        # a call flips after the spoofing and drift injects: the comparison can tell
        assert any('"update": true' in line for line in every)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_reliability_change_mid_run_wakes_the_watch(seed: int,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # a facilitator drops the AI's reliability mid-run: calls on monitored tracks flip on the
    # next tick of each watch, as when every tick was judged
    every, _ = run("airbase_swarm", seed, True, monkeypatch, reliability_at=(200.0, 0.3))
    slept, _ = run("airbase_swarm", seed, False, monkeypatch, reliability_at=(200.0, 0.3))
    assert slept == every
    updates_after = [line for line in every
                     if '"update": true' in line and json.loads(line)["t"] > 200.0]
    assert updates_after  # the change did flip calls, so the test can tell


def test_ticks_short_against_the_run_are_still_equal(monkeypatch: pytest.MonkeyPatch) -> None:
    # many ticks per crossing: the grid is walked in long sleeps, its float sums kept exact
    overrides = {"ai.rejudge_s": 0.7}
    every, every_steps = run("air_defence_airliner", 2, True, monkeypatch, overrides=overrides)
    slept, slept_steps = run("air_defence_airliner", 2, False, monkeypatch,
                             overrides=overrides)
    assert slept == every
    assert slept_steps < every_steps / 2


@pytest.mark.parametrize(("now", "t"), [
    (0.0, 30.0), (140.34255218245028, 170.34255218245028), (1e-9, 1.0),
    (260.342552182, 1234.567891234), (0.1 + 0.2, 0.6000000000000001 + 30.0),
])
def test_exact_delay_lands_on_the_tick(now: float, t: float) -> None:
    assert now + exact_delay(now, t) == t


def test_a_change_at_the_very_instant_of_a_tick_is_judged_on_that_tick(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The exact instants the every-tick watch judged on (not rounded, as the log's are).
    judged_at: list[float] = []
    original = decisions._judge

    def noting(ctx: Any, track: int, case: Any, previous: Any) -> Any:
        if previous is not None:
            judged_at.append(ctx.env.now)
        return original(ctx, track, case, previous)

    with monkeypatch.context() as patch:
        patch.setattr(decisions, "_judge", noting)
        run("airbase_swarm", 1, True, monkeypatch)
    at = next(t for t in judged_at if t > 100.0)  # a re-judging tick, to the last bit
    every, _ = run("airbase_swarm", 1, True, monkeypatch, reliability_at=(at, 0.3))
    slept, _ = run("airbase_swarm", 1, False, monkeypatch, reliability_at=(at, 0.3))
    assert slept == every
    flipped = [json.loads(line) for line in every if '"update": true' in line]
    assert any(e["t"] == round(at, 6) for e in flipped)  # that tick saw the new reliability
