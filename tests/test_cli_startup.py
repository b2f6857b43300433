"""``hmt-sim --help``, ``--version`` and argument errors answer without importing the engine,
and, once the card is written (``hmt_sim.cli.quick``), without importing typer either.

Each case runs the CLI in a fresh interpreter and reports which heavy modules ended up in
``sys.modules``: a top-level import of the engine, of a scientific library or of the screen in
any ``hmt_sim.cli`` module (or in what it imports) makes this fail. A control case (``list``,
which must load scenario files) shows the probe does see imports. The card's answers are
compared with typer's, case by case, so the fast path cannot drift from what typer prints.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import hmt_sim
from hmt_sim.cli import quick

ROOT = Path(__file__).parents[1]

# Modules that must not be imported to print help, the version or a usage error.
HEAVY = (
    "hmt_sim.model", "hmt_sim.session", "hmt_sim.scenario", "hmt_sim.sweep", "hmt_sim.report",
    "mesa", "simpy", "numpy", "scipy", "pandas", "pyarrow", "matplotlib", "networkx", "dask",
    "yaml", "pygame", "pygame_gui", "visualiser",
    "rich",  # help is plain text: Rich's formatter alone costs more than the rest of start-up
)
# Typer (0.2x) converts every parameter value of a subcommand invocation, even the group's unset
# --help, through a pydantic TypeAdapter: pydantic is imported by typer itself there. The
# top-level --help and --version answer before any conversion, so they must not import it.
TYPER_COERCION = ("pydantic", "pydantic_core")
# With a current card, help and argument errors need neither typer nor its copy of click.
PARSER = ("typer", "click", "annotated_doc", "shellingham")

PROBE = """
import io, json, sys
from contextlib import redirect_stderr, redirect_stdout
from hmt_sim.cli import main
out, err = io.StringIO(), io.StringIO()
with redirect_stdout(out), redirect_stderr(err):
    try:
        rc = main(json.loads(sys.argv[1]))
    except SystemExit as stop:
        rc = stop.code
heavy = json.loads(sys.argv[2]) + json.loads(sys.argv[3])
loaded = sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy))
print(json.dumps({"rc": rc, "out": out.getvalue(), "err": err.getvalue(), "loaded": loaded}))
"""


def run_cli(argv: list[str], cache: Path | None = None,
            watch: tuple[str, ...] = HEAVY) -> dict[str, object]:
    """Run ``main(argv)`` in a fresh interpreter; return its exit code, output and which of the
    ``watch`` modules (and typer's) it imported. ``cache``: the XDG cache folder (the card's
    home); by default a new empty one outside the checkout, so typer answers."""
    with tempfile.TemporaryDirectory(prefix="hmt-sim-no-card-") as empty:
        env = {**os.environ, "XDG_CACHE_HOME": str(cache or empty), "COLUMNS": "80"}
        proc = subprocess.run(
            [sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(watch),
             json.dumps([*TYPER_COERCION, *PARSER])],
            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False, env=env,
        )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def engine_modules(result: dict[str, object]) -> list[str]:
    """The heavy modules a run loaded, leaving out typer and what its value conversion needs."""
    loaded = result["loaded"]
    assert isinstance(loaded, list)
    return [m for m in loaded if m.split(".")[0] not in (*TYPER_COERCION, *PARSER)]


@pytest.mark.parametrize(
    "argv",
    [["--help"], [], ["run", "--help"], ["sweep", "--help"], ["play", "--help"],
     ["report", "--help"], ["check", "--help"]],
    ids=lambda argv: " ".join(argv) or "no-args",
)
def test_help_imports_no_engine(argv: list[str]) -> None:
    result = run_cli(argv)
    assert engine_modules(result) == []
    if len(argv) < 2:  # the top level answers before typer converts any value
        assert [m for m in result["loaded"] if m.split(".")[0] not in PARSER] == []
    shown = str(result["out"] if argv else result["err"])  # no arguments: help on stderr
    assert "Usage: hmt-sim" in shown and "Traceback" not in shown
    if argv in (["--help"], []):
        for command in ("list", "validate", "run", "sweep", "report", "play", "replay"):
            assert f"\n  {command} " in shown
        assert "--version" in shown
    # no-args shows the help too, with click's usage-error exit code
    assert result["rc"] == (2 if argv == [] else 0)


def test_version_prints_the_package_version_without_the_engine() -> None:
    result = run_cli(["--version"])
    assert {**result, "loaded": engine_modules(result)} == {
        "rc": 0, "out": f"hmt-sim {hmt_sim.__version__}\n", "err": "", "loaded": []}


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["run"], "Missing argument"),
        (["no_such_command"], "No such command 'no_such_command'"),
        (["run", "airbase_swarm", "--seed", "abc"], "Invalid value for '--seed'"),
        (["--no-such-option"], "No such option: --no-such-option"),
        (["sweep", "spec.yaml", "--workers", "many"], "Invalid value for '--workers'"),
    ],
)
def test_argument_errors_exit_2_without_the_engine(argv: list[str], fragment: str) -> None:
    result = run_cli(argv)
    assert result["rc"] == 2
    assert fragment in str(result["err"]) and "Traceback" not in str(result["err"])
    assert engine_modules(result) == []


def test_the_probe_sees_imports_when_a_command_runs() -> None:
    # the control: listing loads the scenario files, so the loader and pydantic are imported
    result = run_cli(["list"])
    assert result["rc"] == 0 and "airbase_swarm" in str(result["out"])
    assert "hmt_sim.scenario" in result["loaded"] and "pydantic" in result["loaded"]


# --------------------------------------------------------------------------- the card
# Every kind of line the card answers, and some it must leave to typer.
CARD_CASES = [
    [], ["--help"], ["--version"], ["--help", "--version"], ["--bogus"], ["--verson"],
    ["nosuch"], ["rn"], ["run"], ["run", "--help"], ["run", "x", "--seed", "abc"],
    ["run", "x", "--seed"], ["run", "--seed", "abc"], ["run", "x", "--sed", "1"],
    ["run", "x", "y", "z"], ["run", "x", "--bogus", "--help"], ["run", "--seed", "abc", "--help"],
    ["run", "x", "--seed=abc"], ["run", "x", "--", "y"], ["sweep", "s", "--workers", "many"],
    ["report", "x", "--seeds", "nope"], ["list", "extra"], ["validate"], ["schema", "x"],
    *([name, "--help"] for name in ("sweep", "report", "play", "replay", "check", "list",
                                     "validate", "schema", "analyse", "plot", "calibrate")),
]
LEFT_TO_TYPER = [["run", "x", "--seed", "5"], ["run", "x", "--allow-plugins", "--seed", "abc"],
                 ["run", "x", "--seed", "inf"], ["run", "x", "-o"], ["list"]]


def _captured(fn: object, argv: list[str]) -> tuple[object, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = fn(list(argv))  # type: ignore[operator]
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture
def card(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder holding the card, written by the typer path at 80 columns."""
    from hmt_sim.cli.application import run

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "80")
    assert quick.load_card() is None
    assert _captured(run, ["--version"])[0] == 0
    assert quick.load_card() is not None
    return tmp_path


