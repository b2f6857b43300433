"""Helpers for the core tests (a module name of its own: sub-folders have conftests too)."""

from __future__ import annotations

from typing import Any

# One hostile drone flying straight at the base from 15 km, one radar that sees it at once, one
# launcher that always hits. The AI is perfect and sure of itself, and gates that would block
# force are off, so each test sees the autonomy protocol alone.
TINY = """
id: tiny
title: One drone, one launcher
run: {duration_s: 400, tick_s: 1.0, sample_interval_s: 10}
area: {width_km: 40, height_km: 40}
blue:
  defended_asset: {x: 20, y: 20}
  sensors: [{id: radar, at: {x: 20, y: 20}, range_km: 30}]
  effectors: [{id: launcher, at: {x: 20, y: 20}, range_km: 14, p_success: 1.0,
               time_to_effect_s: 1, collateral_radius_m: 0}]
kinds:
  drone: {true_class: hostile, speed_mps: 50}
red:
  waves: [{kind: drone, count: 1, at_s: 0, origin: {x: 35, y: 20}, spread_km: 0}]
ai: {reliability: 1.0, engage_confidence: 0.0}
operators: {count: 1}
roe: {doubt_p: null, proportionality_lambda: null, min_review_s: 0, reliability_floor: null}
"""


def kinds(events: list[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
    return [e for e in events if e["kind"] in names]
