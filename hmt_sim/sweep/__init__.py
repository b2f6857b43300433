"""Batch sweeps for researchers: spec, designs, parallel and distributed execution, results.

    from hmt_sim import sweep, load_results
    df = sweep("experiments/autonomy_reliability/spec.yaml", out="results/ar", workers=2)
    df = load_results("results/ar")            # the same table, later

See docs/sweep.md. Heavy modules (pandas, scipy, matplotlib, dask) load only when used.
"""

from __future__ import annotations

from hmt_sim.sweep.runner import SweepProgress, SweepSummary, run_sweep, sweep
from hmt_sim.sweep.spec import Factor, SweepSpec, load_spec
from hmt_sim.sweep.store import load_results, load_timeseries, read_manifest

__all__ = [
    "Factor",
    "SweepProgress",
    "SweepSpec",
    "SweepSummary",
    "load_results",
    "load_spec",
    "load_timeseries",
    "read_manifest",
    "run_sweep",
    "sweep",
]
