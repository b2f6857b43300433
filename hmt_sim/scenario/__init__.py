"""Scenario files: the typed model, the located-error loader, overrides, bundled scenarios.

This package is the validation boundary (DESIGN.md principle 5): everything past it gets a
frozen ``Scenario`` and never looks at raw YAML.
"""

from __future__ import annotations

from hmt_sim.scenario.catalog import list_bundled
from hmt_sim.scenario.jsonschema import scenario_json_schema
from hmt_sim.scenario.library import bundled_dir, resolve
from hmt_sim.scenario.loader import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_NODES,
    load_scenario,
    load_scenario_text,
)
from hmt_sim.scenario.overrides import apply_overrides, parse_overrides
from hmt_sim.scenario.schema import ACTION_CLASSES, Scenario

__all__ = [
    "ACTION_CLASSES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "Scenario",
    "apply_overrides",
    "bundled_dir",
    "list_bundled",
    "load_scenario",
    "load_scenario_text",
    "parse_overrides",
    "resolve",
    "scenario_json_schema",
]
