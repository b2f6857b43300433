"""Hostile scenario files: each gives a located ScenarioError in bounded time and memory, and
none constructs an object, imports a module or runs code.

Every case goes through ``load_scenario`` on a real file (the path a participant's download
takes), under ``tracemalloc`` and a wall clock; the outcome of each is recorded for the
"reliability figures" summary at the end of the run.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from hmt_sim.errors import InputError, ScenarioError
from hmt_sim.scenario import MAX_BYTES, MAX_DEPTH, MAX_NODES, load_scenario, load_scenario_text

from .conftest import AIRBASE, BAD_INPUTS, Cost, measure

CPU_LIMIT_S = 2.0
WALL_LIMIT_S = 15.0  # a hang guard only: the machine running the tests may be busy
MEMORY_LIMIT_MIB = 200.0
VALID = AIRBASE.read_text(encoding="utf-8")


def _billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ['id: lol', 'title: t', 'a0: &a0 ["lol"]']
    for i in range(1, levels + 1):
        refs = ", ".join(f"*a{i - 1}" for _ in range(width))
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append(f"questions: *a{levels}")
    return "\n".join(lines) + "\n"


def _merge_bomb(levels: int = 12) -> str:
    lines = ["id: merge", "title: t", "m0: &m0 {k0: 1, k1: 2}"]
    for i in range(1, levels + 1):
        prev = f"*m{i - 1}"
        lines.append(f"m{i}: &m{i} {{<<: [{prev}, {prev}], x{i}: {prev}, y{i}: {prev}}}")
    lines.append(f"kinds: *m{levels}")
    return "\n".join(lines) + "\n"


def _random_bytes(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


HOSTILE: dict[str, Callable[[], str | bytes]] = {
    # --- code execution and object construction (PyYAML's unsafe tags) ----------------------
    "python/object/apply os.system": lambda: (
        'id: x\ntitle: !!python/object/apply:os.system ["echo pwned > PWNED"]\n'),
    "python/object/new": lambda: (
        "id: x\ntitle: t\nai: !!python/object/new:subprocess.Popen [[touch, PWNED]]\n"),
    "python/name": lambda: "id: x\ntitle: !!python/name:os.system\n",
    "python/module": lambda: "id: x\ntitle: t\nblue: !!python/module:shutil\n",
    "python/object with state": lambda: (
        "id: x\ntitle: t\nrun: !!python/object:hmt_sim.session.Session {seed: 1}\n"),
    "python/tuple and bytes": lambda: (
        "id: x\ntitle: t\nquestions: !!python/tuple [a]\nbriefing: !!binary aGk=\n"),
    "local tag !include": lambda: "id: x\ntitle: !include /etc/passwd\n",
    "!!set and !!omap": lambda: "id: x\ntitle: t\nkinds: !!set {a: null}\nred: !!omap [a: 1]\n",
    "tag on a key": lambda: "id: x\ntitle: t\n!!python/name:os.system : 1\n",
    # --- resource exhaustion ---------------------------------------------------------------
    "billion laughs (9^9)": _billion_laughs,
    "merge-key bomb": _merge_bomb,
    "recursive alias": lambda: "id: x\ntitle: t\nquestions: &q [a, *q]\n",
    "deep flow nesting (10k)": lambda: "id: x\ntitle: t\nq: " + "[" * 10_000 + "]" * 10_000,
    "deep block nesting (500)": lambda: "id: x\ntitle: t\n" + "".join(
        " " * i + f"k{i}:\n" for i in range(500)) + " " * 500 + "v\n",
    "deep mapping flow (5k)": lambda: "id: x\n" + "{a: " * 5_000 + "1" + "}" * 5_000,
    "many values (flow list, 200k)": lambda: "id: x\ntitle: t\nquestions: [" + ",".join(
        ["q"] * 200_000) + "]\n",
    "many values (block list, 150k)": lambda: "id: x\ntitle: t\nquestions:\n" + "- q\n" * 150_000,
    "huge file (3 MiB)": lambda: "# " + "x" * (3 * 2**20) + "\nid: x\n",
    "just under the cap, then a bad key": lambda: (
        "id: x\ntitle: t\nbriefing: " + "b" * (MAX_BYTES - 100) + "\nbogus: 1\n"),
    "huge integer (5000 digits)": lambda: VALID.replace("count: 16", "count: " + "9" * 5000),
    "long key (256 KiB)": lambda: "id: x\ntitle: t\n" + "k" * 2**18 + ": 1\n",
    "many documents": lambda: "id: x\ntitle: t\n" + "---\nid: y\n" * 1000,
    # --- not text --------------------------------------------------------------------------
    "random bytes (64 KiB)": lambda: _random_bytes(65_536, 1),
    "PNG header": lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + _random_bytes(200, 2),
    "ELF executable": lambda: b"\x7fELF\x02\x01\x01\x00" + _random_bytes(300, 3),
    "gzip archive": lambda: b"\x1f\x8b\x08\x00" + _random_bytes(300, 4),
    "NUL bytes inside YAML": lambda: VALID.encode("utf-8")[:500] + b"\x00\x00" + b"rest: 1\n",
    "empty file": lambda: b"",
    "only comments": lambda: "# nothing here\n# at all\n",
    "top-level list": lambda: "- id: x\n- title: t\n",
    "top-level scalar": lambda: "just a sentence\n",
    # --- wrong encodings -------------------------------------------------------------------
    "UTF-16 LE with BOM": lambda: "\ufeff".encode("utf-16-le") + VALID.encode("utf-16-le"),
    "UTF-16 BE without BOM": lambda: VALID.encode("utf-16-be"),
    "UTF-32": lambda: VALID.encode("utf-32"),
    "Latin-1 accents": lambda: VALID.replace("Drone swarm", "Essaim de drones: été").encode(
        "latin-1"),
    "Windows-1252 smart quotes": lambda: VALID.replace(
        "Drone swarm", "\u201cDrone\u201d swarm").encode("cp1252"),
    "lone surrogate escape": lambda: VALID.replace(
        "title: Drone swarm on an airbase beside a city", 'title: "\\ud800 swarm"'),
    "control characters": lambda: "id: x\ntitle: \x07\x1b[31mred\x1b[0m\n",
}


def _where(error: ScenarioError) -> str:
    p = error.problems[0]
    message = p.message if len(p.message) < 70 else p.message[:67] + "..."
    return f"ScenarioError {p.line}:{p.column} {message}"


HEAVY = {"many values (flow list, 200k)", "many values (block list, 150k)",
         "just under the cap, then a bad key"}
"""Cases that take seconds (parsing up to the caps, twice: timed and traced): marked slow."""
AT_NODE_CAP = {"many values (flow list, 200k)", "many values (block list, 150k)"}
NODE_CAP_CPU_LIMIT_S = 5.0
"""A flat list is parsed up to MAX_NODES (20,000; the bundled scenarios have about 500 values)
before it is refused. At the earlier cap of 100,000 that took 1.6 to 2.1 s of CPU on the shared
test machine; these two keep a wider bound than CPU_LIMIT_S all the same."""


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in HEAVY else n for n in HOSTILE])
def test_hostile_file_gives_a_located_error_fast_and_small(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = HOSTILE[name]()
    path = tmp_path / "hostile.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    monkeypatch.chdir(tmp_path)  # where a smuggled `echo > PWNED` or `touch PWNED` would write
    modules_before = set(sys.modules)
    cost, error = measure(lambda: load_scenario(path))
    assert isinstance(error, ScenarioError), f"{name}: got {error!r}"
    BAD_INPUTS.append((name, _where(error), cost))
    assert error.problems, "an error must carry at least one problem"
    for problem in error.problems:
        assert problem.file == str(path)
        assert problem.line >= 1 and problem.column >= 1
        assert problem.message and "Traceback" not in problem.message
    limit = NODE_CAP_CPU_LIMIT_S if name in AT_NODE_CAP else CPU_LIMIT_S
    assert cost.cpu_s < limit, f"{name}: {cost.cpu_s:.2f} s CPU"
    assert cost.wall_s < WALL_LIMIT_S, f"{name}: {cost.wall_s:.2f} s"
    assert cost.peak_mib < MEMORY_LIMIT_MIB, f"{name}: {cost.peak_mib:.0f} MiB"
    assert not (tmp_path / "PWNED").exists()
    assert not {"subprocess", "shutil"} & (set(sys.modules) - modules_before)


def test_unsafe_tags_are_named_in_the_message(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text('id: x\ntitle: !!python/object/apply:os.system ["true"]\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (problem,) = [p for p in info.value.problems if p.path == "title"]
    assert (problem.line, problem.column) == (2, 8)
    assert "!!python/object/apply:os.system" in problem.message
    assert "plain data only" in problem.message


def test_alias_bomb_stops_at_the_node_cap_with_its_location() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(_billion_laughs(), "bomb.yaml")
    problem = info.value.problems[0]
    assert f"{MAX_NODES:,}" in problem.message and "alias bomb" in problem.message
    assert problem.line >= 3


def test_nesting_cap_is_reported_where_it_is_exceeded() -> None:
    text = "id: x\ntitle: t\nq: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "deep.yaml")
    problem = info.value.problems[0]
    assert f"deeper than {MAX_DEPTH}" in problem.message
    assert problem.line == 3


@pytest.mark.parametrize(
    ("name", "expect"),
    [("UTF-16 LE with BOM", "UTF-16"), ("UTF-16 BE without BOM", "UTF-16"), ("UTF-32", "UTF-32"),
     ("Latin-1 accents", "UTF-8"), ("Windows-1252 smart quotes", "UTF-8"),
     ("random bytes (64 KiB)", "binary"), ("huge file (3 MiB)", "too large")],
)
def test_encoding_and_size_messages_say_what_the_file_is(name: str, expect: str,
                                                         tmp_path: Path) -> None:
    content = HOSTILE[name]()
    path = tmp_path / "f.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert expect in str(info.value)


def test_latin1_error_points_at_the_offending_character(tmp_path: Path) -> None:
    text = "id: x\ntitle: caf\u00e9\n"
    path = tmp_path / "latin1.yaml"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert (info.value.line, info.value.column) == (2, 11)


def test_utf8_with_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode("utf-8"))
    assert load_scenario(path).id == "airbase_swarm"


@pytest.mark.parametrize("target", ["directory", "missing", "device file"])
def test_a_path_that_is_not_a_file_is_an_input_error(target: str, tmp_path: Path) -> None:
    path = {"directory": tmp_path, "missing": tmp_path / "nope.yaml",
            "device file": Path("/dev/null")}[target]
    with pytest.raises((InputError, ScenarioError)) as info:
        load_scenario(path)
    BAD_INPUTS.append((f"path: {target}", f"{type(info.value).__name__}: "
                       f"{str(info.value)[:60]}", Cost()))
    assert str(path) in str(info.value) or "empty" in str(info.value)
