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


def __getattr__(name: str) -> Any:
    # Each name from its module, imported here on first use: plain import statements, so the
    # import graph (tests/test_import_graph.py) and the source audit see every one.
    if name in ("ACTION_CLASSES", "Scenario"):
        from hmt_sim.scenario import schema

        return getattr(schema, name)
    if name in ("MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "load_scenario", "load_scenario_text"):
        from hmt_sim.scenario import loader

        return getattr(loader, name)
    if name in ("apply_overrides", "parse_overrides"):
        from hmt_sim.scenario import overrides

        return getattr(overrides, name)
    if name in ("bundled_dir", "resolve"):
        from hmt_sim.scenario import library

        return getattr(library, name)
    if name == "list_bundled":
        from hmt_sim.scenario import catalog

        return catalog.list_bundled
    if name == "scenario_json_schema":
        from hmt_sim.scenario import jsonschema

        return jsonschema.scenario_json_schema
    raise AttributeError(f"module 'hmt_sim.scenario' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


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
