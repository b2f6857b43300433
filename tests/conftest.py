"""Shared fixtures: headless settings and a tiny hand-built scenario for protocol tests.

It also fits the suite to ``pytest -n 2`` (pytest-xdist, what ``make test`` runs):

* tests that share a module- or session-scoped fixture of ours run on one worker, so the fixture
  (a real sweep, a recorded session, a fork server) is built once rather than once per worker;
* in the workers, ``slow`` tests are collected first, so the longest work starts early and the
  run does not end with one worker busy and the other idle;
* the reliability figures that the tests of tests/reliability tally in each worker are sent to
  the controller, which prints them as a serial run does.

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

SHARED_SCOPES = ("class", "module", "package", "session")
"""Fixture scopes whose value outlives one test: tests sharing one of ours share a worker."""

FIGURES_KEY = "hmt_reliability_figures"
"""The key under which a worker hands its reliability figures to the controller."""


@pytest.fixture
def tiny() -> Callable[..., Scenario]:
    """``tiny(**overrides)`` -> the tiny scenario with dotted overrides applied."""

    def make(**overrides: Any) -> Scenario:
        return load_scenario_text(TINY, "tiny.yaml", overrides=overrides or None)

    return make


# --------------------------------------------------------------- scheduling under pytest-xdist


def _shared_fixtures(item: pytest.Item) -> list[str]:
    """The fixtures of this test suite (not pytest's own) that ``item`` uses and that live
    longer than one test, as ``where::name``."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return []
    found = []
    for name in info.names_closure:
        defs = info.name2fixturedefs.get(name)
        if not defs:
            continue
        fixture = defs[-1]  # the definition closest to the item is the one it gets
        if fixture.baseid and fixture.scope in SHARED_SCOPES:
            found.append(f"{fixture.baseid}::{name}")
    return found


def _explicit_groups(item: pytest.Item) -> set[str]:
    names = set()
    for mark in item.iter_markers("xdist_group"):
        names.add(str(mark.args[0] if mark.args else mark.kwargs.get("name", "default")))
    return names


def _group_by_shared_fixture(items: list[pytest.Item]) -> None:
    """Mark each test with an ``xdist_group`` naming the set of tests it shares a fixture with
    (connected through any chain of shared fixtures). A set that holds a test with an explicit
    group takes that group's name, so the explicit mark and ours agree."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)  # the smallest name leads: same in every worker

    keys = {}
    for item in items:
        own = [f"fixture {f}" for f in _shared_fixtures(item)]
        own += [f"group {g}" for g in sorted(_explicit_groups(item))]
        keys[item.nodeid] = own
        for other in own[1:]:
            union(own[0], other)
    named: dict[str, str] = {}
    for key in parent:
        if key.startswith("group "):
            named.setdefault(find(key), key.removeprefix("group "))
    for item in items:
        own = keys[item.nodeid]
        if not own or _explicit_groups(item):
            continue
        root = find(own[0])
        name = named.get(root, root.removeprefix("fixture "))
        # xdist reads the text after the last "@" of a node id as its group
        item.add_marker(pytest.mark.xdist_group(name.replace("@", "_")))


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In an xdist worker: group tests by shared fixture; modules with ``slow`` tests first."""
    if not hasattr(config, "workerinput"):
        return
    if config.getoption("dist", "no") == "loadgroup":
        _group_by_shared_fixture(items)
    # Whole modules move, so a module-scoped fixture is still built once per worker.
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
