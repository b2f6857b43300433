"""The engine imports Mesa through ``hmt_sim.mesa_import`` (issue 14): a run does not execute
pandas, pyarrow, SciPy, networkx or Mesa's package ``__init__``, and whoever asks for them later
gets exactly what a plain import gives.

Start-up is a property of a fresh interpreter, so most cases run one (``python -c``) and report
what it saw as JSON. The thread cases run here, on a module written for them.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import pickle
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from hmt_sim.mesa_import import defer, pending

ROOT = Path(__file__).parents[2]

# Code a run must not execute: Mesa's package __init__ would bring all of these.
NOT_RUN = ("scipy", "networkx", "pyarrow", "pandas.core", "tqdm", "mesa.discrete_space",
           "mesa.batchrunner", "mesa.space", "mesa.experimental.continuous_space", "matplotlib")
DEFERRED = ("pandas", "mesa", "mesa.experimental")

PRELUDE = """
import json, sys
NOT_RUN = json.loads(sys.argv[1])
def state():
    from hmt_sim.mesa_import import pending  # here: the case decides what is imported first
    loaded = sorted(m for m in sys.modules if any(m == n or m.startswith(n + ".") for n in NOT_RUN))
    return {"pending": {n: pending(n) for n in ("pandas", "mesa", "mesa.experimental")},
            "loaded": loaded}
out = {}
"""


def fresh(code: str, *args: str) -> dict[str, Any]:
    """Run ``code`` (after PRELUDE) in a new interpreter; the JSON of its ``out``."""
    script = PRELUDE + code + "\nprint(json.dumps(out))\n"
    proc = subprocess.run([sys.executable, "-c", script, json.dumps(NOT_RUN), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_a_run_executes_no_pandas_scipy_or_networkx_and_its_frames_are_real_pandas() -> None:
    out = fresh("""
import hmt_sim.session
out["import"] = state()
from hmt_sim import load_scenario, simulate
res = simulate(load_scenario("airbase_swarm", overrides={"run.duration_s": 60}), seed=3)
out["run"] = state()
from hmt_sim.model import HMTModel
model = HMTModel(scenario="overload", rng=3, overrides={"run.duration_s": 60})
while model.running:
    model.step()
out["model_run"] = state()
frame = model.datacollector.get_model_vars_dataframe()
series = res.timeseries
import pandas
import pandas.core.frame
out["frames"] = [isinstance(frame, pandas.DataFrame), isinstance(series, pandas.DataFrame),
                 type(frame) is pandas.core.frame.DataFrame, len(frame), len(series),
                 round(float(series["trust"].mean()), 6)]
out["after"] = state()
""")
    for when in ("import", "run", "model_run"):
        assert out[when] == {"pending": dict.fromkeys(DEFERRED, True), "loaded": []}, when
    assert out["frames"][:4] == [True, True, True, 1] and out["frames"][4] > 0
    assert out["after"]["pending"]["pandas"] is False
    assert "pandas.core" in out["after"]["loaded"]  # the control: the probe sees pandas load


def test_mesa_asked_for_later_is_the_plain_mesa() -> None:
    names = """
import mesa, mesa.experimental
def public(m):
    return sorted(n for n in dir(m) if not n.startswith("_"))
out["mesa"], out["experimental"] = public(mesa), public(mesa.experimental)
out["version"] = mesa.__version__
"""
    late = fresh("import hmt_sim.session\nfrom hmt_sim.model import HMTModel\n" + names + """
import mesa.agent, mesa.model, mesa.datacollection
from mesa.discrete_space import OrthogonalMooreGrid
from mesa.experimental import devs
out["same"] = [mesa.Model is mesa.model.Model, mesa.Agent is mesa.agent.Agent,
               mesa.DataCollector is mesa.datacollection.DataCollector,
               HMTModel.__mro__[1] is mesa.Model, callable(mesa.batch_run),
               OrthogonalMooreGrid.__module__, devs.__name__]
out["after"] = state()
""")
    plain = fresh(names)
    assert late["mesa"] == plain["mesa"] and "batch_run" in late["mesa"]
    assert late["experimental"] == plain["experimental"]
    assert late["version"] == plain["version"]
    assert late["same"] == [True] * 5 + ["mesa.discrete_space.grid", "mesa.experimental.devs"]
    pending_after = late["after"]["pending"]
    assert pending_after["mesa"] is False and pending_after["mesa.experimental"] is False


def test_modules_imported_before_the_engine_are_left_alone() -> None:
    out = fresh("""
