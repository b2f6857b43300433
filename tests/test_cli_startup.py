"""``hmt-sim --help``, ``--version`` and argument errors answer without importing the engine.

Each case runs the CLI in a fresh interpreter and reports which heavy modules ended up in
``sys.modules``: a top-level import of the engine, of a scientific library or of the screen in
any ``hmt_sim.cli`` module (or in what it imports) makes this fail. A control case (``list``,
which must load scenario files) shows the probe does see imports.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import hmt_sim

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


def run_cli(argv: list[str]) -> dict[str, object]:
    """Run ``main(argv)`` in a fresh interpreter; return its exit code, output and heavy imports."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(HEAVY),
         json.dumps(TYPER_COERCION)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def engine_modules(result: dict[str, object]) -> list[str]:
    """The heavy modules a run loaded, leaving out what typer's own value conversion needs."""
    loaded = result["loaded"]
    assert isinstance(loaded, list)
    return [m for m in loaded if m.split(".")[0] not in TYPER_COERCION]


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
        assert result["loaded"] == []
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
    assert result == {"rc": 0, "out": f"hmt-sim {hmt_sim.__version__}\n", "err": "",
                      "loaded": []}


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
