"""``sweep --precision``: seeds are added in batches until every point's interval is narrow
enough; the stop rule on a metric of known spread, equality with a plain sweep of that many
seeds, resume, the cap, and the errors."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sweep_helpers import WriteSpec

from hmt_sim.cli import main
from hmt_sim.errors import InputError
from hmt_sim.scenario.schema import Scenario
from hmt_sim.sweep import load_results, load_spec, read_manifest, run_sweep
from hmt_sim.sweep.precision import (
    PrecisionTarget,
    next_seed_count,
    next_seeds,
    precision_table,
    run_precision,
    seeds_needed,
)

SPEC = """\
scenario: airbase_swarm
set: {run.duration_s: 5}
factors:
  autonomy.level: [5, 8]
seeds: {start: 1, count: 4}
"""

SD = {5: 1.0, 8: 2.0}


def normal_runner(sc: Scenario, seed: int) -> dict[str, Any]:
    """A metric with a known spread: 10 + SD * z, z standard normal from the seed alone, SD 1
    at level 5 and 2 at level 8 (so level 8 needs four times the seeds for the same width)."""
    z = float(np.random.default_rng(seed).standard_normal())
    return {"score": 10.0 + SD[sc.autonomy.levels["engage"]] * z}


def _table(out: Path) -> Any:
    df = load_results(out)
    return df[[c for c in df.columns if c != "wall_s"]]


class _Interrupt:
    """A progress callback that raises KeyboardInterrupt (as Ctrl-C would in the parent) after
    ``after`` chunks in all, counted across the batches of a precision sweep."""

    def __init__(self, after: int) -> None:
        self.left = after

    def make(self) -> _Interrupt:
        return self

    def update(self, _progress: Any) -> None:
        self.left -= 1
        if self.left == 0:
            raise KeyboardInterrupt

    def stop(self) -> None:
        pass


def test_stop_rule_on_a_metric_of_known_spread(write_spec: WriteSpec, tmp_path: Path) -> None:
    spec = load_spec(write_spec(SPEC))
    target = PrecisionTarget("score", 0.5, max_seeds=300, min_seeds=4)
    batches: list[tuple[int, int | None]] = []
    summary = run_precision(spec, tmp_path / "out", target, workers=2, runner=normal_runner,
                            on_batch=lambda b, nxt: batches.append((b.seeds, nxt)))
    assert summary.met and not summary.capped
    n = len(summary.seeds)
    assert summary.seeds == tuple(range(1, n + 1))  # the next seeds in sequence
    # A half-width of 0.5 for SD 2 needs about (1.96 * 2 / 0.5)^2 = 61 seeds.
    assert 40 <= n <= 110, batches
    final = summary.batches[-1].rows
    assert all(r.halfwidth <= 0.5 for r in final)
    assert final[0].halfwidth < final[1].halfwidth  # SD 1 is narrower than SD 2
    before = summary.batches[-2].rows
    assert not before[1].met and before[1].halfwidth > 0.5  # it did not stop early
    assert before[0].needed is not None and before[1].needed is not None
    assert before[0].needed < before[1].needed
    assert [b for b, _ in batches] == [b.seeds for b in summary.batches]
    assert batches[0][0] == 4 and batches[-1][1] is None
    assert read_manifest(tmp_path / "out")["precision"] == target.to_json()


def test_results_equal_a_plain_sweep_with_as_many_seeds(write_spec: WriteSpec,
                                                       tmp_path: Path) -> None:
    path = write_spec(SPEC)
    target = PrecisionTarget("score", 0.8, max_seeds=100, min_seeds=4)
    summary = run_precision(load_spec(path), tmp_path / "grown", target, workers=2,
                            runner=normal_runner)
    assert len(summary.batches) >= 2
    run_sweep(path, tmp_path / "plain", workers=2, seeds=len(summary.seeds),
              runner=normal_runner)
    assert _table(tmp_path / "grown").equals(_table(tmp_path / "plain"))
    assert (read_manifest(tmp_path / "grown")["spec_hash"]
            == read_manifest(tmp_path / "plain")["spec_hash"])


def test_an_interrupted_precision_sweep_resumed_equals_one_left_alone(
        write_spec: WriteSpec, tmp_path: Path) -> None:
    path = write_spec(SPEC)
    target = PrecisionTarget("score", 0.8, max_seeds=100, min_seeds=4)
    whole = run_precision(load_spec(path), tmp_path / "whole", target, workers=2,
                          runner=normal_runner)
    out = tmp_path / "cut"
    stop = _Interrupt(after=12)  # 8 runs of the first batch, then into the second
    with pytest.raises(KeyboardInterrupt):
        run_precision(load_spec(path), out, target, workers=2, runner=normal_runner,
                      chunk_size=1, part_rows=1, progress_factory=stop.make)
    manifest = read_manifest(out)
    assert manifest["status"] == "interrupted"
    assert len(manifest["seeds"]) > 4  # it was inside the second batch
    assert 8 < len(load_results(out)) < 2 * len(manifest["seeds"])
    resumed = run_precision(load_spec(path), out, target, workers=2, runner=normal_runner,
                            resume=True)
    assert resumed.seeds == whole.seeds
    assert _table(out).equals(_table(tmp_path / "whole"))
    assert [b.seeds for b in resumed.batches] == [b.seeds for b in whole.batches][1:]


def test_the_cap_stops_and_names_the_points_above_the_target(write_spec: WriteSpec,
                                                             tmp_path: Path) -> None:
    target = PrecisionTarget("score", 0.05, max_seeds=9, min_seeds=4)
    summary = run_precision(load_spec(write_spec(SPEC)), tmp_path / "out", target, workers=1,
                            runner=normal_runner)
    assert not summary.met
    assert len(summary.seeds) == 9 and [b.seeds for b in summary.batches] == [4, 8, 9]
    assert [r.point for r in summary.capped] == [0, 1]
    for r in summary.capped:  # the estimate: n * (h / target)^2
        assert r.needed == math.ceil(9 * (r.halfwidth / 0.05) ** 2 - 1e-9)


def test_min_seeds_keeps_a_zero_width_interval_from_stopping_early(
        write_spec: WriteSpec, tmp_path: Path) -> None:
    rows = precision_table(_constant_table(3), PrecisionTarget("m", 0.1, min_seeds=10))
    assert rows[0].halfwidth == 0 and not rows[0].met
    rows = precision_table(_constant_table(10), PrecisionTarget("m", 0.1, min_seeds=10))
    assert rows[0].met


def _constant_table(n: int) -> Any:
    import pandas as pd

    return pd.DataFrame({"point": [0] * n, "seed": range(1, n + 1), "status": ["ok"] * n,
                         "m": [0.0] * n})


def test_batch_sizes_follow_the_estimate_within_limits() -> None:
    target = PrecisionTarget("m", 1.0, max_seeds=50, min_seeds=4)
    rows = precision_table(_constant_table(4), target)  # met: width 0
    wide = [rows[0].__class__(0, 10, 0.0, -2.0, 2.0, "BCa", 2.0, 40, False)]
    assert next_seed_count(10, wide, target) == 20  # estimate 40, at most double
    near = [rows[0].__class__(0, 10, 0.0, -1.1, 1.1, "BCa", 1.1, 13, False)]
    assert next_seed_count(10, near, target) == 13  # at least a quarter more
    assert next_seed_count(40, wide, target) == 50  # never past the cap
    assert seeds_needed(10, 2.0, 1.0) == 40
    assert next_seeds((1, 2, 3), 5) == (1, 2, 3, 4, 5)
    assert next_seeds((3, 17, 42), 4) == (3, 17, 42, 43)


def test_pooled_rates_use_the_wilson_interval(tmp_path: Path) -> None:
    import pandas as pd
    from scipy import stats

    df = pd.DataFrame({"point": [0, 0], "seed": [1, 2], "status": ["ok", "ok"],
                       "mission.defence_rate": [0.5, 1.0],
                       "mission.threats_neutralised": [3.0, 4.0],
                       "mission.leakers": [3.0, 0.0]})
    (row,) = precision_table(df, PrecisionTarget("mission.defence_rate", 0.1))
    ci = stats.binomtest(7, 10).proportion_ci(method="wilson")
    assert row.method == "Wilson" and row.estimate == pytest.approx(0.7)
    assert row.halfwidth == pytest.approx((ci.high - ci.low) / 2)


# ------------------------------------------------------------------------- the command line


def test_cli_errors_name_what_is_allowed(write_spec: WriteSpec, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    spec, out = str(write_spec(SPEC)), str(tmp_path / "out")
    assert main(["sweep", spec, "--out", out, "--precision", "mission.leakrs=0.5"]) == 2
    err = capsys.readouterr().err
    assert "unknown metric 'mission.leakrs'; did you mean 'mission.leakers'?" in err
    assert "allowed: " in err and "harm.civilian_casualties" in err
    assert "escalation.score_table" not in err.partition("allowed:")[2]  # a text metric
    for bad in ("mission.leakers=0", "mission.leakers=-1", "mission.leakers=abc",
                "mission.leakers=nan", "mission.leakers"):
        assert main(["sweep", spec, "--out", out, "--precision", bad]) == 2
        assert "--precision" in capsys.readouterr().err
    assert main(["sweep", spec, "--out", out, "--max-seeds", "20"]) == 2
    assert "go with --precision" in capsys.readouterr().err
    assert main(["sweep", spec, "--out", out, "--precision", "mission.leakers=1",
                 "--max-seeds", "3"]) == 2
    assert "--max-seeds 3 is below the 4 seeds" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # nothing was written


def test_cli_precision_sweep_resume_and_analyse(write_spec: WriteSpec, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    spec, out = str(write_spec(SPEC)), tmp_path / "out"
    args = ["sweep", spec, "--out", str(out), "--workers", "2", "-q",
            "--precision", "ai.mean_confidence=0.001", "--max-seeds", "6",
            "--min-seeds", "3", "--set", "run.duration_s=60"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "cap reached (6 seeds)" in captured.out
    assert "batch: 4 seeds per point" in captured.err and "next: 6 seeds" in captured.err
    stored = read_manifest(out)
    assert stored["precision"] == {"metric": "ai.mean_confidence", "halfwidth": 0.001,
                                   "max_seeds": 6, "min_seeds": 3}
    assert stored["seeds"] == [1, 2, 3, 4, 5, 6]
    before = _table(out)
    # Resume with only the folder and a higher cap: the target and --set are the stored ones.
    assert main(["sweep", "--resume", "--out", str(out), "--max-seeds", "8", "-q",
                 "--workers", "2"]) == 0
    assert "batch: 8 seeds per point" in capsys.readouterr().err
    after = _table(out)
    assert after[after["seed"] <= 6].reset_index(drop=True).equals(before)
    assert json.loads((out / "_manifest.json").read_text())["precision"]["max_seeds"] == 8
    assert main(["analyse", str(out), "-m", "ai.mean_confidence"]) == 0
    text = capsys.readouterr().out
    assert "ai.mean_confidence: precision, target +/- 0.001" in text
    assert "seeds needed" in text and "an estimate" in text
    assert "hit the cap of 8 seeds" in text
    assert main(["analyse", str(out), "--precision", "ai.mean_confidence=0.5"]) == 0
    assert "target +/- 0.5" in capsys.readouterr().out
    assert main(["analyse", str(out), "--precision", "ai.mean_confidenc=0.5"]) == 2
    assert "did you mean 'ai.mean_confidence'" in capsys.readouterr().err


def test_a_plain_resume_never_grows_seeds(write_spec: WriteSpec, tmp_path: Path) -> None:
    path, out = write_spec(SPEC), tmp_path / "out"
    run_sweep(path, out, workers=1, seeds=2, runner=normal_runner)
    with pytest.raises(InputError, match="different sweep"):
        run_sweep(path, out, workers=1, seeds=3, resume=True, runner=normal_runner)
