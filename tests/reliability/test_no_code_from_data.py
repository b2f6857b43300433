"""Data files cannot name Python code. A scenario or sweep spec that tries to name a module, a
model or a runner is refused as having an unknown key; the only names a scenario may give are
registered plugin names (ai.classifier, operators.policy), and code behind an entry point loads
only with the explicit trust flag. No module of hmt-sim imports or evaluates anything a file
names (a source audit guards that)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from hmt_sim.errors import ScenarioError
from hmt_sim.scenario import load_scenario_text, scenario_json_schema

from .conftest import AIRBASE, ROOT

VALID = AIRBASE.read_text(encoding="utf-8")

CODE_NAMING = {
    "top-level policy": ("policy: mypkg.module:func\n", "policy"),
    "AI policy": ("ai:\n  policy: mypkg.ai:Recommender\n", "ai.policy"),
    "operator model": ("operators:\n  model: mypkg.people:Operator\n", "operators.model"),
    "plugins list": ("plugins: [mypkg.plugin]\n", "plugins"),
    "module in an inject": ("injects:\n  - {at_s: 1, kind: custom, module: evil:run}\n",
                            "injects.0"),
}


def _with(extra: str) -> str:
    """The bundled scenario with ``extra`` merged in (replacing a section it redefines)."""
    head = extra.split(":", 1)[0]
    lines = VALID.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith(f"{head}:")), None)
    if start is not None:
        end = next((j for j in range(start + 1, len(lines))
                    if lines[j].strip() and not lines[j].startswith((" ", "#"))), len(lines))
        lines[start:end] = [extra]
        return "".join(lines)
    return VALID + extra


@pytest.mark.parametrize("case", list(CODE_NAMING))
def test_a_scenario_cannot_name_code(case: str) -> None:
    extra, path = CODE_NAMING[case]
    before = set(sys.modules)
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(_with(extra), "plugin.yaml")
    problems = [p for p in info.value.problems if p.path.startswith(path)]
    assert problems, str(info.value)
    assert all(p.line > 1 for p in problems)
    assert any("unknown" in p.message for p in problems)
    assert not any(m.startswith("mypkg") or m == "evil" for m in set(sys.modules) - before)


def test_the_schema_has_no_field_that_could_name_code() -> None:
    """A field called policy/plugin/module/class/callable/entry_point/runner would be the start
    of a plugin mechanism; adding one must come with a trust flag (SECURITY.md)."""
    suspicious = re.compile(r"(policy|plugin|module|class_?name|callable|entry_?point|runner|"
                            r"import|factory|hook|script|command)$")
    found = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            for key in node.get("properties", {}):
                if suspicious.search(key):
                    found.append(f"{where}.{key}")
            for value in node.values():
                walk(value, where)
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    schema = scenario_json_schema()
    walk(schema, "scenario")
    # operators.policy names a registered decision policy, never a module: entry-point code
    # behind a name loads only with --allow-plugins (tests/plugins/test_entry_points.py).
    assert found == ["scenario.policy"]


def test_a_sweep_spec_cannot_name_a_runner(tmp_path: Path) -> None:
    """The Python API takes ``runner=`` (code the user wrote and imported); a spec file may not."""
    from hmt_sim.sweep import load_spec

    spec = tmp_path / "spec.yaml"
    spec.write_text("scenario: airbase_swarm\nrunner: mypkg.sweeps:run\n"
                    "factors: {autonomy.level: [5, 7]}\nseeds: [1]\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_spec(spec)
    assert "runner" in str(info.value) and ":2:" in str(info.value)


# Calls that turn text into code or objects. Each allowed use names its module and why.
DANGEROUS = re.compile(r"\b(eval|exec|compile|__import__|import_module|entry_points|"
                       r"pickle\.loads?|pickle\.Unpickler|"
                       r"marshal\.loads?|yaml\.(?:unsafe_|full_)?load|runpy|"
                       r"subprocess\.\w+\(.*shell=True|os\.system|os\.popen)\b")
ALLOWED = {
    ("hmt_sim/__init__.py", "import_module"),  # lazy attributes from a constant table
    ("hmt_sim/cli/__init__.py", "import_module"),  # the typer app, a constant name
    ("hmt_sim/cli/application.py", "import_module"),  # COMMAND_MODULES, a constant tuple
    # The CLI card: written by hmt-sim itself to the user's own cache folder and read back as
    # data (dicts and strings, checked against its fingerprint); nothing in it is ever called.
    ("hmt_sim/cli/quick.py", "marshal.loads"),
    # The run cache: a scenario hmt-sim validated, pickled to the user's own cache folder and
    # read back only when its checksum and key match and the file is the user's and writable by
    # no one else, by an unpickler that can build the scenario schema's classes and nothing
    # else (find_class refuses every other name; tests/test_cli_runcache.py).
    ("hmt_sim/cli/runcache.py", "pickle.Unpickler"),
    # The card's fast path: the function the card names must be one of hmt-sim's own command
    # bodies or option callbacks (BODY_MODULES, a constant tuple; anything else is refused).
    ("hmt_sim/cli/direct.py", "import_module"),
    ("hmt_sim/mesa_import.py", "__import__"),  # ENGINE_MODULES, a constant tuple of Mesa's
    ("hmt_sim/env/__init__.py", "import_module"),  # lazy attributes from a constant table
    ("hmt_sim/plugins/registry.py", "entry_points"),  # plugins, only after --allow-plugins
}


def test_no_module_turns_data_into_code() -> None:
    hits = []
    for folder in ("hmt_sim", "visualiser"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                for match in DANGEROUS.finditer(code):
                    name = match.group(1).split("(")[0]
                    if (rel, name) not in ALLOWED and not re.search(r"re\.compile", code):
                        hits.append(f"{rel}:{number}: {line.strip()}")
    assert hits == []


def test_scenario_text_cannot_inject_markup_into_the_report(tmp_path: Path) -> None:
    """A scenario is also text shown to people: title, briefing, questions and inject labels go
    into the HTML report escaped, so a shared scenario cannot put script into a debrief page."""
    from hmt_sim.report import build_report
    from hmt_sim.rundir import prepare_out_dir, write_run
    from hmt_sim.session import simulate

    payload = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    sc = load_scenario_text(VALID, "evil.yaml", overrides={
        "title": f"Swarm {payload}", "description": payload, "briefing": payload,
        "questions": [payload], "injects.0.label": payload, "run.duration_s": 400})
    out = prepare_out_dir(tmp_path / "run", force=False)
    write_run(simulate(sc, seed=2), out)
    html = build_report(out).read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)" in html  # shown, as text
    assert "<script" not in html and "<img src=x" not in html
