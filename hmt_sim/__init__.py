"""hmt-sim: human-machine teaming tabletop simulation.

The Python API is the product; the CLI and the visualiser are clients of it::

    from hmt_sim import load_scenario, simulate, Session
    sc = load_scenario("scenarios/airbase_swarm.yaml", overrides={"autonomy.level": 6})
    res = simulate(sc, seed=7)          # RunResult: .metrics, .events, .timeseries
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: `import hmt_sim` (every CLI start) stays without typing
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from hmt_sim.errors import HmtError, InputError, ScenarioError
    from hmt_sim.scenario import Scenario, load_scenario
    from hmt_sim.session import RunResult, Session, simulate

_LAZY = {
    "HmtError": "hmt_sim.errors",
    "InputError": "hmt_sim.errors",
    "ScenarioError": "hmt_sim.errors",
    "Scenario": "hmt_sim.scenario",
    "load_scenario": "hmt_sim.scenario",
    "RunResult": "hmt_sim.session",
    "Session": "hmt_sim.session",
    "simulate": "hmt_sim.session",
    "sweep": "hmt_sim.sweep",
    "load_results": "hmt_sim.sweep",
}


def __getattr__(name: str) -> Any:
    # Lazy so that `import hmt_sim` stays cheap for worker processes and the CLI's --help.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hmt_sim' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "HmtError",
    "InputError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "Session",
    "load_results",
    "load_scenario",
    "simulate",
    "sweep",
]