import pandas, mesa
before = (pandas, mesa)
import hmt_sim.session
from hmt_sim import mesa_import
out["same"] = [sys.modules["pandas"] is before[0], mesa_import.mesa is before[1],
               "DataFrame" in vars(pandas), "batch_run" in vars(mesa)]
out["state"] = state()
""")
    assert out["same"] == [True] * 4
    assert out["state"]["pending"] == dict.fromkeys(DEFERRED, False)


def test_submodule_imports_from_imports_and_unpickling_reach_the_real_pandas() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"t": [0.0, 1.5], "trust": [0.7, 0.65]})
    out = fresh("""
import hmt_sim.mesa_import
pd = sys.modules["pandas"]
out["deferred"] = state()["pending"]["pandas"]
import pickle
frame = pickle.loads(bytes.fromhex(sys.argv[2]))  # unpickling imports pandas' submodules
out["frame"] = [type(frame) is pd.DataFrame, frame["trust"].tolist()]
import pandas.core.frame
from pandas import Series
out["real"] = [sys.modules["pandas"] is pd, pd.DataFrame is pandas.core.frame.DataFrame,
               isinstance(Series([1]), pd.Series), hasattr(pd, "__path__"),
               "read_parquet" in dir(pd)]
out["version"] = pd.__version__
""", pickle.dumps(frame).hex())
    assert out["deferred"] is True
    assert out["frame"] == [True, [0.7, 0.65]]
    assert out["real"] == [True] * 5
    assert out["version"] == pd.__version__


def test_a_sweep_through_the_process_pool_runs_on_the_deferred_modules() -> None:
    out = fresh("""
import hmt_sim.session
out["before"] = state()["pending"]
from hmt_sim import load_scenario, simulate
from hmt_sim.metrics import flatten
from hmt_sim.sweep import sweep
import tempfile
spec = {"scenario": "airbase_swarm", "set": {"run.duration_s": 40},
        "factors": {"autonomy.level": [5, 8]}, "seeds": {"start": 1, "count": 2}}
with tempfile.TemporaryDirectory() as folder:
    df = sweep(spec, folder + "/out", workers=2, chunk_size=1)
import pandas
row = df[(df["autonomy.level"] == 8) & (df["seed"] == 2)].iloc[0]
direct = flatten(simulate(load_scenario("airbase_swarm", overrides={
    "run.duration_s": 40, "autonomy.level": 8}), seed=2).metrics)
out["rows"] = [isinstance(df, pandas.DataFrame), len(df), sorted(set(df["status"]))]
out["equal"] = all(row[k] == v for k, v in direct.items() if isinstance(v, (int, float)))
""")
    assert out["before"] == dict.fromkeys(DEFERRED, True)
    assert out["rows"] == [True, 4, ["ok"]] and out["equal"] is True


# --------------------------------------------------------------------------- threads
SLOW = """
import time
with open({log!r}, "a") as log:
    log.write("ran\\n")
