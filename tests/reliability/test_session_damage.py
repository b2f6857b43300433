"""Session files as untrusted input: every kind of damage is a located error, never a traceback.

One session is recorded for real (a person's answers, a level change, an inject, a bookmark,
clock lines). Each case below damages one line of a copy and checks that ``report``,
``replay`` and ``play --resume`` all refuse it with ``FILE:LINE: error: ...`` at the damaged
line - in process for the whole table, through the installed command in a subprocess for a
few. A torn last line is not damage: the session resumes up to the line before it, and says so.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from hmt_sim import sessionfile
from hmt_sim.cli import main
from hmt_sim.errors import InputError
from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session

SCENARIO = "training_sandbox"
SEED = 11
Lines = list[str]


def _record(path: Path) -> Path:
    """A real session: the model decides nothing for the seat, a scripted person does."""
    sc = load_scenario(SCENARIO)
    s = Session(sc, seed=SEED, human_seats=["operator"])
    with sessionfile.open(path, sc, SEED, ["operator"]) as writer:
        script = {30.0: lambda: s.set_levels({"engage": 6}),
                  40.0: lambda: s.bookmark("first contact"),
                  50.0: lambda: s.inject("comms_loss", duration_s=5.0),
                  60.0: lambda: s.set_reliability(0.8)}
        for t in range(1, 121):
            s.run_to(float(t))
            for card in s.pending_decisions()[:1]:
                writer.append(s.decide(card["decision"], "approve"))
            if float(t) in script:
                writer.append(script[float(t)]())
            if t % 10 == 0:
                writer.clock(s.now)
    return path


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = _record(tmp_path_factory.mktemp("recorded") / "session.jsonl")
    kinds = Counter(json.loads(line).get("type", "clock") for line in
                    path.read_text(encoding="utf-8").splitlines()[1:])
    assert kinds["decide"] >= 2 and kinds["clock"] >= 10, kinds  # the cases need these lines
    return path


def _first(lines: Lines, kind: str) -> int:
    """Index of the first line of ``kind`` (an input type, or "clock")."""
    for i, line in enumerate(lines[1:], 1):
        obj = json.loads(line)
        if obj.get("type", "clock" if "clock" in obj else None) == kind:
            return i
    raise AssertionError(f"no {kind} line")


def _edit(kind: str, change: Callable[[dict], object]) -> Callable[[Lines], int]:
    """A case that changes the first ``kind`` line's object (``change`` edits it in place)."""
    def apply(lines: Lines) -> int:
        i = 0 if kind == "header" else _first(lines, kind)
        obj = json.loads(lines[i])
        change(obj)
        lines[i] = json.dumps(obj)
        return i
    return apply


def _raw(kind: str, old: str, new: str) -> Callable[[Lines], int]:
    """A case that replaces text in the first ``kind`` line (for what JSON cannot express)."""
    def apply(lines: Lines) -> int:
        i = 0 if kind == "header" else _first(lines, kind)
        assert old in lines[i], (old, lines[i][:200])
        lines[i] = lines[i].replace(old, new, 1)
        return i
    return apply


def _duplicate(kind: str) -> Callable[[Lines], int]:
    def apply(lines: Lines) -> int:
        i = _first(lines, kind)
        lines.insert(i + 1, lines[i])
        return i + 1
    return apply


def _backwards(lines: Lines) -> int:
    """A bookmark moved after a later clock line (time going backwards)."""
    i = _first(lines, "bookmark")
    line = lines.pop(i)
    later = next(j for j in range(i, len(lines)) if '"clock"' in lines[j]
                 and json.loads(lines[j])["clock"] > json.loads(line)["t"])
    lines.insert(later + 1, line)
    return later + 1


def _insert_after_header(text: str) -> Callable[[Lines], int]:
    def apply(lines: Lines) -> int:
        lines.insert(1, text)
        return 1
    return apply


def _append(text: str) -> Callable[[Lines], int]:
    def apply(lines: Lines) -> int:
        lines.append(text)
        return len(lines) - 1
    return apply