def test_the_card_answers_exactly_as_typer_does(card: Path) -> None:
    from hmt_sim.cli.application import run

    for argv in CARD_CASES:
        fast = _captured(quick.answer, argv)
        assert fast[0] is not None, f"the card should answer {argv}"
        assert fast == _captured(run, argv), argv
    for argv in LEFT_TO_TYPER:
        assert _captured(quick.answer, argv) == (None, "", ""), argv


def test_a_card_for_another_width_or_a_damaged_one_is_not_used(
        card: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")  # help would wrap elsewhere: typer renders it
    assert quick.answer(["--help"]) is None
    monkeypatch.setenv("COLUMNS", "80")
    assert quick.answer(["--help"]) == 0
    for path in (card / "hmt-sim").iterdir():
        path.write_bytes(b"not a card")
    assert quick.answer(["--help"]) is None


def test_an_unwritable_cache_never_breaks_the_command_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hmt_sim.cli.application import run

    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert _captured(run, ["--version"]) == (0, f"hmt-sim {hmt_sim.__version__}\n", "")
    assert quick.load_card() is None


@pytest.mark.parametrize("argv", [["--help"], [], ["run", "airbase_swarm", "--seed", "abc"],
                                  ["no_such_command"], ["sweep", "--help"]],
                         ids=lambda argv: " ".join(argv) or "no-args")
def test_with_a_card_help_and_errors_import_neither_typer_nor_the_engine(
        argv: list[str], tmp_path: Path) -> None:
    cold = run_cli(["--version"], cache=tmp_path)  # the typer path writes the card
    assert cold["rc"] == 0 and "typer" in cold["loaded"]
    warm = run_cli(argv, cache=tmp_path)
    assert warm["loaded"] == [], warm["loaded"]
    assert warm["rc"] in (0, 2) and "Usage: hmt-sim" in str(warm["out"]) + str(warm["err"])


# What a run needs is the engine (Mesa brings pandas, SciPy, networkx and pyarrow with it); what
# it must not start is plotting, a cluster client, sensitivity analysis, the screen or the room.
NOT_FOR_A_RUN = ("matplotlib", "dask", "distributed", "sklearn", "SALib", "pygame",
                 "pygame_gui", "visualiser", "starlette", "uvicorn", "websockets", "segno",
                 "playwright", "babel", "hmt_sim.sweep", "hmt_sim.report", "hmt_sim.room")


def test_a_run_loads_the_engine_and_nothing_it_does_not_use(tmp_path: Path) -> None:
    result = run_cli(["run", "training_sandbox", "--set", "run.duration_s=5", "--json"],
                     watch=(*NOT_FOR_A_RUN, "mesa"))
    assert result["rc"] == 0 and '"harm"' in str(result["out"])
    assert [m for m in result["loaded"] if m.split(".")[0] != "mesa"
            and m.split(".")[0] not in (*TYPER_COERCION, *PARSER)] == []
    assert "mesa" in result["loaded"]  # the control: the probe sees the engine's imports
