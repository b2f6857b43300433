"""No import circles in hmt_sim, counting imports hidden inside functions.

A function-local import makes a circle work at run time (the second module is imported only when
the function is called), but it still means two modules each need the other: neither can be read,
tested or moved alone, and import order starts to matter. So every ``import`` statement counts,
at module level or inside a function, class or ``try``; only those under ``if TYPE_CHECKING:``
are left out (they never run). ``hmt_sim/__init__.py`` imports its public names lazily by
*string* in ``__getattr__``; strings are not import statements, so they are not edges.

An edge goes to the module an import statement names: ``from hmt_sim.sweep import spec`` is an
edge to the module ``hmt_sim.sweep.spec``, ``from hmt_sim.sweep import load_spec`` one to the
package ``hmt_sim.sweep``. The parent packages Python also initialises on the way are not edges:
a package ``__init__`` that re-exports its submodules would otherwise form a circle with every
submodule that imports a sibling.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "hmt_sim"

# Known circles in modules that are being restructured by someone else right now, as the import
# edge that closes each circle. Every entry must name who owns it and why it is here; the test
# below fails when an entry no longer closes a circle, so the list cannot go stale.
ALLOWED_EDGES: dict[tuple[str, str], str] = {}

Graph = dict[str, set[str]]


def module_name(root: Path, path: Path) -> str:
    """``root/sweep/spec.py`` -> ``hmt_sim.sweep.spec``; a package's ``__init__`` is the package."""
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: all of them except under ``if TYPE_CHECKING:``."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)  # the `else:` branch does run
        else:
            stack.extend(ast.iter_child_nodes(node))


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom,
             modules: set[str]) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
        return
    base = node.module or ""
    if node.level:  # relative: resolve against this module's package
        package = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        yield sub if sub in modules else base


def import_graph(root: Path) -> Graph:
    """Module -> the modules of the same package it imports (anywhere in its code)."""
    files = {module_name(root, p): p for p in sorted(root.rglob("*.py"))}
    modules = set(files)
    graph: Graph = {m: set() for m in modules}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _imports(tree):
            for target in _targets(module, path.name == "__init__.py", node, modules):
                if target in modules and target != module:
                    graph[module].add(target)
    return graph


def find_cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected component of more than one module (Tarjan), each
    written as a path that starts and ends at the same module, in a fixed order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component: set[str] = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            components.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_circle(graph, c) for c in sorted(components, key=min) if len(c) > 1]


def _circle(graph: Mapping[str, set[str]], component: set[str]) -> list[str]:
    """A shortest path from the component's first module back to itself (breadth first)."""
    start = min(component)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for v in frontier:
            for w in sorted(graph[v] & component):
                if w == start:
                    chain = [v]
                    while chain[-1] != start:
                        chain.append(previous[chain[-1]])
                    return [*reversed(chain), start]
                if w not in previous:
                    previous[w] = v
                    following.append(w)
        frontier = following
    raise AssertionError(f"no circle through {start}")  # pragma: no cover - a component has one


def without(graph: Graph, edges: Mapping[tuple[str, str], str]) -> Graph:
    """The graph minus the allow-listed edges."""
    return {m: {t for t in targets if (m, t) not in edges} for m, targets in graph.items()}


def test_hmt_sim_has_no_import_circle() -> None:
    cycles = find_cycles(without(import_graph(PACKAGE), ALLOWED_EDGES))
    assert not cycles, "import circles (function-local imports count):\n" + "\n".join(
        " -> ".join(c) for c in cycles)


@pytest.mark.parametrize("edge", sorted(ALLOWED_EDGES))
def test_every_allowed_edge_still_closes_a_circle(edge: tuple[str, str]) -> None:
    graph = without(import_graph(PACKAGE), {e: r for e, r in ALLOWED_EDGES.items() if e != edge})
    assert edge[1] in graph[edge[0]], f"{edge} is no longer imported: remove it from the list"
    assert any(edge[0] in c and edge[1] in c for c in find_cycles(graph)), (
        f"{edge} no longer closes a circle: remove it from ALLOWED_EDGES")


def test_the_checker_sees_hidden_circles_and_skips_type_checking(tmp_path: Path) -> None:
    pkg = tmp_path / "toy"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from toy.sub import b\n")
    (pkg / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from toy import c\n"
        "def f():\n    from .sub.b import g\n    return g\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("import toy.c\n")
    (pkg / "c.py").write_text("class K:\n    def m(self):\n        from toy import a\n")
    graph = import_graph(pkg)
    assert graph == {"toy": {"toy.sub.b"}, "toy.a": {"toy.sub.b"}, "toy.sub": set(),
                     "toy.sub.b": {"toy.c"}, "toy.c": {"toy.a"}}
    assert find_cycles(graph) == [["toy.a", "toy.sub.b", "toy.c", "toy.a"]]
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                              "    from toy import a\n")
    assert find_cycles(import_graph(pkg)) == []


@pytest.mark.parametrize("package", ["scenario", "sweep", "report"])
def test_no_private_name_is_imported_from_another_module(package: str) -> None:
    """A leading underscore says "only this module uses it"; a name another module needs gets a
    public home instead (``scenario/yamldoc.py`` for the reading the sweep shares). gettext's
    ``_`` (``from hmt_sim.i18n import _``) is the one convention that looks private and is not."""
    found = []
    for path in sorted((PACKAGE / package).rglob("*.py")):
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hmt_sim"):
                found += [f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {alias.name}"
                          for alias in node.names
                          if alias.name.startswith("_") and not alias.name.startswith("__")
                          and alias.name != "_"]
    assert not found, "private names imported across modules:\n" + "\n".join(found)
