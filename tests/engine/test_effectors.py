"""Effectors on their own: reach, the best effector in range, time to reach, protected sites."""

from __future__ import annotations

import math

import numpy as np
from hmt_testing import TINY

from hmt_sim.effectors import Effectors
from hmt_sim.scenario import load_scenario_text
from hmt_sim.world import World, plan_sources

SCENARIO = TINY.replace(
    """  effectors: [{id: launcher, at: {x: 20, y: 20}, range_km: 14, p_success: 1.0,
               time_to_effect_s: 1, collateral_radius_m: 0}]""",
    """  effectors:
    - {id: near, at: {x: 20, y: 20}, range_km: 5, p_success: 0.6, collateral_radius_m: 500}
    - {id: far, at: {x: 20, y: 20}, range_km: 10, p_success: 0.9, time_to_effect_s: 7}
    - {id: jammer, at: {x: 20, y: 20}, action: jam, range_km: 20}""",
) + "area: {width_km: 40, height_km: 40, protected_sites: [{id: hospital, at: {x: 26, y: 20}, " \
    "radius_km: 0.2}]}\n"


def setup(x: float) -> tuple[Effectors, World]:
    sc = load_scenario_text(SCENARIO.replace("area: {width_km: 40, height_km: 40}\n", ""))
    world = World(sc, plan_sources(sc))
    kind = sc.kinds["drone"]
    world.place(0, kind, "drone", np.array([x, 20.0]), np.array([20.0, 20.0]), 1.0, True)
    return Effectors(sc.blue.effectors, sc.area.protected_sites, world), world


def test_effectors_by_action() -> None:
    eff, _ = setup(35)
    assert [e.id for e in eff.for_action("engage")] == ["near", "far"]
    assert eff.has("jam") and not eff.has("warn")
    assert eff.max_time_to_effect("engage") == 7


def test_the_most_effective_effector_in_range_is_chosen() -> None:
    eff, _ = setup(35)
    assert eff.in_range(0, "engage") is None  # 15 km out
    assert eff.in_range(0, "jam").id == "jammer"
    eff, _ = setup(24)
    assert eff.in_range(0, "engage").id == "far"  # both reach: the better one


def test_time_to_reach_follows_straight_line_motion() -> None:
    eff, world = setup(35)
    speed = world.speed_kmps[0]
    assert math.isclose(eff.time_to_reach(0, "engage"), 5.0 / speed)  # 15 km to the 10 km ring
    assert eff.time_to_reach(0, "jam") == 0.0
    assert eff.time_to_reach(0, "warn") == math.inf


def test_protected_site_within_the_collateral_radius() -> None:
    eff, _ = setup(26.5)
    assert eff.near_protected_site(0, cer_m=100) is None  # 0.5 km > 0.2 + 0.1
    assert eff.near_protected_site(0, cer_m=400) == "hospital"
