"""Loading the base scenario with many different overrides, fast.

A sweep loads the same scenario text with one set of overrides per design point. PyYAML's pure
Python parser is most of the cost of ``load_scenario_text`` (tens of ms), so the text is parsed
once per process (with the loader's own position-recording reader) and each point only applies
its overrides and validates (``load_document``), with the same located errors as
``load_scenario_text`` (problems from an override are reported as ``--set KEY``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from hmt_sim.scenario.loader import load_document
from hmt_sim.scenario.schema import Scenario
from hmt_sim.scenario.yamldoc import Document, read_document


@lru_cache(maxsize=4)
def _parsed(text: str, name: str) -> Document:
    # Documents are never modified (load_document works on a copy of the data), so sharing the
    # cached one between calls is safe.
    return read_document(text, name)


def load_with(text: str, name: str, overrides: Mapping[str, Any]) -> Scenario:
    """``load_scenario_text(text, name, overrides)``, parsing ``text`` only once per process."""
    return load_document(_parsed(text, name), dict(overrides))
