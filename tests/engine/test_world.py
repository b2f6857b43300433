"""World on its own: motion, the closed-form times of arrival, leaving, detection and crossings,
and regions on hand-placed contacts (no model, no run; the world's own clock)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hmt_sim.scenario import Scenario, load_scenario_text
from hmt_sim.world import RESOLUTION_S, RegionMap, Route, World, plan_sources, round_up

# A 40 x 40 km area, the asset in the middle, two short-range sensors that overlap around
# (20, 31) - "north" listed first - and a fast kind (1 km a second).
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
          speed_factor: float = 1.0) -> Route:
    """Put one contact at ``xy`` flying to ``dest`` (None: at the defended asset)."""
    heads = dest is None
    target = world.asset.copy() if dest is None else np.array(dest, dtype=float)
    return world.place(track, sc.kinds[kind], kind, np.array(xy, dtype=float), target, speed_factor,
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


def test_a_contact_is_where_straight_motion_from_its_start_puts_it_at_any_time(
        scenario: Scenario) -> None:
    world = world_of(scenario)
    place(world, scenario, 0, (35, 20))  # 1 km/s toward the asset at (20, 20)
    world.set_time(1.0)
    place(world, scenario, 1, (10, 0), dest=(10, 10), speed_factor=0.5)  # placed a second later
    world.set_time(3.0)
    assert world.pos[0] == pytest.approx([32.0, 20.0])
    assert world.xy(0) == pytest.approx((32.0, 20.0))
    assert world.pos[1] == pytest.approx([10.0, 1.0])  # half speed for 2 s, due north
    assert world.speed_kmps[1] == pytest.approx(0.5)
    world.set_time(100.0)
    assert world.xy(0) == pytest.approx((20.0, 20.0))  # no overshoot past the destination


def test_arrival_is_when_the_contact_comes_within_its_radius_of_its_destination(
        scenario: Scenario) -> None:
    world = world_of(scenario)
    world.set_time(10.0)
    r0 = place(world, scenario, 0, (20.6, 20))  # 0.1 km outside the asset's 0.5 km
    r1 = place(world, scenario, 1, (20.45, 20))  # inside the asset's 0.5 km already
    r2 = place(world, scenario, 2, (5, 5), dest=(6.45, 5))  # a route ends within 0.3 km
    assert (r0.end, r0.end_s) == ("arrived", pytest.approx(10.101))
    assert (r1.end, r1.end_s) == ("arrived", pytest.approx(10.001))
    assert (r2.end, r2.end_s) == ("arrived", pytest.approx(10 + 1.15 + 0.001))
    assert world.route(0) == r0
    assert world.alive[0]  # the route says when; removing the contact is the caller's job


def test_leaving_the_area_is_crossing_a_5_km_margin_unless_it_arrives_first(
        scenario: Scenario) -> None:
    world = world_of(scenario)
    r0 = place(world, scenario, 0, (44.5, 20), dest=(60, 20))  # 45 is 0.5 km on
    r1 = place(world, scenario, 1, (44.5, 10), dest=(45.2, 10))  # ends its route 0.3 km short
    r2 = place(world, scenario, 2, (46, 30), dest=(60, 30))  # beyond the margin already
    assert (r0.end, r0.end_s) == ("left", pytest.approx(0.501))
    assert (r1.end, r1.end_s) == ("arrived", pytest.approx(0.401))
    assert (r2.end, r2.end_s) == ("left", pytest.approx(0.001))


def test_crossing_times_move_to_the_first_millisecond_after_them(scenario: Scenario) -> None:
    world = world_of(scenario)
    route = place(world, scenario, 0, (35, 20), kind="slow")  # 14.5 km at 50 m/s: 290 s
    assert route.end_s == pytest.approx(290.001, abs=1e-9)  # on a step: the next one
    route = place(world, scenario, 1, (35.00001, 20), kind="slow")  # 0.2 ms more
    assert route.end_s == pytest.approx(290.001, abs=1e-9)
    assert round_up(289.9995) == pytest.approx(290.0, abs=1e-9)
    assert RESOLUTION_S == 0.001


def test_detection_is_when_the_route_first_enters_a_sensors_cover(scenario: Scenario) -> None:
    world = world_of(scenario)
    r0 = place(world, scenario, 0, (20, 21), dest=(20, 39))  # heading north into both sensors
    r1 = place(world, scenario, 1, (2, 2), dest=(2, 8))  # far from every sensor
    # "middle" (20, 28) of 4 km covers it from (20, 24): 3 km on; "north" only from (20, 30)
    assert (r0.detect_s, world.sensor_ids[r0.sensor]) == (pytest.approx(3.001), "middle")
    assert (r1.detect_s, r1.sensor) == (math.inf, -1)
    assert not world.detected[0]
    world.mark_detected(0)
    assert world.detected.tolist()[:2] == [True, False]


def test_a_contact_in_two_sensors_at_once_is_credited_to_the_first_listed(
        scenario: Scenario) -> None:
    world = world_of(scenario)
    route = place(world, scenario, 0, (20, 31), dest=(20, 39))  # 4 km from north, 3 from middle
    assert (route.detect_s, world.sensor_ids[route.sensor]) == (0.001, "north")


def test_a_contact_that_arrives_before_a_sensor_sees_it_is_never_detected(
        scenario: Scenario) -> None:
    world = world_of(scenario)
    route = place(world, scenario, 0, (27, 28), dest=(24.5, 28))  # arrives 0.3 km short of
    assert route.end == "arrived" and route.detect_s == math.inf  # "middle"'s edge (x = 24)


def test_placed_and_removed_contacts_join_and_leave_the_live_list(scenario: Scenario) -> None:
    world = world_of(scenario)
    place(world, scenario, 4, (5, 5))
    place(world, scenario, 1, (35, 20))
    assert world.alive_tracks() == [1, 4]  # track order, not placing order
    world.set_time(1.0)
    place(world, scenario, 2, (35, 30))
    world.remove(1)
    x1 = float(world.pos[1, 0])
    world.set_time(2.0)
    assert world.alive_tracks() == [2, 4]
    assert world.pos[1, 0] == x1 == 34.0  # a removed contact no longer moves
    assert world.pos[2, 0] < 35  # the newcomer moves from when it was placed


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
    world.set_time(2.0)  # at (29, 15)
    assert world.region_of(0) == (1, "county")
    world.set_time(12.0)  # at (19, 15)
    assert world.region_of(0) == (0, "town")


def test_next_crossing_is_the_next_edge_of_a_region_or_circle_in_either_direction(
        scenario: Scenario) -> None:
    world = world_of(scenario)
    place(world, scenario, 0, (35, 15), dest=(5, 15), kind="slow")  # due west at 0.05 km/s
    # regions: into county at x = 30 (5 km), into town at 20 (15 km)
    assert world.next_crossing(0) == pytest.approx(5 / 0.05)
    world.set_time(5 / 0.05)
    assert world.next_crossing(0) == pytest.approx(10 / 0.05)
    # a circle around (25, 15) of 2 km: in at x = 27 (3 km on), out at 23
    assert world.next_crossing(0, [(25, 15, 2)], regions=False) == pytest.approx(3 / 0.05)
    world.set_time(5 / 0.05 + 4 / 0.05)  # at x = 26, inside it: next is its far edge
    assert world.next_crossing(0, [(25, 15, 2)], regions=False) == pytest.approx(3 / 0.05)
    assert world.next_crossing(0, [(25, 40, 2)], regions=False) == math.inf  # off the route
    world.set_time(1e6)  # stopped at its destination: nothing changes any more
    assert world.next_crossing(0, [(25, 15, 2)]) == math.inf
