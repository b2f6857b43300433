"""One sweep run without the parts of a session that only Mesa's tools read.

``simulate`` runs a ``Session``, whose ``HMTModel`` builds a Mesa ``DataCollector`` with one
reporter per flat metric (about 80) and collects it when the run ends, so ``mesa.batch_run`` gets
tidy columns. A sweep keeps its own rows (the flat metrics of the finished log) and never reads
that collector: building and collecting it was about a quarter of a short run's CPU in a sweep
worker. ``run_headless`` runs the same model with the same seed to the same end, minus the
collector's columns, so the metrics (and the time series) are exactly those of ``simulate``.

Imported lazily by the worker: it loads the engine (and Mesa with it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hmt_sim.metrics import timeseries
from hmt_sim.model import HMTModel
from hmt_sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd


class SweepModel(HMTModel):
    """``HMTModel`` whose ``DataCollector`` has no model reporters: a sweep's rows come from the
    finished log's metrics, so per-metric Mesa columns would be built and filled for nobody."""

    def _reporters(self) -> dict[str, Any]:
        return {}


def run_headless(sc: Scenario, seed: int,
                 with_series: bool = False) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """The flat metrics of ``simulate(sc, seed)`` (and its time series when asked), computed
    without Mesa's per-run collector. Like a session without inputs: run the clock to the
    scenario's end, then finish the run (which logs its end)."""
    model = SweepModel(sc, rng=seed)
    model.advance_to(sc.run.duration_s)
    model.finish()
    flat = model.flat_metrics()
    return flat, (timeseries(model.log.events) if with_series else None)
