"""No write through a planted link: every file hmt-sim writes, with a link planted at its name.

In a shared folder someone may leave a symbolic link where the tool is about to write - at the
final name or at the temp name the atomic writer uses - pointing at a file of yours (or at a
file that does not exist yet). Whatever the command, the file behind the link must stay as it
was (or not come into being), and the result must be a regular file of the tool's own.

Files covered: run directories (run --out), the HTML report (report -o, and its default name),
the JSON Schema (schema -o), session files (play --session: dangling, existing, --force;
play --resume of a link), the visualiser's error log, screenshots (play / replay
--screenshot), sweep results (parts, manifest, time series parts), plots and their CSV
(plot -o --csv) and analysis tables (analyse --csv).
"""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hmt_sim import sessionfile
from hmt_sim.cli import main
from hmt_sim.fileio import (
    atomic_open,
    atomic_path,
    create_with,
    open_existing,
    open_log,
    temp_path,
    write_text_atomic,
)
from hmt_sim.rundir import RUN_FILES
from hmt_sim.scenario import load_scenario

PRECIOUS = "precious\n"
SHORT = ["--set", "run.duration_s=60"]


class Victims:
    """Files outside the tool's folder that planted links point at."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir()
        self.count = 0

    def link(self, at: Path, existing: bool = True) -> Path:
        """Plant a link at ``at`` to a new victim (an existing file, or a dangling name)."""
        self.count += 1
        victim = self.root / f"victim-{self.count}"
        if existing:
            victim.write_text(PRECIOUS, encoding="utf-8")
        at.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(victim, at)
        return victim

    def untouched(self) -> None:
        """Every victim is as planted: the existing ones unchanged, the dangling ones absent."""
        for victim in [self.root / f"victim-{i}" for i in range(1, self.count + 1)]:
            if victim.exists():
                assert victim.read_text(encoding="utf-8") == PRECIOUS, victim
        made = sorted(p.name for p in self.root.iterdir())
        assert all(p.read_text(encoding="utf-8") == PRECIOUS for p in self.root.iterdir()), made


@pytest.fixture
def victims(tmp_path: Path) -> Iterator[Victims]:
    v = Victims(tmp_path / "outside")
    yield v
    v.untouched()


def _regular(path: Path) -> None:
    assert path.is_file() and not path.is_symlink(), path


def _both_names(victims: Victims, target: Path, existing: bool = True) -> None:
    """Links at the final name and at the temp name of ``target``."""
    victims.link(target, existing)
    victims.link(temp_path(target), existing)


# ------------------------------------------------------------------ the writer itself


@pytest.mark.parametrize("existing", [True, False], ids=["to a file", "dangling"])
def test_atomic_writers_replace_links_and_never_follow_them(
        existing: bool, tmp_path: Path, victims: Victims) -> None:
    for name, write in [("a.txt", lambda p: write_text_atomic(p, "new")),
                        ("b.txt", lambda p: _with_open(p)),
                        ("c.bin", lambda p: _with_path(p))]:
        target = tmp_path / name
        _both_names(victims, target, existing)
        write(target)
        _regular(target)
        assert not os.path.lexists(temp_path(target))
    assert victims.count == 6


def _with_open(path: Path) -> None:
    with atomic_open(path) as fh:
        fh.write("new")


def _with_path(path: Path) -> None:
    with atomic_path(path) as tmp:
        assert tmp.is_file() and not tmp.is_symlink()  # created by the writer, exclusively
        with open(tmp, "wb") as fh:  # as a library writing by name does
            fh.write(b"new")


def test_a_link_swapped_in_while_writing_is_refused(tmp_path: Path, victims: Victims) -> None:
    """Someone replaces the temp file by a link mid-write: the data never reaches the link's
    target (the writer holds its own descriptor) and nothing is renamed into place."""
    target = tmp_path / "out.json"
    with pytest.raises(OSError, match="replaced while it was being written") as raised, \
            atomic_open(target) as fh:
        fh.write("new")
        os.unlink(temp_path(target))
        victims.link(temp_path(target))
    assert raised.value.filename == str(target)
    assert not os.path.lexists(target)


def test_errors_name_the_users_path_not_the_temp_file(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    (tmp_path / "adir.json").mkdir()
    assert main(["schema", "-o", str(tmp_path / "adir.json")]) == 2
    err = capsys.readouterr().err
    assert f"error: {tmp_path / 'adir.json'}: is a directory" in err and ".tmp" not in err
    with pytest.raises(OSError) as raised:
        write_text_atomic(tmp_path / "missing" / "x.json", "{}")
    assert raised.value.filename == str(tmp_path / "missing" / "x.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir.json"]  # no temp file left


def test_create_with_refuses_or_replaces_a_link(tmp_path: Path, victims: Victims) -> None:
    target = tmp_path / "s.jsonl"
    victims.link(target, existing=False)
    with pytest.raises(FileExistsError):
        create_with(target, b"header\n", replace=False)
    with create_with(target, b"header\n", replace=True) as fh:
        fh.write(b"line\n")
    _regular(target)
    assert target.read_bytes() == b"header\nline\n"


def test_appending_opens_refuse_links(tmp_path: Path, victims: Victims) -> None:
    log = tmp_path / "s.errors.log"
    victims.link(log)
    with pytest.raises(OSError) as raised:
        open_log(log)
    assert raised.value.errno == errno.ELOOP and raised.value.filename == str(log)
    session = tmp_path / "s.jsonl"
    victims.link(session)
    with pytest.raises(OSError, match="symbolic link"):
        open_existing(session)


# ------------------------------------------------------------------ every command


def test_run_dir_files(tmp_path: Path, victims: Victims) -> None:
    out = tmp_path / "out"
    for name in RUN_FILES:
        _both_names(victims, out / name)
    assert main(["run", "training_sandbox", "--out", str(out), "--force", *SHORT]) == 0
    for name in RUN_FILES:
        _regular(out / name)
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_FILES)


def test_report_and_schema(tmp_path: Path, victims: Victims) -> None:
    out = tmp_path / "run"
    assert main(["run", "training_sandbox", "--out", str(out), *SHORT]) == 0
    _both_names(victims, out / "report.html")  # the default name
    _both_names(victims, tmp_path / "named.html")
    _both_names(victims, tmp_path / "schema.json", existing=False)
    assert main(["report", str(out)]) == 0
    assert main(["report", str(out), "-o", str(tmp_path / "named.html")]) == 0
    assert main(["schema", "-o", str(tmp_path / "schema.json")]) == 0
    for path in (out / "report.html", tmp_path / "named.html", tmp_path / "schema.json"):
        _regular(path)


def test_session_files_screenshots_and_resume(tmp_path: Path, victims: Victims,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    play = ["play", "training_sandbox", "--autoplay", "--until", "5"]
    dangling = tmp_path / "planted.jsonl"
    victims.link(dangling, existing=False)  # the example: creates /tmp/victim-new today
    assert main([*play, "--session", str(dangling)]) == 2
    assert "symbolic link" in capsys.readouterr().err
    existing = tmp_path / "existing.jsonl"
    victims.link(existing)
    assert main([*play, "--session", str(existing)]) == 2
    shot = tmp_path / "shot.png"
    _both_names(victims, shot)
    assert main([*play, "--session", str(existing), "--force", "--screenshot", str(shot)]) == 0
    _regular(existing)
    _regular(shot)
    assert sessionfile.read(existing).clock >= 5.0
    # a session file that became a link is not resumed through it
    real = tmp_path / "real.jsonl"
    existing.rename(real)
    os.symlink(real, existing)
    before = real.read_bytes()
    assert main(["play", "--resume", str(existing), "--autoplay", "--until", "8"]) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert real.read_bytes() == before
    replay_shot = tmp_path / "replay.png"
    _both_names(victims, replay_shot, existing=False)
    assert main(["replay", str(real), "--until", "3", "--screenshot", str(replay_shot)]) == 0
    _regular(replay_shot)


METRIC = "harm.civilian_casualties"
SPEC = """\
scenario: training_sandbox
set: {run.duration_s: 60}
factors:
  autonomy.level: [5, 7]
