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
    intervals down) and ``factor`` times the operators, so the load per person stays the same."""
    base = load_scenario(BASE)
    overrides: dict[str, object] = {"operators.count": base.operators.count * factor}
    for group, items in (("red.waves", base.red.waves), ("traffic", base.traffic)):
        for i, item in enumerate(items):
            overrides[f"{group}.{i}.count"] = item.count * factor
            overrides[f"{group}.{i}.interval_s"] = item.interval_s / factor
    return load_scenario(BASE, overrides=overrides)


def contacts(sc: Scenario) -> int:
    """Contacts the scenario launches (waves and traffic, before injects)."""
    return sum(w.count for w in sc.red.waves) + sum(t.count for t in sc.traffic)


def work_mix(events: list[dict[str, object]]) -> str:
    """What a run's contacts cost the model, per contact: events logged, and reviews in which
    an operator judged a recommendation (approve, veto, or let a veto window run) rather than
    timing out or being told afterwards - the costliest work an event can stand for."""
    spawned = sum(1 for e in events if e["kind"] == "spawn")
    judged = sum(1 for e in events if e["kind"] == "review_ended"
                 and e.get("outcome") in ("approve", "veto", "no_veto", "act", "leave"))
    return (f"{spawned} contacts spawned, {len(events) / spawned:.1f} events and "
            f"{judged / spawned:.2f} judged reviews per contact")


def test_a_hundred_times_the_contacts_costs_at_most_a_hundred_times_the_time() -> None:
    small, large = scaled(1), scaled(FACTOR)
    simulate(small, seed=2)  # warm imports and caches
    rounds = 3
    samples: dict[str, list[tuple[float, float]]] = {"small": [], "large": []}
    for _ in range(rounds):
        for _ in range(3):  # the small run is short: three of it per round steady its median
            samples["small"].append(timed(lambda: simulate(small, seed=2)))
        samples["large"].append(timed(lambda: simulate(large, seed=2)))
    wall = {k: statistics.median(w for w, _ in v) for k, v in samples.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in samples.items()}
    n_small, n_large = contacts(small), contacts(large)
    print(f"\nscale ({rounds} rounds, medians): {n_small} contacts / {small.operators.count} "
          f"operators: cpu {cpu['small'] * 1000:.0f} ms, wall {wall['small'] * 1000:.0f} ms; "
          f"{n_large} contacts / {large.operators.count} operators: cpu {cpu['large']:.2f} s, "
          f"wall {wall['large']:.2f} s")
    print(f"  {n_large / n_small:.0f}x the contacts: {cpu['large'] / cpu['small']:.0f}x the CPU "
          f"time, {wall['large'] / wall['small']:.0f}x the wall time (target at most "
          f"{FACTOR}x)")
    for name, sc in (("small", small), ("large", large)):
        print(f"  {name}: {work_mix(simulate(sc, seed=2).events)}")
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
