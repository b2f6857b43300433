"""The local process pool: one row per (point, seed), rows equal to direct runs, failure
isolation, a dying worker, refusing to overwrite, resume, and no global state changed."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from sweep_helpers import (
    TINY,
    WriteSpec,
    dying_runner,
    early_metric_runner,
    failing_runner,
    late_metric_runner,
)

from hmt_sim.cli import main
from hmt_sim.errors import InputError
from hmt_sim.metrics import flatten
from hmt_sim.scenario import load_scenario
from hmt_sim.session import simulate
from hmt_sim.sweep import load_results, read_manifest, run_sweep, sweep


def test_one_row_per_point_and_seed_equal_to_direct_runs(write_spec: WriteSpec,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = multiprocessing.get_start_method(allow_none=True)
    import hmt_sim

    # hmt_sim.sweep is the package *and* the function: calling it runs the sweep
    df = hmt_sim.sweep(write_spec(), out, workers=2, chunk_size=2)
    assert multiprocessing.get_start_method(allow_none=True) == before  # untouched
    assert len(df) == 12 and (df["status"] == "ok").all()
    assert sorted(zip(df["point"], df["seed"], strict=True)) == [
        (p, s) for p in range(4) for s in (1, 2, 3)]
    # paired: every design point ran the same seeds
    assert df.groupby("point")["seed"].apply(tuple).nunique() == 1
    # the rows are the engine's own metrics for that (scenario, seed)
    for _, row in df.iloc[[0, 7, 11]].iterrows():
        sc = load_scenario("airbase_swarm", overrides={
            "run.duration_s": 40, "autonomy.level": int(row["autonomy.level"]),
            "ai.reliability": float(row["ai.reliability"])})
        expected = flatten(simulate(sc, seed=int(row["seed"])).metrics)
        for name, value in expected.items():
            if isinstance(value, int | float) and value is not None:
                assert row[name] == pytest.approx(float(value)), name
    # the folder reads back with plain pandas, and the manifest says what ran
    assert len(pd.read_parquet(out)) == 12
    manifest = read_manifest(out)
    assert manifest["seeds"] == [1, 2, 3] and len(manifest["points"]) == 4
    assert manifest["status"] == "complete" and manifest["versions"]
    assert len(manifest["spec_hash"]) == 64


def test_a_raising_run_becomes_a_failed_row(write_spec: WriteSpec, tmp_path: Path) -> None:
    summary = run_sweep(write_spec(), tmp_path / "out", workers=2, runner=failing_runner)
    df = load_results(tmp_path / "out")
    failed = df[df["status"] == "failed"]
    assert summary.failed == 4 and summary.ok == 8
    assert set(failed["seed"]) == {2}
    assert (failed["error"] == "RuntimeError: boom at seed 2").all()
    assert failed["harm.civilian_casualties"].isna().all()
    assert df[df["status"] == "ok"]["error"].isna().all()


def test_a_worker_that_dies_fails_only_its_own_run(write_spec: WriteSpec,
                                                   tmp_path: Path) -> None:
    summary = run_sweep(write_spec(), tmp_path / "out", workers=2, chunk_size=3,
                        runner=dying_runner)
    df = load_results(tmp_path / "out")
    assert len(df) == 12 and df.duplicated(["point", "seed"]).sum() == 0
    failed = df[df["status"] == "failed"]
    assert summary.failed == 2  # seed 2 at the two points with autonomy level 8
    assert set(failed["seed"]) == {2} and set(failed["autonomy.level"]) == {8}
    assert failed["error"].str.startswith("WorkerDied").all()


def test_refuses_an_existing_folder_without_resume_or_force(write_spec: WriteSpec,
                                                            tmp_path: Path) -> None:
    spec, out = write_spec(), tmp_path / "out"
    run_sweep(spec, out, workers=1, seeds=1)
    with pytest.raises(InputError, match="--resume"):
        run_sweep(spec, out, workers=1, seeds=1)
    (tmp_path / "notes.txt").write_text("keep me")
    summary = run_sweep(spec, out, workers=1, seeds=2, force=True)
    assert summary.ran == 8 and len(load_results(out)) == 8


def test_resume_runs_only_what_is_missing(write_spec: WriteSpec, tmp_path: Path) -> None:
    spec, out = write_spec(), tmp_path / "out"
    run_sweep(spec, out, workers=2, part_rows=3, chunk_size=3)
    full = load_results(out)
    # drop the last committed part: as if the sweep had been killed before writing it
    parts = sorted(out.glob("part-*.parquet"))
    lost = pd.read_parquet(parts[-1])
    parts[-1].unlink()
    (out / ".part-000099.tmp.parquet").write_bytes(b"half a file")  # the writer's temp name
    summary = run_sweep(spec, out, workers=2, resume=True)
    assert summary.ran == len(lost) and summary.skipped == 12 - len(lost)
    again = load_results(out)
    assert not (out / ".part-000099.tmp.parquet").exists()
    cols = [c for c in full.columns if c != "wall_s"]
    pd.testing.assert_frame_equal(again[cols], full[cols])
    # nothing left: resume is a no-op
    assert run_sweep(spec, out, workers=2, resume=True).ran == 0


def test_resume_refuses_a_changed_spec(write_spec: WriteSpec, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_sweep(write_spec(), out, workers=1, seeds=1)
    with pytest.raises(InputError, match="different sweep"):
        run_sweep(write_spec(TINY.replace("[5, 8]", "[5, 9]")), out, workers=1, seeds=1,
                  resume=True)


def test_metric_selection_and_timeseries(write_spec: WriteSpec, tmp_path: Path) -> None:
    from hmt_sim.sweep import load_timeseries

    spec = write_spec(TINY + "metrics: [harm, mission.leakers]\ntimeseries: true\n")
    df = sweep(spec, tmp_path / "out", workers=2, seeds=1)
    metrics = df.attrs["metrics"]
    assert "mission.leakers" in metrics and "harm.civilian_casualties" in metrics
    assert not any(m.startswith(("control.", "human.")) for m in metrics)
    ts = load_timeseries(tmp_path / "out")
    assert set(zip(ts["point"], ts["seed"], strict=True)) == {(p, 1) for p in range(4)}
    assert len(pd.read_parquet(tmp_path / "out")) == 4  # time series stay out of the table


def test_cli_sweep_summary_and_exit_codes(write_spec: WriteSpec, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["sweep", str(write_spec()), "--out", str(out), "--workers", "2", "--seeds",
                 "2", "--set", "run.duration_s=30", "-q"])
    assert code == 0
    text = capsys.readouterr().out
    assert "4 design points x 2 seeds = 8 runs" in text and "8 ok, 0 failed" in text
    assert json.loads((out / "_manifest.json").read_text())["spec"]["set"] == {
        "run.duration_s": 30}
    assert main(["sweep", str(write_spec()), "--out", str(out), "-q"]) == 2
    assert "already holds files" in capsys.readouterr().err
    assert main(["sweep", str(write_spec()), "--out", str(out), "--backend", "ray"]) == 2


def test_a_metric_first_reported_mid_sweep_becomes_a_column(write_spec: WriteSpec,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_sweep(write_spec(), out, workers=2, chunk_size=1, part_rows=2,
              runner=late_metric_runner)
    parts = sorted(out.glob("part-*.parquet"))
    assert len(parts) >= 4
    names = {tuple(pq.read_schema(p).names) for p in parts}
    assert len(names) == 1  # earlier parts were rewritten with the new (empty) column
    df = pd.read_parquet(out)
    assert len(df) == 12 and "zz.rare_metric" in df.columns
    assert (df[df["seed"] == 3]["zz.rare_metric"] == 1.5).all()
    assert df[df["seed"] != 3]["zz.rare_metric"].isna().all()
    assert "zz.rare_metric" in read_manifest(out)["metrics"]


def test_a_new_metric_column_never_shifts_values_of_other_rows(write_spec: WriteSpec,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_sweep(write_spec(), out, workers=2, chunk_size=1, part_rows=5,
              runner=early_metric_runner)
    df = pd.read_parquet(out)
    assert len(df) == 12 and (df[df["seed"] == 3]["aa.early_metric"] == 2.5).all()
    assert df[df["seed"] != 3]["aa.early_metric"].isna().all()
    for _, row in df.iterrows():
        sc = load_scenario("airbase_swarm", overrides={
            "run.duration_s": 40, "autonomy.level": int(row["autonomy.level"]),
            "ai.reliability": float(row["ai.reliability"])})
        direct = flatten(simulate(sc, seed=int(row["seed"])).metrics)
        for name in ("harm.civilian_casualties", "mission.leakers", "escalation.score_total"):
            assert row[name] == direct[name], (name, row["seed"])


def test_bad_workers_option_writes_nothing(write_spec: WriteSpec, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["sweep", str(write_spec()), "--out", str(out), "--workers", "-1"]) == 2
    assert not out.exists()
    assert main(["sweep", str(write_spec()), "--out", str(out), "--workers", "1"]) == 0


def test_analyse_with_no_successful_run_says_so(write_spec: WriteSpec, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    spec = write_spec(TINY.replace("autonomy.level: [5, 8]", "autonomy.level: [5]")
                      .replace("ai.reliability: [0.6, 0.9]", "ai.reliability: [0.6]")
                      .replace("count: 3", "count: 1").replace("start: 1", "start: 2"))
    run_sweep(spec, out, workers=1, runner=failing_runner)
    assert main(["analyse", str(out)]) == 2
    assert "no successful runs" in capsys.readouterr().err
