"""Loading the base scenario with many different overrides, fast.

A sweep loads the same scenario text with one set of overrides per design point. PyYAML's pure
Python parser is most of the cost of ``load_scenario_text`` (tens of ms), so the text is parsed
once per process (with the loader's own position-recording reader) and each point only applies
its overrides and validates — the same two steps ``load_scenario_text`` performs, with the same
located errors (problems from an override are reported as ``--set KEY``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from hmt_sim.scenario.loader import _Document, _read_document, _validate, load_scenario_text
from hmt_sim.scenario.overrides import apply_overrides_tracked, normalise_overrides
from hmt_sim.scenario.schema import Scenario


@lru_cache(maxsize=4)
def _parsed(text: str, name: str) -> _Document | None:
    doc = _read_document(text, name)
    return doc if isinstance(doc.data, dict) else None


def load_with(text: str, name: str, overrides: Mapping[str, Any]) -> Scenario:
    """``load_scenario_text(text, name, overrides)``, parsing ``text`` only once per process."""
    base = _parsed(text, name)
    if base is None:  # empty or not a mapping: let the loader say so
        return load_scenario_text(text, name, overrides=dict(overrides))
    doc = _Document(base.filename, None, base.key_marks, base.value_marks)
    doc.data, origins = apply_overrides_tracked(base.data, normalise_overrides(overrides))
    return _validate(doc, origins)