seeds: {start: 1, count: 2}
"""


def test_sweep_results_plots_and_tables(tmp_path: Path, victims: Victims,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "sweep"
    for name in ("part-000000.parquet", "part-000001.parquet", "_manifest.json"):
        _both_names(victims, out / name)
    assert main(["sweep", str(spec), "--out", str(out), "--force", "--workers", "1",
                 "--part-rows", "2", "-q"]) == 0
    parts = sorted(out.glob("part-*.parquet"))
    assert parts and not any(p.name.startswith(".") for p in out.iterdir())
    for path in [*parts, out / "_manifest.json"]:
        _regular(path)
    # resumed, with links planted at the temp names of what it writes next
    victims.link(temp_path(out / "_manifest.json"))
    assert main(["sweep", str(spec), "--out", str(out), "--resume", "--workers", "1",
                 "-q"]) == 0
    _regular(out / "_manifest.json")
    plot = tmp_path / "plot.png"
    tables = [tmp_path / f"a{tail}.csv" for tail in ("", "-paired", "-pooled")]
    for path in (plot, *tables):
        _both_names(victims, path, existing=path != plot)
    assert main(["plot", str(out), "--x", "autonomy.level", "--y", METRIC,
                 "-o", str(plot)]) == 0, capsys.readouterr().err
    assert main(["analyse", str(out), "--csv", str(tables[0])]) == 0
    for path in (plot, *tables[:2]):
        _regular(path)


# ------------------------------------------------------------------ a full disk

HMT = [sys.executable, "-m", "hmt_sim.cli"]


def _with_file_limit(limit: int) -> Callable[[], None]:
    """Make every file of the child stop growing at ``limit`` bytes, as a full disk would
    (the write fails with EFBIG instead of ENOSPC; the code path is the same)."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def _limited(argv: list[str], limit: int, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
           "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([*HMT, *argv], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=120, preexec_fn=_with_file_limit(limit))


