"""Small scenarios for the plugin tests (a module name of its own: not a conftest)."""

from __future__ import annotations

# Hostile drones at the base, civilian light aircraft crossing; the kinds carry clear sensor
# cues (drones: a datalink emitter, aircraft: a transponder), and everything is seen at once.
CUED = """
id: cued
title: Drones and light aircraft with sensor cues
run: {duration_s: 300, tick_s: 1.0, sample_interval_s: 10}
area: {width_km: 40, height_km: 40}
blue:
  defended_asset: {x: 20, y: 20}
  sensors: [{id: radar, at: {x: 20, y: 20}, range_km: 30}]
  effectors: [{id: launcher, at: {x: 20, y: 20}, range_km: 12, p_success: 0.9,
               time_to_effect_s: 1, collateral_radius_m: 0}]
kinds:
  drone: {true_class: hostile, category: small_uas, speed_mps: 40, emitter: 1.0}
  cessna: {true_class: civilian, category: light_aircraft, persons_aboard: 2, speed_mps: 60,
           transponder: 1.0}
red:
  waves: [{kind: drone, count: 6, at_s: 0, interval_s: 10, origin: {x: 36, y: 24},
           spread_km: 2}]
traffic:
  - {kind: cessna, count: 6, start_s: 0, interval_s: 15, origin: {x: 2, y: 10},
     destination: {x: 38, y: 34}, spread_km: 2}
ai:
  reliability: 0.8
operators: {count: 2}
autonomy: {levels: {warn: 5, jam: 5, engage: 5}}
"""
