"""Bad inputs to ``hmt-sim report``: exit 2 and a message saying what is wrong and what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hmt_sim.cli import main


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


def test_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(["report", str(tmp_path / "nope")], capsys)
    assert code == 2
    assert "no such run directory or session file" in err


def test_directory_that_is_not_a_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(["report", str(tmp_path)], capsys)
    assert code == 2
    assert "not a run directory (needs run.json and events.jsonl)" in err


def test_file_that_is_not_a_session(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("hello\nworld\n")
    code, err = _run(["report", str(junk)], capsys)
    assert code == 2
    assert "notes.txt:1" in err and "session" in err
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"kind": "run_started"}) + "\n")
    code, err = _run(["report", str(other)], capsys)
    assert code == 2 and "not an hmt-sim session file" in err


@pytest.mark.parametrize("args, fragment", [
    (["--compare", "autonomy.level"], "expected KEY=V1,V2,..."),
    (["--compare", "autonomy.level=5,,9"], "empty value"),
    (["--compare", "autonomy.levle=5,7"], "unknown key 'levle'; did you mean 'levels'?"),
    (["--compare", "autonomy.level=5,11"], "--compare autonomy.level=11"),
    (["--compare", "autonomy.levels.engag=5"], "did you mean 'engage'"),
    (["--compare", "autonomy.level=5", "--seeds", "0"], "--seeds must be within 1..10000"),
    (["--seeds", "4"], "--seeds needs --compare"),
    (["--compare", "autonomy.level=5", "--workers", "0"], "--workers must be at least 1"),
])
def test_bad_options(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                     args: list[str], fragment: str) -> None:
    out = tmp_path / "r.html"
    code, err = _run(["report", str(run_dir), "-o", str(out), *args], capsys)
    assert code == 2, err
    assert fragment in err
    assert "Traceback" not in err
    assert not out.exists()  # nothing half-written


def test_output_into_a_missing_folder(run_dir: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(["report", str(run_dir), "-o", str(tmp_path / "no" / "r.html")], capsys)
    assert code == 2 and "no such directory" in err


def test_corrupt_run_files(run_dir: Path, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    (copy / "metrics.json").write_text("{")
    code, err = _run(["report", str(copy)], capsys)
    assert code == 2 and "metrics.json: not valid JSON" in err
    (copy / "run.json").write_text('{"seed": 1, "scenar')
    code, err = _run(["report", str(copy)], capsys)
    assert code == 2 and "unreadable run directory" in err
