"""Scenario files: the typed model, the located-error loader, overrides, bundled scenarios.

This package is the validation boundary (DESIGN.md principle 5): everything past it gets a
frozen ``Scenario`` and never looks at raw YAML.

The names below are imported when first asked for (PEP 562), as ``hmt_sim`` does its own: the
engine imports ``hmt_sim.scenario.schema``, which runs this ``__init__`` first, and a run whose
scenario comes validated from the command line's cache (``hmt_sim.cli.runcache``) then needs
neither the loader nor PyYAML.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: this module imports nothing at run time
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

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

_LAZY = {
    "ACTION_CLASSES": "hmt_sim.scenario.schema",
    "MAX_BYTES": "hmt_sim.scenario.loader",
    "MAX_DEPTH": "hmt_sim.scenario.loader",
    "MAX_NODES": "hmt_sim.scenario.loader",
    "Scenario": "hmt_sim.scenario.schema",
    "apply_overrides": "hmt_sim.scenario.overrides",
    "bundled_dir": "hmt_sim.scenario.library",
    "list_bundled": "hmt_sim.scenario.catalog",
    "load_scenario": "hmt_sim.scenario.loader",
    "load_scenario_text": "hmt_sim.scenario.loader",
    "parse_overrides": "hmt_sim.scenario.overrides",
    "resolve": "hmt_sim.scenario.library",
    "scenario_json_schema": "hmt_sim.scenario.jsonschema",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hmt_sim.scenario' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # asked once: later lookups find it without this hook
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


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
