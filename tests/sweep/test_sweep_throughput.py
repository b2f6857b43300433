"""What a sweep does once instead of in every worker (issue 14's throughput)."""

from __future__ import annotations

import math
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from sweep_helpers import TINY, WriteSpec, cache_runner

from hmt_sim.sweep import run_sweep
from hmt_sim.sweep.store import _array
from hmt_sim.sweep.worker import _scenario

ONE_FACTOR = TINY.replace("  ai.reliability: [0.6, 0.9]\n", "")


@pytest.mark.parametrize(("text", "points"), [(TINY, 4), (ONE_FACTOR, 2)])
def test_forked_workers_find_every_design_point_validated(write_spec: WriteSpec, tmp_path: Path,
                                                          text: str, points: int) -> None:
    # The parent validates each point before the pool starts (a bad combination must fail
    # before anything runs); the workers fork after it and reuse those scenarios.
    _scenario.cache_clear()
    run_sweep(write_spec(text), tmp_path / "out", workers=2, chunk_size=1, runner=cache_runner)
    df = pd.read_parquet(tmp_path / "out")
    assert len(df) == points * 3 and (df["status"] == "ok").all()
    assert _scenario.cache_info().misses == points  # the parent's own validation
    assert (df["worker.points_loaded"] == points).all()  # inherited, none loaded again


def _columns() -> list[tuple[list[Any], pa.DataType]]:
    rng = random.Random(14)
    cases: list[tuple[list[Any], pa.DataType]] = [
        ([1, None, 2**62, -5], pa.int64()),
        ([1.5, None, math.nan, math.inf, -0.0, 3, True], pa.float64()),
        ([None, None], pa.float64()), ([], pa.float64()), ([], pa.string()), ([], pa.bool_()),
        (["a", None, "ü€𝄞", ""], pa.string()), ([True, False, None, True] * 5, pa.bool_()),
        ([None] * 9, pa.bool_()), ([None], pa.string()),
    ]
    for n in (1, 7, 8, 9, 600):  # around the validity bitmap's byte boundaries
        def some(value: Callable[[], Any]) -> list[Any]:
            return [None if rng.random() < 0.2 else value() for _ in range(n)]  # noqa: B023

        cases += [(some(lambda: rng.uniform(-1e9, 1e9)), pa.float64()),
                  (some(lambda: rng.randrange(-2**63, 2**63)), pa.int64()),
                  (some(lambda: "x" * rng.randrange(30)), pa.string()),
                  (some(lambda: rng.random() < 0.5), pa.bool_())]
    return cases


def test_result_columns_are_what_pa_array_makes() -> None:
    for values, kind in _columns():
        ours, theirs = _array(values, kind), pa.array(list(values), type=kind)
        ours.validate(full=True)
        assert ours.type == theirs.type and ours.null_count == theirs.null_count
        assert repr(ours.to_pylist()) == repr(theirs.to_pylist())  # NaN and -0.0 included
    for values, kind in [(["1.5"], pa.float64()), ([True], pa.int64()), ([1], pa.bool_()),
                         ([1.5], pa.string())]:
        with pytest.raises(TypeError, match="column got"):
            _array(values, kind)


def test_a_sweep_s_parent_never_starts_pyarrow_s_pandas_layer(write_spec: WriteSpec,
                                                              tmp_path: Path) -> None:
    # The first pa.array call loads pyarrow's pandas compatibility layer (and much of pandas
    # with it): ~0.6 s, after the last run, for a parent that only writes Parquet.
    code = ("import sys\nfrom hmt_sim.sweep import run_sweep\n"
            f"s = run_sweep({str(write_spec())!r}, {str(tmp_path / 'out')!r}, workers=2)\n"
            "assert s.ok == 12, s\nprint('pyarrow.pandas_compat' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "False"
    assert len(pd.read_parquet(tmp_path / "out")) == 12
