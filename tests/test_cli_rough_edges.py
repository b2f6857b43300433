"""The command line's rough edges a first-time user found (issue 15): help that wrapped inside
words, a window size below what the visualiser fits, pygame's banner, a bad seat reported only
after the engine loaded, scenario errors in passes, an unquoted colon blamed on indentation, and
an id that differs from its file name."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hmt_sim.cli import main
from hmt_sim.cli.play import MIN_SIZE, window_size
from hmt_sim.errors import InputError, ScenarioError
from hmt_sim.scenario import load_scenario, load_scenario_text
from hmt_sim.sweep import load_spec
from hmt_sim.sweep.analysis import DEFAULT_METRICS

ROOT = Path(__file__).parents[1]
COMMANDS = ("list", "validate", "schema", "run", "check", "report", "sweep", "analyse", "plot",
            "play", "replay", "sensitivity", "discover")
# A line that ends in a word cut after its hyphen ("FILE-" then "paired.csv" on the next line).
CUT_AFTER_HYPHEN = re.compile(r"[A-Za-z]{2}-\n\s*[A-Za-z]")

PROBE = """
import io, json, os, sys
from contextlib import redirect_stderr, redirect_stdout
from hmt_sim.cli import main
out, err = io.StringIO(), io.StringIO()
with redirect_stdout(out), redirect_stderr(err):
    rc = main(json.loads(sys.argv[1]))
loaded = [m for m in ("hmt_sim.model", "hmt_sim.session", "pygame", "visualiser")
          if m in sys.modules]
