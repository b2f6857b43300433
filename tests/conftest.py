"""Shared fixtures: headless settings and a tiny hand-built scenario for protocol tests.

It also fits the suite to ``pytest -n 2 --dist loadfile --no-loadscope-reorder`` (pytest-xdist,
what ``make test`` runs): each test module runs whole on one worker, so a module-scoped fixture
(a real sweep, a recorded session, a fork server) is built once; modules with ``slow`` tests are
handed out first, so the run does not end with one worker busy and the other idle; and the
reliability figures that tests/reliability tallies in each worker are sent to the controller,
which prints them as a serial run does. (``--dist loadgroup`` would be finer, but with pytest 9.2
and pytest-xdist 3.8 it silently does not group: pytest-xdist issue 1386.)

Without xdist (``pytest -p no:xdist``, or ``-n 0``) none of this changes what runs or how.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Any

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("MPLBACKEND", "Agg")

from hmt_testing import TINY

from hmt_sim.scenario import Scenario, load_scenario_text

FIGURES_KEY = "hmt_reliability_figures"
"""The key under which a worker hands its reliability figures to the controller."""


@pytest.fixture
def tiny() -> Callable[..., Scenario]:
    """``tiny(**overrides)`` -> the tiny scenario with dotted overrides applied."""

    def make(**overrides: Any) -> Scenario:
        return load_scenario_text(TINY, "tiny.yaml", overrides=overrides or None)

    return make


# --------------------------------------------------------------- scheduling under pytest-xdist


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In an xdist worker: modules that hold a ``slow`` test first, so that with
    ``--no-loadscope-reorder`` the longest work starts early. Whole modules move, in their own
    order, so a module-scoped fixture is still built once."""
    if not hasattr(config, "workerinput"):
        return
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)  # stable: the order within is kept


# ------------------------------------------------- the reliability figures, from every worker


def _reliability_tallies() -> Any:
    """The module of tests/reliability that tallies the figures (imported on demand)."""
    return importlib.import_module("reliability.conftest")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In an xdist worker: hand the reliability figures counted here to the controller."""
    output = getattr(session.config, "workeroutput", None)
    rel = sys.modules.get("reliability.conftest")
    if output is None or rel is None:
        return
    output[FIGURES_KEY] = {
        "tally": dict(rel.TALLY),
        "bad_inputs": [(name, outcome, [cost.cpu_s, cost.wall_s, cost.peak_mib])
                       for name, outcome, cost in rel.BAD_INPUTS],
    }


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """In the xdist controller: add a finished worker's reliability figures to ours."""
    figures = getattr(node, "workeroutput", {}).get(FIGURES_KEY)
    if not figures:
        return
    rel = _reliability_tallies()
    rel.TALLY.update(figures["tally"])
    for name, outcome, (cpu_s, wall_s, peak_mib) in figures["bad_inputs"]:
        rel.BAD_INPUTS.append((name, outcome, rel.Cost(cpu_s, wall_s, peak_mib)))
    rel.BAD_INPUTS.sort(key=lambda row: row[0])  # the same order whichever worker ran what


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """In the xdist controller of a whole-suite run, tests/reliability/conftest.py is not loaded
    as a plugin (no test is collected here): print its figures on its behalf."""
    rel = sys.modules.get("reliability.conftest")
    if rel is None or hasattr(config, "workerinput"):
        return
    if not config.pluginmanager.is_registered(rel):
        rel.pytest_terminal_summary(terminalreporter)
