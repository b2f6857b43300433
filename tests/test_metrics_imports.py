"""Metrics read only the event log: no metric module imports the engine, directly or through
another hmt_sim module (DESIGN.md: "Metrics read only the event log").

The check parses imports with ``ast`` (every import statement, also inside functions, except
those under ``if TYPE_CHECKING:``, which never run) and follows imports of hmt_sim modules to
their own imports, so a definition module that pulled in the engine would be caught too. A second
check imports the metrics in a fresh interpreter and looks at what got loaded.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hmt_sim"
ENGINE = ("hmt_sim.model", "hmt_sim.decisions", "hmt_sim.agents", "hmt_sim.escalation",
          "hmt_sim.world", "hmt_sim.roe", "hmt_sim.session", "hmt_sim.injects", "mesa", "simpy")


def _is_engine(module: str) -> bool:
    return any(module == e or module.startswith(e + ".") for e in ENGINE)


def _source(module: str) -> Path | None:
    """The file of an hmt_sim module (a package's ``__init__.py``), or None if not ours."""
    if module != "hmt_sim" and not module.startswith("hmt_sim."):
        return None
    base = ROOT.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path, here: str | None = None) -> set[str]:
    """Every module an import statement in ``path`` loads when it runs: the named module, its
    parent packages, and for ``from pkg import name`` the submodule ``pkg.name`` if it is one.
    ``here`` is the module's dotted name (by default from its place in the checkout)."""
    here = here or _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()

    def add(module: str) -> None:
        parts = module.split(".")
        found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))

    def visit(node: ast.AST) -> None:
        if _type_checking_only(node):
            assert isinstance(node, ast.If)
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            add(module)
            for alias in node.names:
                if _source(f"{module}.{alias.name}") is not None:
                    add(f"{module}.{alias.name}")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return found


def engine_imports_reachable_from(module: str) -> dict[str, list[str]]:
    """Engine modules reachable from ``module`` through hmt_sim imports, each with the chain of
    modules that leads to it (for a message that says where to look)."""
    chains: dict[str, list[str]] = {module: [module]}
    todo = [module]
    bad: dict[str, list[str]] = {}
    while todo:
        current = todo.pop()
        path = _source(current)
        if path is None:
            continue
        for imported in sorted(imports_of(path)):
            if imported in chains:
                continue
            chains[imported] = [*chains[current], imported]
            if _is_engine(imported):
                bad[imported] = chains[imported]
            else:
                todo.append(imported)
    return bad


METRIC_MODULES = sorted(_module_name(p) for p in (PACKAGE / "metrics").glob("*.py"))


def test_the_metric_modules_are_found():
    assert "hmt_sim.metrics" in METRIC_MODULES and "hmt_sim.metrics.escalation" in METRIC_MODULES
    assert len(METRIC_MODULES) >= 8


@pytest.mark.parametrize("module", METRIC_MODULES)
def test_a_metric_module_imports_nothing_from_the_engine(module):
    bad = engine_imports_reachable_from(module)
    assert not bad, "metrics must not import the engine: " + "; ".join(
        " -> ".join(chain) for chain in bad.values())


def test_the_checker_sees_an_engine_import(tmp_path):
    # The engine's own escalation module imports mesa (through hmt_sim.mesa_import, which the
    # checker follows); the ladder below it must not.
    assert "hmt_sim.mesa_import" in imports_of(PACKAGE / "escalation.py")
    assert "mesa" in imports_of(PACKAGE / "mesa_import.py")
    assert "mesa" in engine_imports_reachable_from("hmt_sim.escalation")
    assert engine_imports_reachable_from("hmt_sim.ladder") == {}
    # A function-local import counts (it runs when the function does); a TYPE_CHECKING one not.
    (tmp_path / "m.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import simpy\n"
        "def f():\n    from hmt_sim.world import World\n", encoding="utf-8")
    assert {"hmt_sim.world", "hmt_sim"} <= imports_of(tmp_path / "m.py", "probe")
    assert "simpy" not in imports_of(tmp_path / "m.py", "probe")


def test_importing_the_metrics_loads_no_engine_module():
    code = ("import sys, hmt_sim.metrics, hmt_sim.metrics.escalation\n"
            f"engine = {ENGINE!r}\n"
            "print(sorted(m for m in sys.modules if any(m == e or m.startswith(e + '.') "
            "for e in engine)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.strip()
    assert out == "[]"
