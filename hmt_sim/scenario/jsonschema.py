"""JSON Schema of a scenario file, for editors (autocomplete and inline checks in YAML).

Generated from the pydantic models, so it cannot drift from what the loader accepts. It cannot
express the cross-references (a wave's kind must be defined under ``kinds``); the loader checks
those.
"""

from __future__ import annotations

from typing import Any

from hmt_sim.scenario.schema import Scenario

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def scenario_json_schema() -> dict[str, Any]:
    """The scenario JSON Schema with ``$schema`` and a title, ready for ``json.dump``."""
    schema = Scenario.model_json_schema(mode="validation")
    schema.pop("title", None)
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": "hmt-sim scenario",
        **schema,
    }