def _set(key: str, value: object) -> Callable[[dict], None]:
    def change(obj: dict) -> None:
        obj[key] = value
    return change


def _nested(*keys: str, value: object) -> Callable[[dict], None]:
    def change(obj: dict) -> None:
        for key in keys[:-1]:
            obj = obj[key]
        obj[keys[-1]] = value
    return change


def _del(key: str) -> Callable[[dict], None]:
    def change(obj: dict) -> None:
        del obj[key]
    return change


CASES: dict[str, Callable[[Lines], int]] = {
    # the kinds the issue names
    "clock 'x'": _edit("clock", _set("clock", "x")),
    "clock null": _edit("clock", _set("clock", None)),
    "clock 1e999": _raw("clock", '"clock":', '"clock":1e999,"was":'),
    "levels 5": _edit("set_levels", _set("levels", 5)),
    "levels NaN": _raw("set_levels", '"levels":{"engage":6}', '"levels":NaN'),
    "levels missing": _edit("set_levels", _del("levels")),
    "header seed 1e999": _raw("header", '"seed":11', '"seed":1e999'),
    "header seed 'abc'": _edit("header", _set("seed", "abc")),
    "human_seats [5]": _edit("header", _set("human_seats", [5])),
    "human_seats null": _edit("header", _set("human_seats", None)),
    "engage level 1e999": _raw("set_levels", '"engage":6', '"engage":1e999'),
    "duplicated set_levels": _duplicate("set_levels"),
    "duplicated decide": _duplicate("decide"),
    "time going backwards": _backwards,
    # and more
    "clock -1": _edit("clock", _set("clock", -1)),
    "clock with another key": _edit("clock", _set("extra", 1)),
    "engage level 0": _edit("set_levels", _nested("levels", "engage", value=0)),
    "engage level 6.5": _edit("set_levels", _nested("levels", "engage", value=6.5)),
    "unknown action class": _edit("set_levels", _set("levels", {"nuke": 5})),
    "header seed -1": _edit("header", _set("seed", -1)),
    "header seed true": _edit("header", _set("seed", True)),
    "header seed of 5000 digits": _raw("header", '"seed":11', '"seed":1' + "0" * 5000),
    "human_seats operator/5": _edit("header", _set("human_seats", ["operator/5"])),
    "human_seats 'operator'": _edit("header", _set("human_seats", "operator")),
    "header version 2": _edit("header", _set("version", 2)),
    "header unknown key": _edit("header", _set("owner", "me")),
    "header without seed": _edit("header", _del("seed")),
    "header scenario edited": _edit("header", _nested("scenario", "title", value="edited")),
    "header scenario invalid": _edit("header", _nested("scenario", "run", "duration_s",
                                                       value="long")),
    "header scenario_hash short": _edit("header", _set("scenario_hash", "abc")),
    "input t 'x'": _edit("bookmark", _set("t", "x")),
    "input t null": _edit("bookmark", _set("t", None)),
    "input t 1e999": _raw("bookmark", '"t":', '"t":1e999,"was":'),
    "input t -5": _edit("bookmark", _set("t", -5)),
    "input after the run's end": _append('{"t":99999.0,"type":"bookmark","label":"late"}'),
    "clock after the run's end": _append('{"clock":99999.0}'),
    "unknown input type": _edit("bookmark", _set("type", "launch")),
    "input with an extra key": _edit("bookmark", _set("payload", "x")),
    "bookmark label a number": _edit("bookmark", _set("label", 5)),
    "bookmark label too long": _edit("bookmark", _set("label", "x" * 500)),
    "decide choice 'maybe'": _edit("decide", _set("choice", "maybe")),
    "decide decision 'one'": _edit("decide", _set("decision", "one")),
    "decide decision never made": _edit("decide", _set("decision", 987654)),
    "decide operator -1": _edit("decide", _set("operator", -1)),
    "reliability 2": _edit("set_reliability", _set("reliability", 2)),
    "reliability 'high'": _edit("set_reliability", _set("reliability", "high")),
    "inject without a mapping": _edit("inject", _set("inject", "comms_loss")),
    "inject of an unknown kind": _edit("inject", _nested("inject", "kind", value="meteor")),
    "inject duration -5": _edit("inject", _nested("inject", "duration_s", value=-5)),
    "a list, not an object": _insert_after_header("[1, 2, 3]"),
    "a line of plain text": _insert_after_header("hello"),
    "neither input nor clock": _insert_after_header('{"hello": 1}'),
    "deeply nested JSON": _insert_after_header("[" * 100_000),
    "not UTF-8": _insert_after_header("\udcff\udcfe"),
}


