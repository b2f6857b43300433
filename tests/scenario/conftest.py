"""Fixtures for the scenario tests: write a real file under tmp_path, collect its problems."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hmt_sim.errors import Problem, ScenarioError
from hmt_sim.scenario import load_scenario

WriteFn = Callable[..., Path]
ProblemsFn = Callable[..., list[Problem]]


@pytest.fixture
def write(tmp_path: Path) -> WriteFn:
    """Write text (UTF-8) or raw bytes to ``tmp_path/NAME`` and return the path."""

    def _write(content: str | bytes, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def problems_of() -> ProblemsFn:
    """Load a path that must fail and return its located problems."""

    def _problems(path: Path | str, overrides: Any = None) -> list[Problem]:
        with pytest.raises(ScenarioError) as info:
            load_scenario(path, overrides)
        return info.value.problems

    return _problems
