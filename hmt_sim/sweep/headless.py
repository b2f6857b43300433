"""One sweep run: the engine's model run to its end, its flat metrics read from the model.

``simulate`` runs a ``Session`` and hands back a ``RunResult`` (a copy of the log, the metric
groups); a sweep needs only the flat metrics and, when asked, the time series. ``run_headless``
runs the same model with the same seed to the same end, without Mesa's DataCollector columns
(``collect=False``, as ``simulate`` does: building and collecting about 80 reporters was about a
quarter of a short run's CPU), and reads the model's own flat metrics, so the row is exactly what
``flatten(simulate(sc, seed).metrics)`` gives (tests/sweep/test_sweep_headless.py).

Imported lazily by the worker: it loads the engine (and Mesa with it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hmt_sim.metrics import timeseries
from hmt_sim.model import HMTModel
from hmt_sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd


def run_headless(sc: Scenario, seed: int,
                 with_series: bool = False) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """The flat metrics of ``simulate(sc, seed)`` (and its time series when asked). Like a
    session without inputs: run the clock to the scenario's end, then finish the run (which
    logs its end)."""
    model = HMTModel(sc, rng=seed, collect=False)
    model.advance_to(sc.run.duration_s)
    model.finish()
    return model.flat_metrics(), (timeseries(model.log.events) if with_series else None)