print(json.dumps({"rc": rc, "out": out.getvalue(), "err": err.getvalue(), "loaded": loaded}))
"""


def _probe(argv: list[str]) -> dict[str, object]:
    """``main(argv)`` in a fresh interpreter: exit code, output, and which heavy modules loaded."""
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# ------------------------------------------------------------------------------------ help


@pytest.mark.parametrize("width", [56, 60, 66, 72, 80, 100])
def test_help_never_wraps_inside_a_hyphenated_word(width: int, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    for command in COMMANDS:
        assert main([command, "--help"]) == 0
        text = capsys.readouterr().out
        assert not CUT_AFTER_HYPHEN.search(text), (command, width, text)
        assert "\u2011" not in text  # the hyphens printed are plain ones
        assert max(len(line) for line in text.splitlines()) <= width


def test_hyphenated_words_stay_whole(monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    # At these widths click cut "FILE-paired.csv", "one-worker" and "no-large-fonts" in two.
    monkeypatch.setenv("COLUMNS", "60")
    main(["analyse", "--help"])
    assert "FILE-paired.csv" in capsys.readouterr().out
    main(["check", "--help"])
    assert "one-worker" in capsys.readouterr().out
    monkeypatch.setenv("COLUMNS", "62")
    main(["play", "--help"])
    assert "no-large-fonts]" in capsys.readouterr().out


def test_analyse_help_names_its_default_metrics(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    main(["analyse", "--help"])
    text = capsys.readouterr().out
    assert "a key few" not in text
    for metric in DEFAULT_METRICS:
        assert metric in text


# ------------------------------------------------------------------------------------ --size


def test_window_size_has_the_documented_minimum() -> None:
    from visualiser.app import MIN_SIZE as VISUALISER_MIN

    assert MIN_SIZE == VISUALISER_MIN == (1024, 640)
    assert "1024x640" in (ROOT / "docs" / "visualiser.md").read_text(encoding="utf-8")
    assert window_size("1024x640") == (1024, 640)
    assert window_size("1600X900") == (1600, 900)
    for bad, said in (("320x240", "at least 1024x640"), ("1023x900", "at least 1024x640"),
                      ("1600x639", "at least 1024x640"), ("99999x99999", "at most 7680x4320"),
                      ("big", "must look like 1600x900"), ("1600x900x2", "must look like"),
                      ("-1600x900", "must look like"), ("1600.5x900", "must look like"),
                      ("9" * 5000 + "x900", "must look like")):
        with pytest.raises(InputError, match=said):
            window_size(bad)


@pytest.mark.parametrize("command", [["play", "training_sandbox"], ["replay", "x.jsonl"]])
def test_a_small_window_is_refused_before_anything_loads(command: list[str]) -> None:
    got = _probe([*command, "--size", "320x240"])
    assert got["rc"] == 2
    assert got["err"] == ("--size 320x240: the window must be at least 1024x640 (the smallest "
                          "the map and panels fit), e.g. --size 1280x720\n")
    assert got["loaded"] == []


# ------------------------------------------------------------------------------------ --seat


def test_a_misspelt_seat_is_refused_before_the_scenario_or_engine_loads() -> None:
    start = time.monotonic()
    got = _probe(["play", "training_sandbox", "--seat", "operater", "--autoplay", "--until",
                  "5", "--no-record"])
    assert got["rc"] == 2
    assert got["err"] == ("unknown seat 'operater'; allowed: operator, or operator/N for the "
                          "scenario's operator N (operator/0, operator/1, ...)\n")
    assert got["loaded"] == []
    assert time.monotonic() - start < 20


def test_a_seat_beyond_the_operators_is_refused_before_the_engine_loads() -> None:
    got = _probe(["play", "training_sandbox", "--seat", "operator/5", "--no-record"])
    assert got["rc"] == 2
    assert got["err"] == "seat 'operator/5': the scenario has 1 operator seat(s): operator/0\n"
    assert got["loaded"] == []


# ------------------------------------------------------------------------------------ banner


@pytest.mark.slow  # three visualiser runs in fresh interpreters: about 30 s on a shared machine
def test_no_pygame_banner_on_play_or_replay(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYGAME_HIDE_SUPPORT_PROMPT"}
    env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    session = tmp_path / "s.jsonl"
    runs = [
        ["play", "training_sandbox", "--autoplay", "--until", "5", "--session", str(session),
         "--size", "1024x640"],
        ["replay", str(session), "--until", "5", "--size", "1024x640"],
        ["replay", str(tmp_path / "missing.jsonl")],  # an error after the visualiser loads
    ]
    for argv in runs:
        proc = subprocess.run([sys.executable, "-m", "hmt_sim.cli", *argv], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode == (2 if "missing" in argv[1] else 0), proc.stderr
        for stream in (proc.stdout, proc.stderr):
            assert "pygame-ce" not in stream and "pygame community" not in stream, argv
    # the control: the same import without the setting does print the banner
    proc = subprocess.run([sys.executable, "-c", "import pygame"], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert "pygame" in proc.stdout


# ------------------------------------------------------------------------------------ scenarios

HEAD = "id: night_raid\ntitle: Night raid\n"


def test_a_duplicate_key_is_reported_with_the_other_problems(tmp_path: Path) -> None:
    path = tmp_path / "night_raid.yaml"
    path.write_text(HEAD + "run:\n  duration_s: 100\n  duration_s: 200\n  tick_s: -1\n"
                    "ai:\n  reliability: 2\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:5:3: error: run.duration_s: duplicate key 'duration_s' (first defined at line "
        "4, column 3)",
        f"{path}:6:11: error: run.tick_s: must be > 0.0, got -1",
        f"{path}:8:16: error: ai.reliability: must be >= 0.0 and <= 1.0, got 2",
    ]
    # alone, a duplicate key is still an error; with overrides, theirs come after the file's
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(HEAD + "title: Again\n", "night_raid.yaml",
                           overrides={"ai.reliabilty": 0.5})
    assert [str(p) for p in info.value.problems] == [
        "night_raid.yaml:3:1: error: title: duplicate key 'title' (first defined at line 2, "
        "column 1)",
        "--set ai.reliabilty: error: ai.reliabilty: unknown key 'reliabilty'; did you mean "
        "'reliability'?",
    ]


def test_a_sweep_spec_still_refuses_a_duplicate_key(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("scenario: airbase_swarm\nfactors: {autonomy.level: [5, 6]}\n"
                    "seeds: [1]\nseeds: [2]\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="duplicate key 'seeds'"):
        load_spec(spec)


def test_an_unquoted_colon_says_to_quote_the_value(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "night_raid.yaml"
    path.write_text("id: night_raid\ntitle: Air defence: night raid  # the raid\n",
                    encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"{path}:2:19: error: invalid YAML: mapping values are not allowed here; a value that "
        "contains ': ' must be quoted, e.g. title: \"Air defence: night raid\"\n")
    with pytest.raises(ScenarioError, match=r'e.g. briefing: "Time: \\"now\\": go"$'):
        load_scenario_text(HEAD + 'briefing: Time: "now": go\n', "night_raid.yaml")
    with pytest.raises(ScenarioError, match=r"e.g. What: \"if: not\"$"):
        load_scenario_text(HEAD + "questions:\n  - What: if: not\n", "night_raid.yaml")
    # a long value is shown by its start, and finding it stays linear in the line's length
    start = time.monotonic()
    with pytest.raises(ScenarioError, match=r'e\.g\. title: "a \.\.\."$'):
        load_scenario_text(HEAD.replace("Night raid", "a" + " " * 200_000 + "b: c"),
                           "night_raid.yaml")
    assert time.monotonic() - start < 20
    # a colon after a key that is indented too far is still an indentation problem
    with pytest.raises(ScenarioError, match=r"not allowed here; check the indentation$"):
        load_scenario_text(HEAD + "run:\n  duration_s: 100\n   tick_s: 1\n", "night_raid.yaml")


def test_an_id_that_differs_from_the_file_name_is_refused_where_it_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "night_raid.yaml"
    path.write_text("title: Night\nid: nightraid\nrun: {tick_s: 0}\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:2:5: error: id: must equal the file name without .yaml, 'night_raid', got "
        "'nightraid': rename the file to nightraid.yaml or set id: night_raid",
        f"{path}:3:15: error: run.tick_s: must be > 0.0, got 0",
    ]
    path.write_text("title: Night\nid: nightraid\n", encoding="utf-8")
    for argv in (["run", str(path)], ["check", str(path)], ["play", str(path)]):
        assert main(argv) == 2
        assert f"{path}:2:5: error: id: must equal the file name" in capsys.readouterr().err
    with pytest.raises(ScenarioError, match="must equal the file name"):
        load_scenario(path, match_file_name=True)
    assert load_scenario(path).id == "nightraid"  # the Python API checks it when asked
    other = tmp_path / "night_raid.txt"  # not a .yaml name: nothing to compare with
    other.write_text("title: Night\nid: nightraid\n", encoding="utf-8")
    assert main(["validate", str(other)]) == 0
    capsys.readouterr()


def test_bundled_scenarios_are_named_by_their_ids(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted((ROOT / "hmt_sim" / "bundled").glob("*.yaml"))
    assert len(files) >= 5
    assert main(["validate", *map(str, files)]) == 0
    assert capsys.readouterr().out.count(": ok (") == len(files)