def test_a_full_disk_leaves_no_empty_session_file(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    done = _limited(["play", "training_sandbox", "--autoplay", "--until", "5", "--session",
                     str(path)], 2000, tmp_path)  # the header alone is larger
    assert done.returncode == 2, done.stderr[-500:]
    assert f"error: {path}: File too large" in done.stderr and ".tmp" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing unusable behind


def test_a_full_disk_mid_session_keeps_a_resumable_file(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    sc = load_scenario("training_sandbox")
    header = len(json.dumps(sessionfile.make_header(sc, 7, []), separators=(",", ":"),
                            ensure_ascii=False).encode("utf-8")) + 1  # bytes: Dutch texts
    done = _limited(["play", "training_sandbox", "--autoplay", "--until", "60", "--speed",
                     "10", "--session", str(path)], header + 20, tmp_path)  # one clock line
    assert done.returncode == 0, done.stderr[-500:]
    data = path.read_bytes()
    assert 0 < len(data) <= header + 20 and data.endswith(b"\n")  # whole lines only
    record = sessionfile.read(path)
    assert not record.torn and 0 < record.clock < 60
    resumed, _, writer = sessionfile.resume(path)  # and it can be resumed (the disk has room)
    writer.clock(resumed.run_to(70.0))
    writer.close()
    assert sessionfile.read(path).clock == 70.0


def test_a_full_disk_in_run_out_names_the_file_and_leaves_no_temp(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _limited(["run", "training_sandbox", "--out", str(out)], 20_000, tmp_path)
    assert done.returncode == 2, done.stderr[-500:]
    assert f"error: {out / 'events.jsonl'}: File too large" in done.stderr
    assert sorted(p.name for p in out.iterdir()) == []


@pytest.mark.parametrize("mode", ["--resume", "--force"])
def test_a_planted_timeseries_folder_link_is_refused(mode: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A link at the sweep's ``_timeseries`` folder would put (and delete) parts in a folder of
    someone else's: refused with the path, nothing written there."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC + "timeseries: true\n", encoding="utf-8")
    out = tmp_path / "sweep"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "-q"]) == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "part-000000.parquet").write_text(PRECIOUS, encoding="utf-8")
    for part in out.glob("_timeseries/*"):
        part.unlink()
    (out / "_timeseries").rmdir()
    os.symlink(elsewhere, out / "_timeseries")
    for part in out.glob("part-*.parquet"):
        part.unlink()  # so that a resume has runs to do
    assert main(["sweep", str(spec), "--out", str(out), mode, "--workers", "1", "-q"]) == 2
    assert f"{out / '_timeseries'}: a symbolic link is in the way" in capsys.readouterr().err
    assert [p.name for p in elsewhere.iterdir()] == ["part-000000.parquet"]
    assert (elsewhere / "part-000000.parquet").read_text(encoding="utf-8") == PRECIOUS
