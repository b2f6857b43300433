"""World on its own: motion, arrival, leaving, detection, timing and regions on hand-placed
contacts (no model, no run)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hmt_sim.scenario import Scenario, load_scenario_text
from hmt_sim.world import RegionMap, World, plan_sources

# A 40 x 40 km area, the asset in the middle, two short-range sensors that overlap around
# (20, 31) - "north" listed first - and a fast kind (1 km a second) so a tick is 1 km.
SCENARIO = """
id: world
title: World alone
area:
  width_km: 40
  height_km: 40
  regions:
    - {id: town, rect: [10, 10, 20, 20], civilian_density_per_km2: 500}
    - {id: county, rect: [0, 0, 30, 30], civilian_density_per_km2: 20}
blue:
  defended_asset: {x: 20, y: 20}
  asset_radius_km: 0.5
  sensors:
    - {id: north, at: {x: 20, y: 35}, range_km: 5}
    - {id: middle, at: {x: 20, y: 28}, range_km: 4}
kinds:
  jet: {true_class: hostile, speed_mps: 1000}
  slow: {true_class: hostile, speed_mps: 50}
  liner: {true_class: civilian, speed_mps: 1000}
red:
  waves:
    - {kind: jet, count: 3, origin: {x: 35, y: 20}}
    - {kind: slow, count: 2, origin: {x: 5, y: 5}, trigger_rung: 3, at_s: 15,
       target: {x: 1, y: 1}}
traffic:
  - {kind: liner, count: 2, start_s: 40, origin: {x: 0, y: 39}, destination: {x: 39, y: 39}}
injects:
  - {kind: comms_loss, at_s: 10}
  - {kind: civilian_surge, at_s: 100, traffic: {kind: liner, count: 4, start_s: 30,
     origin: {x: 0, y: 1}, destination: {x: 39, y: 1}}}
  - {kind: civilian_surge, at_s: 50, traffic: {kind: liner, count: 1, start_s: 130,
     origin: {x: 0, y: 2}, destination: {x: 39, y: 2}}}
