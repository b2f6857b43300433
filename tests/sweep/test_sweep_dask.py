"""The Dask backend on a real LocalCluster gives exactly the local backend's rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sweep_helpers import WriteSpec

from hmt_sim.errors import InputError
from hmt_sim.sweep import run_sweep, sweep


def test_dask_rows_equal_local_rows(write_spec: WriteSpec, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    spec = write_spec()
    local = sweep(spec, tmp_path / "local", workers=2, chunk_size=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        summary = run_sweep(spec, tmp_path / "dask", backend="dask",
                            scheduler=cluster.scheduler_address, chunk_size=3)
    assert summary.backend == "dask" and summary.workers == 2 and summary.ok == 12
    remote = pd.read_parquet(tmp_path / "dask").sort_values(["point", "seed"])
    remote = remote.reset_index(drop=True)
    cols = [c for c in local.columns if c != "wall_s"]
    assert list(remote.columns) == list(local.columns)
    pd.testing.assert_frame_equal(remote[cols], local[cols], check_dtype=True)


def test_dask_needs_a_reachable_scheduler(write_spec: WriteSpec, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--scheduler"):
        run_sweep(write_spec(), tmp_path / "a", backend="dask")
    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        run_sweep(write_spec(), tmp_path / "b", backend="dask", scheduler="tcp://127.0.0.1:9",
                  scheduler_timeout_s=1.0)
