"""The bundled ``mass_swarm`` scenario (issue 14): a saturation attack of more than 2,000 drones
and decoys over a populated port city, and the dilemma it was written for.

The scenario file itself is checked by tests/test_bundled_scenarios.py like every bundled one
(validates, runs to its end deterministically, what a facilitator needs); here: that it is the
attack the issue asks for, and that autonomy trades leakers against people on the ground. The
dilemma runs pair the same seeds at two levels (common random numbers), so the same swarm meets
both settings.
"""

from __future__ import annotations

from functools import cache

import pytest

from hmt_sim.cli import main
from hmt_sim.metrics import flatten
from hmt_sim.scenario import Scenario, load_scenario
from hmt_sim.session import simulate


@cache
def scenario(level: int | None = None) -> Scenario:
    return load_scenario("mass_swarm",
                         overrides=None if level is None else {"autonomy.levels.engage": level})


def test_a_saturation_attack_of_drones_and_decoys_over_a_populated_area() -> None:
    sc = scenario()
    hostile = {name for name, kind in sc.kinds.items() if kind.true_class == "hostile"}
    drones = sum(w.count for w in sc.red.waves if w.kind in hostile)
    decoys = sum(w.count for w in sc.red.waves if sc.kinds[w.kind].damage_on_impact == 0)
    civilians = sum(t.count for t in sc.traffic if sc.kinds[t.kind].true_class == "civilian")
    assert drones >= 2000 and decoys >= 500, (drones, decoys)
    assert civilians >= 100, "civilian traffic the swarm hides among"
    assert max(r.civilian_density_per_km2 for r in sc.area.regions) >= 5000, "a dense city"
    assert sc.area.protected_sites and sc.operators.judgement.d_prime
    assert all(e.shots >= 1 for e in sc.blue.effectors)


def test_listed_by_hmt_sim_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    assert any(line.split()[0] == "mass_swarm" for line in capsys.readouterr().out.splitlines())


@pytest.mark.slow
def test_autonomy_trades_leakers_for_people_hit_by_interceptions() -> None:
    """Level 5 (every interception approved) against 6 (the AI fires unless vetoed), seeds 1-2:
    with a person approving each shot the queue cannot keep up and far more drones reach the
    port; at level 6 the interceptions over the city hit more people, and no veto comes in
    time. Measured over seeds 1-2: leakers 3533 against 404, casualties 266 against 429, uses
    of force 665 against 3984."""
    sums: dict[int, dict[str, float]] = {}
    for level in (5, 6):
        runs = [flatten(simulate(scenario(level), seed=s).metrics) for s in (1, 2)]
        sums[level] = {key: sum(r[key] for r in runs) for key in (
            "mission.leakers", "harm.civilian_casualties", "mission.hostiles_presented",
            "control.uses_of_force")}
        assert all(r["mission.hostiles_presented"] >= 1900 for r in runs)
        assert all(r["mission.defence_rate"] is not None for r in runs)
    five, six = sums[5], sums[6]
    assert five["mission.leakers"] > 2 * six["mission.leakers"], (five, six)
    assert six["harm.civilian_casualties"] > five["harm.civilian_casualties"], (five, six)
    assert six["control.uses_of_force"] > 2 * five["control.uses_of_force"], (five, six)