"""


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario_text(SCENARIO, "world.yaml")


def world_of(sc: Scenario) -> World:
    return World(sc, plan_sources(sc))


def place(world: World, sc: Scenario, track: int, xy: tuple[float, float],
          dest: tuple[float, float] | None = None, kind: str = "jet",
          speed_factor: float = 1.0) -> None:
    """Put one contact at ``xy`` flying to ``dest`` (None: at the defended asset)."""
    heads = dest is None
    target = world.asset.copy() if dest is None else np.array(dest, dtype=float)
    world.place(track, sc.kinds[kind], kind, np.array(xy, dtype=float), target, speed_factor,
                heads)


def test_plan_sources_gives_every_possible_contact_an_id_block_in_scenario_order(
        scenario: Scenario) -> None:
    sources = plan_sources(scenario)
    assert [(s.key, s.first_id, s.count) for s in sources] == [
        ("wave0", 0, 3), ("wave1", 3, 2), ("traffic0", 5, 2), ("inject1", 7, 4),
        ("inject2", 11, 1)]
    wave0, wave1, traffic, surge, late_surge = sources
    assert wave0.heads_to_asset and wave0.destination is None and wave0.trigger_rung is None
    assert not wave1.heads_to_asset and wave1.trigger_rung == 3
    assert wave1.destination is not None and (wave1.destination.x, wave1.destination.y) == (1, 1)
    assert not traffic.heads_to_asset and traffic.start_s == 40 and not traffic.on_inject
    # a surge starts at its inject or its traffic's own start, whichever is later
    assert surge.on_inject and surge.start_s == 100 and surge.kind == "liner"
    assert late_surge.start_s == 130
    assert world_of(scenario).n == 12


def test_one_step_moves_a_contact_its_speed_times_dt_toward_its_destination(
        scenario: Scenario) -> None:
    world = world_of(scenario)
    place(world, scenario, 0, (35, 20))  # 1 km/s toward the asset at (20, 20)
    place(world, scenario, 1, (10, 0), dest=(10, 10), speed_factor=0.5)
    world.step(2.0)
    assert world.pos[0] == pytest.approx([33.0, 20.0])
    assert world.pos[1] == pytest.approx([10.0, 1.0])  # half speed for 2 s, due north
    assert world.speed_kmps[1] == pytest.approx(0.5)


def test_a_contact_stops_at_its_destination_and_reports_arrival_within_the_radius(
        scenario: Scenario) -> None:
    world = world_of(scenario)
    place(world, scenario, 0, (20.6, 20))  # 0.6 km out, 1 km a tick: overshoots
    place(world, scenario, 1, (21.45, 20))  # 0.45 km left: inside the asset's 0.5 km
    place(world, scenario, 2, (5, 5), dest=(6.45, 5))  # 0.45 km left: a route ends within
    place(world, scenario, 3, (5, 6), dest=(6.25, 6))  # 0.3 km, so 0.25 km is in
    arrived, left, detected = world.step(1.0)
    assert arrived == [0, 1, 3]
    assert world.pos[0] == pytest.approx([20.0, 20.0])  # no overshoot past the destination
    assert left == [] and detected == []
    assert world.alive[0]  # arrival is reported; removing the contact is the caller's job
    arrived, _, _ = world.step(1.0)
    assert 2 in arrived


def test_leaving_the_area_counts_beyond_a_5_km_margin_and_never_for_an_arrival(
        scenario: Scenario) -> None:
    world = world_of(scenario)
    place(world, scenario, 0, (44.5, 20), dest=(60, 20))  # to 45.5: beyond 40 + 5
    place(world, scenario, 1, (43.5, 20), dest=(60, 20))  # to 44.5: still inside the margin
    place(world, scenario, 2, (44.5, 10), dest=(45.2, 10))  # ends its route outside the margin
    arrived, left, _ = world.step(1.0)
    assert left == [0]
    assert arrived == [2]


def test_detection_is_reported_once_by_the_first_sensor_that_covers_the_contact(
        scenario: Scenario) -> None:
    world = world_of(scenario)
    place(world, scenario, 0, (20, 24), dest=(20, 39))  # heading north into both sensors
    place(world, scenario, 1, (2, 2), dest=(2, 8))  # far from every sensor
    seen: list[tuple[float, list[tuple[int, int]]]] = []
    for t in range(1, 13):
        _, _, detected = world.step(1.0)
        if detected:
            seen.append((t, detected))
    # (20, 25) is 3 km from "middle"; at (20, 31) "north" covers it too but it is seen already
    assert seen == [(1, [(0, 1)])]
    assert world.detected.tolist()[:2] == [True, False]


def test_a_contact_in_two_sensors_at_once_is_credited_to_the_first_listed(
        scenario: Scenario) -> None:
    world = world_of(scenario)
    place(world, scenario, 0, (20, 30), dest=(20, 39))  # to (20, 31): 4 km from north, 3 from
    _, _, detected = world.step(1.0)  # middle
    assert detected == [(0, 0)]
    assert world.sensor_ids[0] == "north"


def test_arrivals_and_leavers_are_not_detected(scenario: Scenario) -> None:
    world = world_of(scenario)
    place(world, scenario, 0, (20, 28.2), dest=(20, 28))  # arrives inside "middle"'s cover
    arrived, _, detected = world.step(1.0)
    assert arrived == [0] and detected == []
    assert not world.detected[0]


def test_placed_and_removed_contacts_join_and_leave_the_next_step(scenario: Scenario) -> None:
    world = world_of(scenario)
    place(world, scenario, 4, (5, 5))
    place(world, scenario, 1, (35, 20))
    assert world.alive_tracks() == [1, 4]  # track order, not placing order
    world.step(1.0)
    place(world, scenario, 2, (35, 30))
    world.remove(1)
    x1 = float(world.pos[1, 0])
    world.step(1.0)
    assert world.alive_tracks() == [2, 4]
    assert world.pos[1, 0] == x1  # a removed contact no longer moves
    assert world.pos[2, 0] < 35  # the newcomer moved on its first step


def test_time_to_asset_is_the_straight_line_distance_to_the_asset_ring(
        scenario: Scenario) -> None:
    world = world_of(scenario)
    place(world, scenario, 0, (35, 20), kind="slow")  # 50 m/s
    place(world, scenario, 1, (20.3, 20), kind="slow")  # already within the 0.5 km ring
    place(world, scenario, 2, (20, 5), dest=(39, 5), kind="slow")  # flying away: same answer
    assert world.distance_to_asset(0) == pytest.approx(15.0)
    assert world.time_to_asset(0) == pytest.approx(14.5 / 0.05)
    assert world.time_to_asset(1) == 0.0
    assert world.time_to_asset(2) == pytest.approx(14.5 / 0.05)


def test_time_to_reach_is_the_first_crossing_of_the_ring_along_the_route(
        scenario: Scenario) -> None:
    world = world_of(scenario)
    place(world, scenario, 0, (35, 20), kind="slow")  # due west at 0.05 km/s
    assert world.time_to_reach(0, 20, 20, 10) == pytest.approx(5.0 / 0.05)
    # oblique: the ring around (27, 23) of radius 5 is crossed at x = 31
    assert world.time_to_reach(0, 27, 23, 5) == pytest.approx(4.0 / 0.05)
    assert world.time_to_reach(0, 34, 20.5, 2) == 0.0  # already inside
    assert world.time_to_reach(0, 27, 26, 5) == math.inf  # the route passes 6 km off
    assert world.time_to_reach(0, 39, 20, 2) == math.inf  # behind it


def test_time_to_reach_is_inf_beyond_the_end_of_the_route_or_without_motion(
        scenario: Scenario) -> None:
    world = world_of(scenario)
    place(world, scenario, 0, (35, 20), dest=(30, 20), kind="slow")
    assert world.time_to_reach(0, 20, 20, 5) == math.inf  # ring edge 10 km on, route 5 km
    assert world.time_to_reach(0, 20, 20, 10.5) == pytest.approx(4.5 / 0.05)
    place(world, scenario, 1, (35, 20), dest=(35, 20), kind="slow")  # at its destination
    assert world.time_to_reach(1, 20, 20, 10) == math.inf


def test_regions_first_match_wins_and_outside_is_open_country(scenario: Scenario) -> None:
    regions = RegionMap(scenario)
    assert regions.index_at(15, 15) == 0  # in both rectangles: the first listed
    assert regions.index_at(25, 25) == 1
    assert regions.index_at(20, 20) == 0  # edges count as inside
    assert regions.index_at(35, 35) == -1
    assert [regions.name(i) for i in (0, 1, -1)] == ["town", "county", None]
    assert regions.density_at(15, 15) == 500
    assert regions.density_at(25, 25) == 20
    assert regions.density_at(35, 35) == 0.0


def test_region_of_a_track_follows_its_position(scenario: Scenario) -> None:
    world = world_of(scenario)
    place(world, scenario, 0, (31, 15), dest=(15, 15))
    assert world.region_of(0) == (-1, None)
    world.step(2.0)  # to (29, 15)
    assert world.region_of(0) == (1, "county")
    world.step(10.0)  # to (19, 15)
    assert world.region_of(0) == (0, "town")
