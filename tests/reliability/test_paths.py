"""Output paths: ``run --out`` never overwrites a run without ``--force``, and writes only its
fixed file names inside the folder the user named - not beside it, not through a symlink."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hmt_sim.cli import main
from hmt_sim.errors import InputError
from hmt_sim.fileio import temp_path
from hmt_sim.rundir import RUN_FILES, prepare_out_dir, read_run, write_run
from hmt_sim.scenario import load_scenario
from hmt_sim.session import simulate

SHORT = ["--set", "run.duration_s=120"]


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink()}


def test_run_refuses_to_overwrite_without_force(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["run", "airbase_swarm", "--seed", "1", "--out", str(out), *SHORT]) == 0
    before = _tree(out)
    assert main(["run", "airbase_swarm", "--seed", "2", "--out", str(out), *SHORT]) == 2
    err = capsys.readouterr().err
    assert "already holds a run" in err and "--force" in err
    assert _tree(out) == before  # not one byte changed
    assert main(["run", "airbase_swarm", "--seed", "2", "--out", str(out), "--force",
                 *SHORT]) == 0
    run, events = read_run(out)
    assert run["seed"] == 2 and events[0]["seed"] == 2


@pytest.mark.parametrize("leftover", ["events.jsonl", "metrics.json", "timeseries.csv"])
def test_a_partial_run_also_needs_force(leftover: str, tmp_path: Path) -> None:
    (tmp_path / leftover).write_text("partial", encoding="utf-8")
    with pytest.raises(InputError, match="--force"):
        prepare_out_dir(tmp_path, force=False)


def test_out_that_is_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    target = tmp_path / "file.txt"
    target.write_text("keep me", encoding="utf-8")
    assert main(["run", "airbase_swarm", "--out", str(target), *SHORT]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "keep me"


def test_only_the_fixed_names_are_written_and_only_inside_out(tmp_path: Path) -> None:
    """Whatever the scenario id, title or source says, the files are RUN_FILES inside out."""
    sibling = tmp_path / "sibling.txt"
    sibling.write_text("untouched", encoding="utf-8")
    out = tmp_path / "nested" / "out"
    sc = load_scenario("airbase_swarm", overrides={"run.duration_s": 60,
                                                   "title": "../../../etc/passwd"})
    write_run(simulate(sc, seed=3), prepare_out_dir(out, force=False),
              source="../../escape.yaml")
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_FILES)
    everything = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")}
    assert everything == {"sibling.txt", "nested", "nested/out",
                          *(f"nested/out/{n}" for n in RUN_FILES)}
    assert sibling.read_text(encoding="utf-8") == "untouched"


def test_a_planted_symlink_is_replaced_not_followed(tmp_path: Path) -> None:
    """In a shared folder someone may leave links where the tool writes; the write must not go
    through them to a file outside ``out``."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    for name in RUN_FILES:
        os.symlink(victim, temp_path(out / name))  # the temp names the writer uses
    os.symlink(victim, out / "timeseries.csv")  # and a final name (needs --force)
    sc = load_scenario("airbase_swarm", overrides={"run.duration_s": 60})
    write_run(simulate(sc, seed=3), prepare_out_dir(out, force=True))
    assert victim.read_text(encoding="utf-8") == "precious"
    for name in RUN_FILES:
        assert (out / name).is_file() and not (out / name).is_symlink()
    assert not any(".tmp" in p.name for p in out.iterdir())
    json.loads((out / "run.json").read_text(encoding="utf-8"))