def _damaged(recorded: Path, tmp_path: Path, case: str) -> tuple[Path, int]:
    """A copy of the recorded session with one case's damage; returns it and the 1-based line
    the error must name."""
    lines = recorded.read_text(encoding="utf-8").splitlines()
    index = CASES[case](lines)
    path = tmp_path / "damaged.jsonl"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"))
    return path, index + 1


def _located(message: str, path: Path, line: int) -> bool:
    return re.search(rf"(^|\n){re.escape(str(path))}:{line}: (error: |not a session line)",
                     message) is not None


@pytest.mark.parametrize("case", list(CASES))
def test_damage_is_a_located_error_in_report_replay_and_resume(
        case: str, recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        tally: Counter[str]) -> None:
    path, line = _damaged(recorded, tmp_path, case)
    before = path.read_bytes()
    # report, through the command line in process
    assert main(["report", str(path), "-o", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert _located(err, path, line), err[:500]
    assert "Traceback" not in err and not (tmp_path / "r.html").exists()
    # replay and resume, as the visualiser calls them
    for call in (lambda: sessionfile.replay_session(path),
                 lambda: sessionfile.resume(path)):
        with pytest.raises(InputError) as raised:
            call()
        assert _located(str(raised.value), path, line), str(raised.value)[:500]
    assert path.read_bytes() == before  # a refused resume does not touch the file
    tally["session damage kinds refused at their line"] += 1


def test_the_undamaged_recording_reads_replays_and_resumes(recorded: Path, tmp_path: Path
                                                           ) -> None:
    """The table's cases fail because of their damage, not because the recording is bad."""
    path = tmp_path / "copy.jsonl"
    path.write_bytes(recorded.read_bytes())
    session, record = sessionfile.replay_session(path)
    sessionfile.replay_to(session, record, record.resume_time)
    resumed, _, writer = sessionfile.resume(path)
    writer.close()
    assert resumed.now == pytest.approx(record.resume_time) == pytest.approx(120.0)
    assert [e for e in resumed.events] == [e for e in session.events]


HMT = [sys.executable, "-m", "hmt_sim.cli"]
ENV = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}


REAL = [("report", "clock 'x'"), ("replay", "header seed 1e999"),
        ("resume", "duplicated set_levels")]
REAL_SLOW = [(command, case) for command in ("report", "replay", "resume")
             for case in ("clock 'x'", "header seed 1e999", "duplicated set_levels",
                          "levels NaN", "human_seats [5]", "decide decision never made")
             if (command, case) not in REAL]


@pytest.mark.parametrize(("command", "case"), [
    *REAL, *(pytest.param(*pair, marks=pytest.mark.slow) for pair in REAL_SLOW)])
def test_damage_through_the_real_command(case: str, command: str, recorded: Path,
                                         tmp_path: Path) -> None:
    path, line = _damaged(recorded, tmp_path, case)
    argv = {"report": ["report", str(path), "-o", str(tmp_path / "r.html")],
            "replay": ["replay", str(path), "--until", "5"],
            "resume": ["play", "--resume", str(path), "--autoplay", "--until", "130"]}[command]
    done = subprocess.run([*HMT, *argv], capture_output=True, text=True, env=ENV, timeout=120)
    assert done.returncode == 2, done.stderr[-800:]
    assert _located(done.stderr, path, line), done.stderr[-800:]
    assert "Traceback" not in done.stderr


def test_a_torn_last_line_resumes_up_to_it_and_says_so(recorded: Path, tmp_path: Path) -> None:
    path = tmp_path / "torn.jsonl"
    whole = recorded.read_bytes()
    path.write_bytes(whole + b'{"t": 121.0, "type": "bookm')  # the program stopped mid-write
    torn_line = whole.count(b"\n") + 1
    done = subprocess.run([*HMT, "play", "--resume", str(path), "--autoplay", "--until", "125"],
                          capture_output=True, text=True, env=ENV, timeout=120)
    assert done.returncode == 0, done.stderr[-800:]
    assert f"{path}:{torn_line}: warning: the last line is incomplete" in done.stderr
    assert "up to the line before it (t=120 s)" in done.stderr
    data = path.read_bytes()
    assert data.startswith(whole) and b"bookm" not in data[len(whole):]  # cut, then appended
    assert sessionfile.read(path).clock >= 125.0


def test_a_damaged_line_that_ends_in_a_newline_is_not_taken_for_a_torn_one(
        recorded: Path, tmp_path: Path) -> None:
    """Only a last line without its newline can be a write that stopped; anything else that is
    not JSON was changed after it was written."""
    path = tmp_path / "s.jsonl"
    path.write_bytes(recorded.read_bytes() + b'{"t": 121.0, "type": "bookm\n')
    with pytest.raises(InputError, match=re.escape(f"{path}:")):
        sessionfile.read(path)


@pytest.mark.parametrize("text", ['{"seed": ', "[1, 2]", "\udcff"])
def test_a_damaged_run_json_is_a_located_error(text: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["run", SCENARIO, "--out", str(out), "--set", "run.duration_s=30"]) == 0
    (out / "run.json").write_bytes(text.encode("utf-8", "surrogateescape"))
    assert main(["report", str(out), "-o", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert re.search(rf"{re.escape(str(out / 'run.json'))}:\d+: error: ", err), err


VALUES: list[object] = [
    None, True, False, -1, 0, 1, 2, 5, 10, 11, 9999, 10**30, 1e308, -1e308, 0.5, "x", "", [],
    {}, [5], {"a": 1}, "operator", "operator/1", "approve", "engage", {"engage": 5},
    {"kind": "comms_loss"}, {"kind": "roe_change", "changes": {"doubt_p": 2}},
    {"kind": {"nested": 1}}, {"kind": "adversary_step", "rungs": 100},
    {"kind": "autonomy_change", "levels": {"engage": 11}}]
KEYS = ["t", "type", "clock", "levels", "decision", "choice", "operator", "inject",
        "reliability", "label", "source"]


def _mutant(lines: Lines, rng: random.Random) -> Lines:
    """One or two random keys of random lines set to random values, deleted or repeated."""
    out = list(lines)
    for _ in range(rng.randint(1, 2)):
        i = rng.randrange(1, len(out)) if rng.random() < 0.85 else 0
        obj = json.loads(out[i])
        key = rng.choice(["seed", "human_seats", "scenario_id", "created", "version"]) \
            if i == 0 else rng.choice(list(obj) + KEYS)
        if rng.random() < 0.15:
            obj.pop(key, None)
        else:
            obj[key] = rng.choice(VALUES)
        if rng.random() < 0.1:
            out.insert(i, json.dumps(obj))
        else:
            out[i] = json.dumps(obj)
    return out


@pytest.mark.parametrize("count", [40, pytest.param(1500, marks=pytest.mark.slow)])
def test_random_damage_is_a_valid_session_or_a_located_error(
        count: int, recorded: Path, tmp_path: Path, tally: Counter[str]) -> None:
    rng = random.Random(20261201 + count)
    lines = recorded.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "m.jsonl"
    outcomes: Counter[str] = Counter()
    for _ in range(count):
        path.write_text("\n".join(_mutant(lines, rng)) + "\n", encoding="utf-8")
        try:
            session, record = sessionfile.replay_session(path)
        except InputError as error:
            assert str(error).startswith(f"{path}:"), str(error)[:300]
            outcomes["located error"] += 1
        else:
            session.run_to(record.resume_time)
            outcomes["valid"] += 1
    assert outcomes["located error"] > count // 2  # the mutations do damage
    tally["random session-file mutants tried"] += count
