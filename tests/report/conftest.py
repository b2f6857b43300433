"""Fixtures for the report tests: one real run directory of the bundled default scenario, made
through the CLI in-process, shared by the tests of this folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("MPLBACKEND", "Agg")

from report_helpers import CF_COMPARE, CF_SEEDS

from hmt_sim.cli import main


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "run"
    assert main(["run", "airbase_swarm", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def report_file(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html") / "report.html"
    assert main(["report", str(run_dir), "-o", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def cf_report_file(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report with counterfactuals (a real 2-process pool, few seeds)."""
    out = tmp_path_factory.mktemp("html") / "cf.html"
    assert main(["report", str(run_dir), "-o", str(out), "--compare", CF_COMPARE,
                 "--seeds", str(CF_SEEDS), "--workers", "2"]) == 0
    return out
