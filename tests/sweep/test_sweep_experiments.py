"""Every experiment's spec validates and runs in miniature (one seed, a short run), and the
region-bias figure script draws from real results."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from hmt_sim.sweep import load_spec, run_sweep

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"
SPECS = sorted(EXPERIMENTS.glob("*/spec.yaml"))


def test_there_are_at_least_three_experiments_with_readmes() -> None:
    assert len(SPECS) >= 3
    for spec in SPECS:
        readme = (spec.parent / "README.md").read_text(encoding="utf-8")
        assert f"hmt-sim sweep experiments/{spec.parent.name}/spec.yaml" in readme
        assert "hmt-sim plot" in readme


@pytest.mark.parametrize("spec", SPECS, ids=[s.parent.name for s in SPECS])
def test_experiment_runs_in_miniature(spec: Path, tmp_path: Path) -> None:
    full = load_spec(spec)
    assert full.total_runs >= 300 and full.baseline is not None
    summary = run_sweep(spec, tmp_path / "out", workers=2, seeds=1,
                        set_overrides={"run.duration_s": 30})
    assert summary.failed == 0 and summary.ran == len(full.points)
    if spec.parent.name == "region_bias":
        figure = runpy.run_path(str(spec.parent / "figure.py"))
        out = figure["draw"](tmp_path / "out", tmp_path / "share.png")
        assert out.read_bytes()[:4] == b"\x89PNG"
