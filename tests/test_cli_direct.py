"""``hmt-sim run`` without typer: the card's fast path (``hmt_sim.cli.quick.respond``, run by
``hmt_sim.cli.direct.call``) must call ``hmt_sim.cli.runbody.run`` with exactly the values
typer's parser gives the command, leave every unusual command line to typer, and end a run
exactly as the typer path ends it (output, errors, exit codes).

typer's side is the real parser: the click command typer builds parses each command line
(``make_context``), and its values go through typer's own normalisation, as typer's wrapper
passes them to ``hmt_sim.cli.core.run``.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hmt_sim.cli import direct, main, quick
from hmt_sim.plugins import registry

ROOT = Path(__file__).parents[1]

# Well-formed run command lines: the card plans each, with typer's values.
PLANNED = [
    ["run", "x"], ["run", "x", "--seed", "5"], ["run", "x", "--seed", "-5"],
    ["run", "x", "--seed", "0"], ["run", "x", "--seed", "-0"], ["run", "--seed", "7", "x"],
    ["run", "x", "--seed=9"],
    ["run", "x", "--seed", "1", "--seed", "2"], ["run", "x", "--set", "a=1", "--set", "b=2"],
    ["run", "x", "--set=a=1"], ["run", "x", "--set", "a=1", "--json", "--set", "b=x y"],
    ["run", "x", "--out", "o/"], ["run", "x", "--out", ""], ["run", "x", "--out=dir/run"],
    ["run", "x", "--json", "--force", "--no-force"], ["run", "x", "--no-force", "--force"],
    ["run", "x", "--operators", "ops.yaml"], ["run", "--", "--weird"], ["run", "é.yaml"],
    ["run", "x", "--allow-plugins"], ["run", "--allow-plugins", "x", "--seed", "3"],
    ["run", "scenarios/a b.yaml", "--out", "~/runs", "--seed", "123456789012345678"],
]
# Command lines whose values only typer (pydantic) can judge or that typer must word.
LEFT_TO_TYPER = [
    ["run", "x", "--seed", "+5"], ["run", "x", "--seed", "5_0"], ["run", "x", "--seed", "05"],
    ["run", "x", "--seed", " 5"], ["run", "x", "--seed", "5.0"],
    ["run", "x", "--seed", "1234567890123456789"], ["run", "x", "--seed", "٣"],
    ["run", "x", "--out", "a\0b"], ["run", "x", "--json=1"], ["run", "x", "-f"],
    ["run", "x", "--allow-plugins", "--seed", "abc"], ["run", "x", "--allow-plugins", "y"],
    ["list"], ["validate", "a.yaml"], ["sweep", "spec.yaml"],
]


@pytest.fixture
def card(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder holding the card, written by the typer path at 80 columns; the plugin
    trust an ``--allow-plugins`` sets is put back afterwards."""
    from hmt_sim.cli.application import run

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("_HMT_SIM_COMPLETE", raising=False)
    monkeypatch.setattr(registry._trust, "allowed", False)
    with contextlib.redirect_stdout(io.StringIO()):
        assert run(["--version"]) == 0
    assert quick.load_card() is not None
    return tmp_path


def typer_values(argv: list[str]) -> dict[str, Any]:
    """The values typer's wrapper passes the command's function for ``argv`` (``run ...``):
    parsed by the click command typer builds, normalised as typer normalises them."""
    import typer
    from typer.main import _normalize_collection_value

    from hmt_sim.cli.application import _in_module_order, app

    _in_module_order()
    group = typer.main.get_command(app)
    command = group.commands[argv[0]]
    parent = group.make_context("hmt-sim", list(argv))
    ctx = command.make_context(argv[0], list(argv[1:]), parent=parent)
    by_name = {p.name: p for p in command.params}
    return {name: _normalize_collection_value(by_name[name], value)
            for name, value in ctx.params.items()}


@pytest.mark.parametrize("argv", PLANNED, ids=" ".join)
def test_the_card_plans_a_run_with_the_values_typer_passes(card: Path, argv: list[str]) -> None:
    plan = quick.respond(argv)
    assert isinstance(plan, quick.Plan), f"the card should plan {argv}"
    assert plan.target == "hmt_sim.cli.runbody:run"
    assert plan.callbacks == [("hmt_sim.cli.callbacks:allow_plugins", "allow_plugins")]
    # typer runs the callbacks while parsing: the plan's values, after them, are typer's
    values = dict(plan.kwargs)
    for target, name in plan.callbacks:
        values[name] = direct.resolve(target)(values[name])
    expected = typer_values(argv)
    assert values == expected
    assert [type(v) for v in values.values()] == [type(expected[k]) for k in values]


@pytest.mark.parametrize("argv", LEFT_TO_TYPER, ids=" ".join)
def test_unusual_command_lines_are_left_to_typer(card: Path, argv: list[str]) -> None:
    assert not isinstance(quick.respond(argv), quick.Plan)


def test_shell_completion_and_a_missing_card_go_to_typer(
        card: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert isinstance(quick.respond(["run", "x"]), quick.Plan)
    monkeypatch.setenv("_HMT_SIM_COMPLETE", "bash_complete")
    assert quick.respond(["run", "x"]) is None
    monkeypatch.delenv("_HMT_SIM_COMPLETE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty"))
    assert quick.respond(["run", "x"]) is None


