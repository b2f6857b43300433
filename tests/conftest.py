"""Shared fixtures: headless settings and a tiny hand-built scenario for protocol tests."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("MPLBACKEND", "Agg")

from hmt_testing import TINY

from hmt_sim.scenario import Scenario, load_scenario_text


@pytest.fixture
def tiny() -> Callable[..., Scenario]:
    """``tiny(**overrides)`` -> the tiny scenario with dotted overrides applied."""

    def make(**overrides: Any) -> Scenario:
        return load_scenario_text(TINY, "tiny.yaml", overrides=overrides or None)

    return make
