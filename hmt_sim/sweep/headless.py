"""One sweep run: ``simulate`` to the scenario's end, as the flat metrics a row holds.

``simulate`` already builds its model without Mesa's DataCollector columns (``collect=False``:
building and collecting about 80 reporters was about a quarter of a short run's CPU), so a
sweep's row is exactly ``flatten(simulate(sc, seed).metrics)`` (tests/sweep/
test_sweep_headless.py).

Imported lazily by the worker: it loads the engine (and Mesa with it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hmt_sim.metrics import flatten
from hmt_sim.scenario.schema import Scenario
from hmt_sim.session import simulate

if TYPE_CHECKING:
    import pandas as pd


def run_headless(sc: Scenario, seed: int,
                 with_series: bool = False) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """The flat metrics of ``simulate(sc, seed)``, and its time series when asked."""
    result = simulate(sc, seed=seed)
    return flatten(result.metrics), (result.timeseries if with_series else None)
