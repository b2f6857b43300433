"""What a sweep does once instead of in every worker (issue 14's throughput)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sweep_helpers import WriteSpec, cache_runner

from hmt_sim.sweep import run_sweep
from hmt_sim.sweep.worker import _scenario


def test_forked_workers_find_every_design_point_validated(write_spec: WriteSpec,
                                                          tmp_path: Path) -> None:
    # The parent validates each point before the pool starts (a bad combination must fail
    # before anything runs); the workers fork after it and reuse those scenarios.
    _scenario.cache_clear()
    run_sweep(write_spec(), tmp_path / "out", workers=2, chunk_size=1, runner=cache_runner)
    df = pd.read_parquet(tmp_path / "out")
    assert len(df) == 12 and (df["status"] == "ok").all()
    points = 4  # TINY: 2 levels x 2 reliabilities
    assert _scenario.cache_info().misses == points  # the parent's own validation
    assert (df["worker.points_loaded"] == points).all()  # inherited, none loaded again
