"""Fixtures for the sweep tests: tiny specs written to real files, short runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from sweep_helpers import TINY, WriteSpec


@pytest.fixture
def write_spec(tmp_path: Path) -> WriteSpec:
    """Write a spec's text to ``tmp_path/NAME`` and return the path."""

    def write(text: str = TINY, name: str = "spec.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