def test_the_body_takes_exactly_the_typer_commands_parameters() -> None:
    from hmt_sim.cli import core, runbody

    ours = inspect.signature(runbody.run).parameters
    typers = inspect.signature(core.run).parameters
    assert [(p.name, p.default) for p in ours.values()] == [
        (p.name, p.default) for p in typers.values()]
    # a body that no longer matches the card's parameters is not called: typer runs the line
    assert direct.call("hmt_sim.cli.runbody:run", {"scenario": "x"}, []) is None
    assert direct.call("hmt_sim.cli.no_such_module:run", {}, []) is None



def test_a_card_can_name_only_hmt_sims_own_bodies_and_callbacks(tmp_path: Path) -> None:
    """The card is a file in the user's cache: whatever it says, the fast path imports and calls
    nothing but functions defined in hmt_sim.cli.runbody and hmt_sim.cli.callbacks."""
    planted = tmp_path / "planted_module.py"
    planted.write_text("import sys\nsys.planted_ran = True\ndef run(**kw):\n    return 0\n")
    sys.path.insert(0, str(tmp_path))
    try:
        for target in ("planted_module:run", "os:system", "hmt_sim.cli.runbody:json",
                       "hmt_sim.cli.runbody:_fmt", "hmt_sim.cli.runbody:run.__globals__",
                       "hmt_sim.cli.callbacks:annotations"):
            with pytest.raises(ImportError):
                direct.resolve(target)
        assert direct.call("planted_module:run", {}, []) is None
        assert direct.call("hmt_sim.cli.runbody:run", {}, [("os:system", "x")]) is None
        assert not hasattr(sys, "planted_ran") and "planted_module" not in sys.modules
    finally:
        sys.path.remove(str(tmp_path))
    assert direct.resolve("hmt_sim.cli.callbacks:check_lang")("NL") == "nl"


def _captured(argv: list[str], fast: bool) -> tuple[object, str, str]:
    from hmt_sim.cli.application import run

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(list(argv)) if fast else run(list(argv))
    return rc, out.getvalue(), err.getvalue()


def test_a_run_ends_exactly_as_on_typers_path(card: Path, tmp_path: Path) -> None:
    ops = tmp_path / "ops.yaml"
    ops.write_text("operators: [\n")  # broken YAML: an error located in the file
    short = ["run", "training_sandbox", "--set", "run.duration_s=5"]
    lines = [
        [*short, "--json"], [*short, "--seed", "3"], [*short, "--json", "--seed", "-2"],
        ["run", "no_such_scenario"], [*short, "--set", "run.nope=1"],
        [*short, "--set", "novalue"], [*short, "--operators", str(tmp_path / "none.yaml")],
        [*short, "--operators", str(ops)], [*short, "--seed", "-1"],
    ]
    for argv in lines:
        assert isinstance(quick.respond(argv), quick.Plan), argv
        assert _captured(argv, fast=True) == _captured(argv, fast=False), argv
    out = tmp_path / "runs" / "one"
    fast = _captured([*short, "--out", str(out)], fast=True)
    again = _captured([*short, "--out", str(out)], fast=True)  # exists: refused, exit 2
    written = sorted(p.name for p in out.iterdir())
    typer_again = _captured([*short, "--out", str(out)], fast=False)
    assert fast[0] == 0 and str(out) in fast[1]
    assert again == typer_again and again[0] == 2
    assert _captured([*short, "--out", str(out), "--force"], fast=True) == _captured(
        [*short, "--out", str(out), "--force"], fast=False)
    assert sorted(p.name for p in out.iterdir()) == written


def test_allow_plugins_acts_on_the_fast_path(card: Path) -> None:
    assert not registry.entry_points_allowed()
    rc, _out, _err = _captured(["run", "training_sandbox", "--set", "run.duration_s=1",
                                "--json", "--allow-plugins"], fast=True)
    assert rc == 0 and registry.entry_points_allowed()


def test_a_run_with_a_card_imports_neither_typer_nor_click(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "COLUMNS": "80"}
    env.pop("_HMT_SIM_COMPLETE", None)
    argv = ["run", "training_sandbox", "--set", "run.duration_s=1", "--json"]
    probe = ("import json, sys\nfrom hmt_sim.cli import main\nrc = main(sys.argv[1:])\n"
             "print(json.dumps([rc, sorted(m for m in sys.modules "
             "if m.split('.')[0] in ('typer', 'click', 'rich'))]))")
    runs = []
    for _ in range(2):  # the first writes the card (typer's path), the second uses it
        proc = subprocess.run([sys.executable, "-c", probe, *argv], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120, check=True)
        lines = proc.stdout.strip().splitlines()
        runs.append((json.loads(lines[-1]), json.loads("\n".join(lines[:-1]))))
    (cold_rc, cold_loaded), cold_metrics = runs[0]
    (warm_rc, warm_loaded), warm_metrics = runs[1]
    assert cold_rc == warm_rc == 0 and "typer" in cold_loaded  # the control
    assert warm_loaded == []
    assert warm_metrics == cold_metrics
