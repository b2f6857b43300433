"""The scenario cache of ``hmt-sim run`` (``hmt_sim.cli.runcache``): a repeated run reads the
validated scenario back instead of parsing YAML and building pydantic's validators, and an entry
is used only when loading would give the same scenario now (same file bytes, same ``--set``
items, same sources, nothing registered in the process); a corrupt, foreign or unsafe entry is
ignored and the scenario is loaded as usual.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hmt_sim import actions, plugins
from hmt_sim.cli import runbody, runcache
from hmt_sim.errors import InputError, ScenarioError
from hmt_sim.plugins import registry
from hmt_sim.scenario import load_scenario
from hmt_sim.scenario.library import bundled_dir
from hmt_sim.scenario.schema import Scenario
from hmt_sim.session import simulate

ROOT = Path(__file__).parents[1]
SHORT = ["run.duration_s=1"]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty cache folder of this test's own (``$XDG_CACHE_HOME/hmt-sim``), with no plugin
    trust left over from another test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(registry._trust, "allowed", False)
    yield tmp_path / "xdg" / "hmt-sim"


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    """A copy of a bundled scenario that a test may edit."""
    path = tmp_path / "training_sandbox.yaml"
    shutil.copy(bundled_dir() / "training_sandbox.yaml", path)
    return path


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob(f"{runcache.PREFIX}*{runcache.SUFFIX}"))


def run_text(*args: Any, **kwargs: Any) -> str:
    """What ``hmt-sim run`` prints (its body, in process)."""
    with contextlib.redirect_stdout(io.StringIO()) as out:
        runbody.run(*args, **kwargs)
    return out.getvalue()


def test_a_run_keeps_its_scenario_and_the_next_reads_it_back(cache: Path) -> None:
    loaded, overrides = runbody.load("training_sandbox", SHORT, None)
    assert len(entries(cache)) == 1
    entry = runcache.entry("training_sandbox", SHORT)
    assert entry is not None
    kept = entry.load()
    assert kept is not None
    assert kept == (loaded, overrides) and kept[0] is not loaded
    assert kept[0].model_dump(mode="json") == loaded.model_dump(mode="json")
    assert overrides == {"run.duration_s": 1}


def test_a_kept_scenario_runs_exactly_as_a_loaded_one(cache: Path) -> None:
    items = ["run.duration_s=240"]  # long enough for its injects to act
    runbody.load("airbase_swarm", items, None)
    entry = runcache.entry("airbase_swarm", items)
    assert entry is not None
    kept = entry.load()
    assert kept is not None
    fresh = load_scenario("airbase_swarm", overrides={"run.duration_s": 240})
    assert fresh.injects  # the control: the injects' own models are dumped into the log
    a, b = simulate(kept[0], seed=3), simulate(fresh, seed=3)
    assert a.events == b.events and a.metrics == b.metrics


def test_output_is_the_same_with_and_without_an_entry(cache: Path, tmp_path: Path) -> None:
    assert entries(cache) == []
    run_text("training_sandbox", set_=SHORT, out=tmp_path / "a")  # from the loader
    assert entries(cache)
    run_text("training_sandbox", set_=SHORT, out=tmp_path / "b")  # from the cache
    items = ["run.duration_s=2"]
    first = run_text("training_sandbox", set_=items, as_json=False)
    second = run_text("training_sandbox", set_=items, as_json=False)
    assert first == second and "seed" in first
    for name in ("events.jsonl", "metrics.json", "timeseries.csv", "run.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_an_edited_file_is_loaded_again(cache: Path, scenario_file: Path) -> None:
    before, _ = runbody.load(str(scenario_file), SHORT, None)
    text = scenario_file.read_text(encoding="utf-8")
    scenario_file.write_text(text.replace(f"title: {before.title}", "title: Edited"),
                             encoding="utf-8")
    after, _ = runbody.load(str(scenario_file), SHORT, None)
    assert before.title != "Edited" and after.title == "Edited"
    assert len(entries(cache)) == 1  # one entry per file and --set items, overwritten


def test_an_edit_that_breaks_the_file_is_reported_by_the_loader(
        cache: Path, scenario_file: Path) -> None:
    runbody.load(str(scenario_file), SHORT, None)
    with scenario_file.open("a", encoding="utf-8") as f:
        f.write("\nunknown_key: 1\n")
    with pytest.raises(ScenarioError, match="unknown_key"):
        runbody.load(str(scenario_file), SHORT, None)


def test_other_overrides_are_another_entry(cache: Path) -> None:
    one, _ = runbody.load("training_sandbox", ["run.duration_s=1"], None)
    two, overrides = runbody.load("training_sandbox", ["run.duration_s=2"], None)
    assert (one.run.duration_s, two.run.duration_s) == (1, 2)
    assert overrides == {"run.duration_s": 2}
    assert len(entries(cache)) == 2
    with pytest.raises(InputError, match="bad override"):  # never cached: the parser says so
        runbody.load("training_sandbox", ["run.duration_s"], None)


def test_a_changed_source_makes_every_entry_stale(cache: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    runbody.load("training_sandbox", SHORT, None)
    entry = runcache.entry("training_sandbox", SHORT)
    assert entry is not None and entry.load() is not None
    changed = [*runcache.sources(), "one more line"]
    monkeypatch.setattr(runcache, "sources", lambda: changed)
    stale = runcache.entry("training_sandbox", SHORT)
    assert stale is not None and stale.file == entry.file and stale.load() is None


def test_the_key_covers_every_source_and_library() -> None:
    from hmt_sim.scenario.loader import MAX_BYTES

    lines = runcache.sources()
    package = Path(runcache.__file__).parents[1]
    for path in package.rglob("*.py"):
        if "__pycache__" not in path.parts:
            assert any(line.startswith(f"{path}:") for line in lines), path
    for name in runcache.LIBRARIES:
        module = __import__(name)
        assert any(line.startswith(f"{module.__file__}:") for line in lines), name
    assert runcache.MAX_SCENARIO_BYTES <= MAX_BYTES


def test_an_edit_that_keeps_size_and_modification_time_changes_the_key(tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text("VALUE = 1\n", encoding="utf-8")
    before: list[str] = []
    runcache._walk(str(tmp_path), before)
    st = source.stat()
    time.sleep(0.05)  # past the file system's clock tick
    source.write_text("VALUE = 2\n", encoding="utf-8")
    os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns))  # as cp -p or an unpacker may do
    after: list[str] = []
    runcache._walk(str(tmp_path), after)
    assert len(before) == len(after) == 1
    assert before != after or st.st_ctime_ns == source.stat().st_ctime_ns  # coarse clock


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_a_corrupt_entry_is_ignored_and_replaced(cache: Path, damage: str) -> None:
    expected = run_text("training_sandbox", set_=SHORT, as_json=True)
    (path,) = entries(cache)
    data = path.read_bytes()
    damaged = {"truncate": data[:len(data) // 2],
               "flip": data[:-10] + bytes([data[-10] ^ 1]) + data[-9:],
               "garbage": b"\x80\x05not a pickle", "empty": b""}[damage]
    path.write_bytes(damaged)
    entry = runcache.entry("training_sandbox", SHORT)
    assert entry is not None and entry.load() is None
    assert run_text("training_sandbox", set_=SHORT, as_json=True) == expected
    assert path.read_bytes() == data  # written again


def test_an_entry_can_name_no_code_but_the_scenario_classes(cache: Path, tmp_path: Path) -> None:
    import hashlib

    runbody.load("training_sandbox", SHORT, None)
    entry = runcache.entry("training_sandbox", SHORT)
    assert entry is not None
    # A well-formed entry (right checksum, right key) whose pickle calls a function.
    marker = tmp_path / "called"
    body = entry.key.encode() + b"\0" + pickle.dumps(
        _Call(Path.touch, (marker,)), protocol=pickle.HIGHEST_PROTOCOL)
    data = runcache.MAGIC + hashlib.sha256(body).digest() + body
    Path(entry.file).write_bytes(data)
    with pytest.raises(pickle.UnpicklingError, match=r"pathlib\.Path\.touch is not part"):
        runcache._decode(data, entry.key)
    assert entry.load() is None and not marker.exists()
    pickle.loads(body.partition(b"\0")[2])  # the control: a plain unpickler calls it
    assert marker.exists()


class _Call:
    """Pickles as a call of ``fn(*args)``, as a hostile pickle would."""

    def __init__(self, fn: Any, args: tuple[Any, ...]) -> None:
        self.fn, self.args = fn, args

    def __reduce__(self) -> tuple[Any, ...]:
        return self.fn, self.args


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_an_entry_others_can_write_is_not_read(cache: Path) -> None:
    runbody.load("training_sandbox", SHORT, None)
    (path,) = entries(cache)
    entry = runcache.entry("training_sandbox", SHORT)
    assert entry is not None and entry.load() is not None
    path.chmod(0o666)
    assert entry.load() is None


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_an_entry_is_the_users_own_whatever_the_umask(cache: Path) -> None:
    old = os.umask(0o002)  # group-writable files by default, as on many desktops
    try:
        runbody.load("training_sandbox", SHORT, None)
    finally:
        os.umask(old)
    (path,) = entries(cache)
    assert path.stat().st_mode & 0o777 == 0o600
    entry = runcache.entry("training_sandbox", SHORT)
    assert entry is not None and entry.load() is not None


def test_a_failed_write_leaves_no_file(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    sc, _ = runbody.load("training_sandbox", SHORT, None)
    assert sc.run.duration_s == 1
    assert list(cache.iterdir()) == []


def test_an_unwritable_cache_only_means_no_entry(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    sc, _ = runbody.load("training_sandbox", SHORT, None)
    assert sc.run.duration_s == 1


def test_no_entry_with_plugins_allowed_an_operators_file_or_registrations(
        cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert runcache.pristine()
    monkeypatch.setattr(registry._trust, "allowed", True)
    assert not runcache.pristine() and runcache.entry("training_sandbox", SHORT) is None
    runbody.load("training_sandbox", SHORT, None)
    monkeypatch.setattr(registry._trust, "allowed", False)
    assert entries(cache) == []

    plugins.register_classifier("cached_test_classifier", plugins.ParametricModel)
    try:
        assert not runcache.pristine()
        runbody.load("training_sandbox", SHORT, None)
    finally:
        plugins.classifiers.unregister("cached_test_classifier")
    assert entries(cache) == []

    builtin = actions.get("warn")
    actions.register_action(builtin, replace=True)  # the same object again: still built in
    assert runcache.pristine()
    import dataclasses

    actions.register_action(dataclasses.replace(builtin, verb="cautioned"), replace=True)
    try:
        assert not runcache.pristine()
    finally:
        actions.register_action(builtin, replace=True)
    assert runcache.pristine()


def test_a_scenario_naming_a_plugin_is_not_kept(cache: Path) -> None:
    sc = load_scenario("training_sandbox")
    other = sc.model_copy(update={"ai": sc.ai.model_copy(update={"classifier": "elsewhere"})})
    assert runcache.cacheable(sc) and not runcache.cacheable(other)
    entry = runcache.entry("training_sandbox", [])
    assert entry is not None
    entry.store(other, {})
    assert entries(cache) == []


def test_old_entries_are_removed(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runcache, "MAX_ENTRIES", 2)
    for seconds in (1, 2, 3):
        runbody.load("training_sandbox", [f"run.duration_s={seconds}"], None)
        os.utime(entries(cache)[-1])  # mtimes apart even on a coarse clock
    assert len(entries(cache)) == 2
    entry = runcache.entry("training_sandbox", ["run.duration_s=3"])
    assert entry is not None and entry.load() is not None


PROBE = """
import json, sys
from hmt_sim.cli import main
rc = main(sys.argv[1:])
from hmt_sim.scenario import schema

