"""Batch sweeps for researchers: spec, designs, parallel and distributed execution, results.

    from hmt_sim import sweep, load_results
    df = sweep("experiments/autonomy_reliability/spec.yaml", out="results/ar", workers=2)
    df = load_results("results/ar")            # the same table, later

See docs/sweep.md. Heavy modules (pandas, scipy, matplotlib, dask) load only when used.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from hmt_sim.sweep.runner import SweepProgress, SweepSummary, run_sweep, sweep
from hmt_sim.sweep.spec import Factor, SweepSpec
from hmt_sim.sweep.specfile import load_spec
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


class _CallableModule(types.ModuleType):
    """``hmt_sim.sweep`` is both this package and the ``sweep()`` function the top-level package
    exposes: once the package is imported, Python binds the *module* to ``hmt_sim.sweep``, so
    ``from hmt_sim import sweep`` would give the module. Calling the module runs the function."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