time.sleep(0.3)  # a long import: every other thread asks while it runs
VALUE = 42
"""


def slow_module(tmp_path: Path) -> tuple[str, Path]:
    """A module on ``tmp_path`` that takes 0.3 s to run and logs each run; its name."""
    name = f"hmt_slow_{uuid.uuid4().hex}"
    log = tmp_path / "runs.log"
    (tmp_path / f"{name}.py").write_text(SLOW.format(log=str(log)))
    return name, log


def race(module: ModuleType, name: str, threads: int = 12) -> list[str]:
    """Let ``threads`` threads ask ``module`` for VALUE at once (by attribute, by
    ``from ... import`` and by ``importlib.import_module``); what each got, as text."""
    barrier = threading.Barrier(threads)
    got: list[str] = []

    def ask(i: int) -> None:
        barrier.wait()
        try:
            if i % 3 == 0:
                got.append(str(module.VALUE))
            elif i % 3 == 1:
                got.append(str(__import__(name, fromlist=["VALUE"]).VALUE))
            else:
                got.append(str(importlib.import_module(name).VALUE))
        except Exception as exc:  # what a thread saw is the result
            got.append(f"{type(exc).__name__}: {exc}")

    workers = [threading.Thread(target=ask, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return got


@pytest.fixture
def on_path(tmp_path: Path) -> Any:
    """``tmp_path`` importable; the modules imported from it forgotten afterwards."""
    sys.path.insert(0, str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in set(sys.modules) - before:
        del sys.modules[name]


def test_threads_asking_a_deferred_module_at_once_all_get_the_loaded_module(
        on_path: Path) -> None:
    name, log = slow_module(on_path)
    module = defer(name, submodules=False)
    assert module is not None and pending(name)
    assert race(module, name) == ["42"] * 12
    assert log.read_text() == "ran\n"  # its code ran once
    assert not pending(name) and "__getattr__" not in vars(module)


# Thread A runs the package's code (the first to ask it for a name); thread B meanwhile imports
# its submodule, which asks the package for a name it has not defined yet; then A imports the
# submodule B holds. Each waits for an import the other holds: the import system sees the cycle
# (as it does for two plain imports) and lets A go on with the half-imported submodule, so both
# finish. With a lock the import system cannot see, both would wait for ever.
CYCLE = """
import importlib, sys, threading, time
sys.path.insert(0, sys.argv[2])
from hmt_sim import mesa_import
if sys.argv[3] == "own-lock":  # the control: a lock the import system cannot see
    mesa_import._Deferred.lock = lambda self: self.own_lock
pkg = mesa_import.defer("hmt_cycle", submodules=False)
got = {}
def ask(who, fn):
    try:
        got[who] = repr(fn())
    except Exception as exc:
        got[who] = type(exc).__name__
a = threading.Thread(target=ask, args=("a", lambda: pkg.LATE), daemon=True)
b = threading.Thread(target=ask, args=("b", lambda: importlib.import_module("hmt_cycle.sub").X),
                     daemon=True)
a.start(); time.sleep(0.2); b.start()
a.join(float(sys.argv[4])); b.join(float(sys.argv[4]))
out["alive"] = [a.is_alive(), b.is_alive()]
out["got"] = got
"""


def test_threads_waiting_on_each_others_imports_do_not_hang(tmp_path: Path) -> None:
    package = tmp_path / "hmt_cycle"
    package.mkdir()
    (package / "__init__.py").write_text(
        "import time\ntime.sleep(0.6)\nLATE = 1\nfrom . import sub\n")
    (package / "sub.py").write_text("from hmt_cycle import LATE\nX = LATE + 1\n")
    out = fresh(CYCLE, str(tmp_path), "module-lock", "20")  # both finish in about 0.6 s
    assert out["alive"] == [False, False]
    assert out["got"] == {"a": "1", "b": "2"}
    control = fresh(CYCLE + "\nimport os; print(json.dumps(out)); os._exit(0)\n",
                    str(tmp_path), "own-lock", "1.5")
    assert control["alive"] == [True, True]  # the probe sees a hang


def lazy_loader_module(name: str) -> ModuleType:
    """``name`` deferred with the standard library's LazyLoader (the control)."""
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif("lock" in inspect.getsource(importlib.util._LazyModule),
                    reason="this Python's LazyLoader guards the load with a lock")
def test_the_race_harness_catches_the_unguarded_lazy_loader(on_path: Path) -> None:
    # the control for the test above: on Python 3.12.1 LazyLoader lets threads see the module
    # before its code has run (CPython gh-114763), and the same race shows it
    name, _ = slow_module(on_path)
    got = race(lazy_loader_module(name), name)
    assert any(answer != "42" for answer in got), got


def test_the_thread_running_a_deferred_module_sees_it_partially_initialised(
        on_path: Path) -> None:
    name = f"hmt_selfref_{uuid.uuid4().hex}"
    (on_path / f"{name}.py").write_text(
        "import sys\n"
        "try:\n"
        "    sys.modules[__name__].LATER\n"
        "except AttributeError as exc:\n"
        "    EARLY = str(exc)\n"
        "LATER = 1\n")
    module = defer(name, submodules=False)
    assert module is not None and pending(name)
    assert module.LATER == 1
    assert "partially initialized module" in module.EARLY and "'LATER'" in module.EARLY


def test_a_module_already_imported_is_returned_as_it_is() -> None:
    assert defer("json", submodules=False) is sys.modules["json"]
    assert not pending("json")
    assert defer(f"hmt_no_such_{uuid.uuid4().hex}", submodules=False) is None
