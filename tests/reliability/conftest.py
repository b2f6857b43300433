"""Shared helpers for the reliability tests, and a tally printed at the end of the session.

The tally answers the figures the reliability issue asks for (bad inputs tried and how each was
handled, fuzz inputs tried, kill trials run and data lost, determinism checks) without -s:
``pytest_terminal_summary`` prints it below the test results.
"""

from __future__ import annotations

import os
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
AIRBASE = SCENARIOS / "airbase_swarm.yaml"

TALLY: Counter[str] = Counter()
"""Named counts collected by the tests (fuzz inputs, kill trials, ...), printed at the end."""

BAD_INPUTS: list[tuple[str, str, Cost]] = []
"""(name, how it was handled, cost) for every hostile input tried."""


@dataclass
class Cost:
    cpu_s: float = 0.0
    wall_s: float = 0.0
    peak_mib: float = 0.0


def measure(fn: Callable[[], Any]) -> tuple[Cost, BaseException | None]:
    """Run ``fn`` twice: once timed (CPU time of this process, and wall time), once under
    ``tracemalloc`` for the peak of Python allocations. Tracing slows allocation-heavy code
    several-fold, so the two are measured apart. Returns the cost and what ``fn`` raised.

    CPU time is the bound the tests assert: it is what the input costs, whatever else the
    (shared) machine is doing; wall time only guards against a hang.
    """
    cost = Cost()
    raised: BaseException | None = None
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        fn()
    except Exception as exc:
        raised = exc
    cost.cpu_s, cost.wall_s = time.process_time() - c0, time.perf_counter() - t0
    tracemalloc.start()
    try:
        fn()
    except Exception:
        pass
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    cost.peak_mib = peak / 2**20
    return cost, raised


def bundled_scenarios() -> list[Path]:
    return sorted(SCENARIOS.glob("*.yaml"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TALLY and not BAD_INPUTS:
        return
    tr = terminalreporter
    tr.section("reliability figures")
    if BAD_INPUTS:
        tr.write_line(f"hostile scenario files tried: {len(BAD_INPUTS)}")
        tr.write_line(f"  {'input':<36}{'cpu ms':>8}{'wall ms':>9}{'MiB':>7}  outcome")
        for name, outcome, c in BAD_INPUTS:
            tr.write_line(f"  {name[:36]:<36}{c.cpu_s * 1000:8.0f}{c.wall_s * 1000:9.0f}"
                          f"{c.peak_mib:7.1f}  {outcome}")
    for key, value in sorted(TALLY.items()):
        tr.write_line(f"{key}: {value}")


@pytest.fixture
def tally() -> Iterator[Counter[str]]:
    yield TALLY
