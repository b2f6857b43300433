"""The manifest keeps how a sweep was started, so ``sweep --resume --out DIR`` needs nothing else;
the command printed after Ctrl-C works as printed; a refused resume says what differs; a range
factor's bounds are checked as written."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sweep_helpers import TINY, WriteSpec

from hmt_sim.cli import main
from hmt_sim.errors import InputError
from hmt_sim.sweep import load_results, read_manifest, run_sweep


def _pairs(out: Path) -> list[tuple[int, int]]:
    df = load_results(out)
    return sorted(zip(df["point"], df["seed"], strict=True))


def test_resume_with_only_the_folder_uses_the_stored_seeds_and_set(
        write_spec: WriteSpec, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec, out = write_spec(), tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--seeds", "2", "--set",
                 "run.duration_s=30", "--workers", "1", "--part-rows", "2", "-q"]) == 0
    manifest = read_manifest(out)
    assert manifest["arguments"] == {"spec": str(spec.resolve()),
                                     "set": {"run.duration_s": 30}}
    assert "workers" not in manifest["arguments"]
    full = load_results(out)
    parts = sorted(out.glob("part-*.parquet"))
    for part in parts[-2:]:  # as if killed before the last two commits
        part.unlink()
    capsys.readouterr()
    assert main(["sweep", "--resume", "--out", str(out), "--workers", "1", "-q"]) == 0
    assert "skipped 4 already done" in capsys.readouterr().out
    assert _pairs(out) == [(p, s) for p in range(4) for s in (1, 2)]
    again = load_results(out)
    assert (again["wall_s"] > 0).all()
    cols = [c for c in full.columns if c != "wall_s"]
    assert again[cols].equals(full[cols])  # the same runs: same seeds, same --set


def test_without_a_spec_only_resume_is_allowed(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "--out", str(tmp_path)]) == 2
    assert "missing SPEC" in capsys.readouterr().err
    assert main(["sweep", "--resume", "--out", str(tmp_path / "none")]) == 2
    assert "holds no sweep that recorded its spec" in capsys.readouterr().err


def test_a_refused_resume_names_what_differs(write_spec: WriteSpec, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_sweep(write_spec(), out, workers=1, seeds=1)
    changed = write_spec(TINY.replace("[5, 8]", "[5, 9]"), name="changed.yaml")
    with pytest.raises(InputError, match="different sweep") as info:
        run_sweep(changed, out, workers=1, seeds=2, resume=True,
                  set_overrides={"run.duration_s": 60})
    message = str(info.value)
    assert "set run.duration_s: 40 there, 60 now" in message
    assert ("design point 2: autonomy.level=8, ai.reliability=0.6 there, "
            "autonomy.level=9, ai.reliability=0.6 now") in message
    assert "seeds: 1-1 (1) there, 1-2 (2) now" in message


def test_range_bounds_are_checked_as_written(write_spec: WriteSpec, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    spec = write_spec("scenario: airbase_swarm\ndesign: {lhs: 4}\nfactors:\n"
                      "  ai.reliability: {min: 0.5, max: 1.5}\nseeds: [1]\n")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "factors.ai.reliability.max: must be >= 0.0 and <= 1.0, got 1.5" in err
    assert "1.49" not in err


@pytest.mark.slow
def test_the_command_printed_after_ctrl_c_resumes_the_sweep(write_spec: WriteSpec,
                                                           tmp_path: Path) -> None:
    spec, out = write_spec(TINY), tmp_path / "out"
    root = Path(__file__).parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-m", "hmt_sim.cli", "sweep", str(spec), "--out", str(out),
         "--seeds", "3", "--set", "run.duration_s=600", "--workers", "2", "--chunk-size", "1",
         "--part-rows", "1", "--flush-s", "0.2", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, cwd=root)
    while not list(out.glob("part-*.parquet")):
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    command = err.decode().split("`")[1]
    assert command == f"hmt-sim sweep --resume --out {shlex.quote(str(out))}"
    done = len(load_results(out))
    assert 0 < done < 12
    resumed = subprocess.run([sys.executable, "-m", "hmt_sim.cli", *shlex.split(command)[1:],
                              "-q", "--workers", "2"], capture_output=True, cwd=root,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"skipped {done} already done" in resumed.stdout.decode()
    assert _pairs(out) == [(p, s) for p in range(4) for s in range(1, 4)]
