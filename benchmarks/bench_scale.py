"""Scale benchmarks (issue 14): 100x the contacts with the operators scaled alike costs at most
100x the time, and the bundled 2,000-drone ``mass_swarm`` runs at 200x real time or more.

Run: ``.venv/bin/python -m pytest -m benchmark benchmarks/bench_scale.py -s``. The small and the
large run alternate round by round and each figure is the median of the rounds, so a busy machine
slows both sides of the ratio alike. Both wall and CPU time (this process's) are printed; the
assertions use CPU time, which other people's work on a shared machine does not inflate.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import pytest

from hmt_sim.scenario import Scenario, load_scenario
from hmt_sim.scenario.schema import CivilianSurge
from hmt_sim.session import simulate

pytestmark = pytest.mark.benchmark

BASE = "airbase_swarm"
FACTOR = 100


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one call of ``fn``."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def scaled(factor: int) -> Scenario:
    """The base scenario with ``factor`` times the contacts in the same time window (counts up,
    intervals down) and ``factor`` times the operators, so the load per person stays the same.

    Every contact the scenario can launch is launched, so the large run has exactly ``factor``
    times the contacts of the small one: the civilian surge inject is scaled too, and a wave
    that waits for red to reach a rung (``trigger_rung``) starts at its own time instead. (With
    the trigger, whether that wave came depended on how the run went: at seed 2 the small run
    stayed below the rung and the large run did not, 41 contacts against 4,803, 117x.)"""
    base = load_scenario(BASE)
    overrides: dict[str, object] = {"operators.count": base.operators.count * factor}
    for group, items in (("red.waves", base.red.waves), ("traffic", base.traffic)):
        for i, item in enumerate(items):
            overrides[f"{group}.{i}.count"] = item.count * factor
            overrides[f"{group}.{i}.interval_s"] = item.interval_s / factor
    for i, wave in enumerate(base.red.waves):
        if wave.trigger_rung is not None:
            overrides[f"red.waves.{i}.trigger_rung"] = None
    for i, inject in enumerate(base.injects):
        if isinstance(inject, CivilianSurge):
            overrides[f"injects.{i}.traffic.count"] = inject.traffic.count * factor
            overrides[f"injects.{i}.traffic.interval_s"] = inject.traffic.interval_s / factor
    return load_scenario(BASE, overrides=overrides)


def contacts(sc: Scenario) -> int:
    """Contacts the scenario launches: waves, traffic and civilian surges."""
    return (sum(w.count for w in sc.red.waves) + sum(t.count for t in sc.traffic)
            + sum(i.traffic.count for i in sc.injects if isinstance(i, CivilianSurge)))


def work_mix(events: list[dict[str, object]]) -> str:
    """What a run's contacts cost the model, per contact: events logged, and reviews in which
    an operator judged a recommendation (approve, veto, or let a veto window run) rather than
    timing out or being told afterwards - the costliest work an event can stand for."""
    spawned = sum(1 for e in events if e["kind"] == "spawn")
    judged = sum(1 for e in events if e["kind"] == "review_ended"
                 and e.get("outcome") in ("approve", "veto", "no_veto", "act", "leave"))
    return (f"{spawned} contacts spawned, {len(events) / spawned:.1f} events and "
            f"{judged / spawned:.2f} judged reviews per contact")


SEEDS = (1, 2, 3)
"""Each side of the ratio is the time of these seeds' runs together: how much a run costs
differs from seed to seed (at 100x the contacts 1.1-1.3x), so one seed's ratio is a draw."""


def spawned(events: list[dict[str, object]]) -> int:
    """Contacts a run placed in the world."""
    return sum(1 for e in events if e["kind"] == "spawn")


def test_a_hundred_times_the_contacts_costs_at_most_a_hundred_times_the_time() -> None:
    small, large = scaled(1), scaled(FACTOR)
    for seed in SEEDS:  # warm imports and caches; the premise: exactly FACTOR x the contacts
        assert spawned(simulate(large, seed=seed).events) == FACTOR * spawned(
            simulate(small, seed=seed).events) == contacts(large)

    def seeds_of(sc: Scenario) -> Callable[[], None]:
        def run_all() -> None:
            for seed in SEEDS:
                simulate(sc, seed=seed)
        return run_all

    rounds = 3
    samples: dict[str, list[tuple[float, float]]] = {"small": [], "large": []}
    for _ in range(rounds):
        for _ in range(3):  # the small runs are short: three of them per round steady the median
            samples["small"].append(timed(seeds_of(small)))
        samples["large"].append(timed(seeds_of(large)))
    wall = {k: statistics.median(w for w, _ in v) for k, v in samples.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in samples.items()}
    n_small, n_large = contacts(small), contacts(large)
    print(f"\nscale ({rounds} rounds, medians; seeds {SEEDS} together): {n_small} contacts / "
          f"{small.operators.count} operators: cpu {cpu['small'] * 1000:.0f} ms, wall "
          f"{wall['small'] * 1000:.0f} ms; {n_large} contacts / {large.operators.count} "
          f"operators: cpu {cpu['large']:.2f} s, wall {wall['large']:.2f} s")
    print(f"  {n_large / n_small:.0f}x the contacts: {cpu['large'] / cpu['small']:.0f}x the CPU "
          f"time, {wall['large'] / wall['small']:.0f}x the wall time (target at most "
          f"{FACTOR}x)")
    logged = {name: sum(len(simulate(sc, seed=seed).events) for seed in SEEDS)
              for name, sc in (("small", small), ("large", large))}
    for name, sc in (("small", small), ("large", large)):
        print(f"  {name}, seed {SEEDS[0]}: {work_mix(simulate(sc, seed=SEEDS[0]).events)}; "
              f"{cpu[name] / logged[name] * 1e6:.0f} us CPU per logged event")
    print(f"  the large run logs {logged['large'] / logged['small']:.0f}x the events; each costs "
          f"{cpu['large'] / logged['large'] / (cpu['small'] / logged['small']):.2f}x as much")
    # The target, not met yet: per contact the large run models more (200 pooled operators
    # judge every recommendation, 2 judge about half; work_mix above), and each event costs
    # more in a working set 100x the size.
    assert cpu["large"] / cpu["small"] <= FACTOR


def test_mass_swarm_runs_at_two_hundred_times_real_time() -> None:
    sc = load_scenario("mass_swarm")
    assert contacts(sc) >= 2000
    seeds = (1, 2, 3)
    samples = [timed(lambda s=s: simulate(sc, seed=s)) for s in seeds]
    wall = statistics.median(w for w, _ in samples)
    cpu = statistics.median(c for _, c in samples)
    print(f"\nmass_swarm ({contacts(sc)} contacts, {sc.run.duration_s:.0f} s; median of seeds "
          f"{seeds}): cpu {cpu:.2f} s = {sc.run.duration_s / cpu:.0f}x real time, wall "
          f"{wall:.2f} s = {sc.run.duration_s / wall:.0f}x (target at least 200x)")
    assert sc.run.duration_s / cpu >= 200