def models(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from models(sub)

print(json.dumps({
    "rc": rc,
    "built": sorted(m.__name__ for m in models(schema.Spec) if m.__pydantic_complete__),
    "modules": sorted(m for m in ("yaml", "hmt_sim.scenario.loader", "pydantic.plugin._loader",
                                  "importlib.metadata") if m in sys.modules),
}))
"""


def test_a_cached_run_neither_parses_yaml_nor_builds_a_validator(tmp_path: Path) -> None:
    # Nor does anything on its path read installed distributions' metadata (importlib.metadata:
    # pydantic's plugin scan, SimPy's version, the plugin registry's entry points).
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "COLUMNS": "80"}
    env.pop("_HMT_SIM_COMPLETE", None)
    argv = ["run", "training_sandbox", "--set", "run.duration_s=1", "--json"]
    runs = []
    for _ in range(2):  # the first loads the scenario and keeps it, the second reads it
        proc = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120, check=True)
        lines = proc.stdout.strip().splitlines()
        runs.append((json.loads(lines[-1]), json.loads("\n".join(lines[:-1]))))
    (cold, cold_metrics), (warm, warm_metrics) = runs
    assert cold["rc"] == warm["rc"] == 0
    assert "Scenario" in cold["built"] and "yaml" in cold["modules"]  # the control
    assert warm["built"] == [] and warm["modules"] == []
    assert warm_metrics == cold_metrics


def test_scenario_names_are_the_same_objects_whichever_way_imported() -> None:
    import hmt_sim.scenario as package
    from hmt_sim.scenario import loader, schema

    assert package.Scenario is schema.Scenario is Scenario
    assert package.load_scenario is loader.load_scenario
    assert set(package.__all__) <= set(dir(package))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        package.nothing  # noqa: B018
