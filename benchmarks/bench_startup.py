"""Start-up benchmarks (issues 10 and 14): ``hmt-sim --help`` and argument errors against a bare
interpreter; the engine import (``import hmt_sim.session``) against ``import numpy``; and a whole
``hmt-sim run`` of a one-second scenario against a bare interpreter and against a plain
``import mesa`` (which the engine paid in full before it imported Mesa through
``hmt_sim.mesa_import``, deferring Mesa's package ``__init__`` and pandas).

Run: ``.venv/bin/python -m pytest -m benchmark benchmarks/bench_startup.py -s``. Every command
runs in a fresh interpreter; the commands are interleaved (one of each per round) and each figure
is the median of the rounds, so a busy machine slows both sides of a ratio alike. Wall time is
what a user waits; CPU time (user + system of the child) is steadier on a shared machine.

The children run as an installed package would: bytecode is cached (in a folder of their own,
``PYTHONPYCACHEPREFIX``, even where ``PYTHONDONTWRITEBYTECODE`` is set), and the command-line
card (``hmt_sim.cli.quick``) and the scenario cache of ``hmt-sim run`` (``hmt_sim.cli.runcache``)
live in a cache folder of their own. A first round that is not counted writes all three, as the
first start after an install or an upgrade does; every later run of the same command line reads
them, as a user's second run of a scenario does.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.benchmark

ROOT = Path(__file__).parents[1]
PY = sys.executable
ROUNDS = 9
_CACHE = tempfile.mkdtemp(prefix="hmt-sim-bench-startup-")
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
       "PYTHONPYCACHEPREFIX": os.path.join(_CACHE, "pycache"),
       "XDG_CACHE_HOME": os.path.join(_CACHE, "xdg"), "COLUMNS": "80"}
"""The children's environment: their own bytecode cache and card folder (a temporary one)."""


@dataclass(frozen=True)
class Cost:
    """Medians over the rounds of one command: wall and CPU seconds, peak RSS in MiB (NaN when
    only ``python -c`` commands report it)."""

    wall_s: float
    cpu_s: float
    rss_mib: float


# Appended to ``python -c`` commands: the child's own peak RSS. wait4's ru_maxrss cannot be used,
# because Linux carries the spawning (pytest) process's high-water mark over the exec.
PEAK_RSS = (
    "\nimport sys\nfor _l in open('/proc/self/status'):\n"
    "    if _l.startswith('VmHWM:'): sys.stderr.write('peak-rss-kib ' + _l.split()[1] + '\\n')"
)


def run_once(argv: list[str], expect: tuple[int, ...] = (0,)) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB; NaN if unknown) of one run of ``argv``,
    which must exit with one of ``expect`` (2 for a command line with an error)."""
    if argv[1:2] == ["-c"] and Path("/proc/self/status").exists():
        argv = [*argv[:2], argv[2] + PEAK_RSS, *argv[3:]]
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=ENV)
    assert proc.stderr is not None
    err = proc.stderr.read().decode()  # small; read before waiting so the pipe cannot fill
    proc.stderr.close()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode in expect, f"{argv}: exit {proc.returncode}\n{err}"
    rss = [int(line.split()[1]) / 1024 for line in err.splitlines()
           if line.startswith("peak-rss-kib ")]
    return wall, usage.ru_utime + usage.ru_stime, rss[-1] if rss else math.nan


def sample(commands: dict[str, list[str]], rounds: int = ROUNDS
           ) -> dict[str, list[tuple[float, float, float]]]:
    """Run every command ``rounds`` times, interleaved, after a round that is not counted
    (it writes bytecode, the card and the scenario cache); each command's costs, round by round.
    A command named ``... error`` must exit 2."""
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    for counted in [False] + [True] * rounds:
        for name, argv in commands.items():
            cost = run_once(argv, (2,) if name.endswith("error") else (0,))
            if counted:
                samples[name].append(cost)
    return samples


def medians(samples: dict[str, list[tuple[float, float, float]]]) -> dict[str, Cost]:
    """The median cost of each command over its rounds."""
    return {
        name: Cost(*(statistics.median(s[i] for s in runs) for i in range(3)))
        for name, runs in samples.items()
    }


def measure(commands: dict[str, list[str]], rounds: int = ROUNDS) -> dict[str, Cost]:
    """``sample`` the commands; the median cost of each."""
    return medians(sample(commands, rounds))


def paired_cpu_ratio(samples: dict[str, list[tuple[float, float, float]]], a: str, b: str
                     ) -> float:
    """The median over the rounds of ``a``'s CPU time over ``b``'s in the same round: the two
    ran moments apart, so a load that comes and goes on a shared machine weighs on both, which
    a ratio of the two medians does not ensure."""
    return statistics.median(x[1] / y[1] for x, y in zip(samples[a], samples[b], strict=True))


def hmt_sim_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m hmt_sim.cli``."""
    script = Path(PY).parent / "hmt-sim"
    return [str(script)] if script.exists() else [PY, "-m", "hmt_sim.cli"]


def report(costs: dict[str, Cost], base: str) -> None:
    """Print each command's cost and its ratio to ``base``."""
    b = costs[base]
    for name, c in costs.items():
        rss = "" if math.isnan(c.rss_mib) else (
            f"  peak rss {c.rss_mib:4.0f} MiB ({c.rss_mib / b.rss_mib:4.1f}x)")
        print(f"  {name:<24} wall {c.wall_s * 1000:6.0f} ms ({c.wall_s / b.wall_s:4.1f}x)  "
              f"cpu {c.cpu_s * 1000:6.0f} ms ({c.cpu_s / b.cpu_s:4.1f}x){rss}")


def test_help_against_a_bare_interpreter() -> None:
    hmt = hmt_sim_command()
    costs = measure({
        "python -c pass": [PY, "-c", "pass"],
        "hmt-sim --help": [*hmt, "--help"],
        "hmt-sim --version": [*hmt, "--version"],
        "hmt-sim run --help": [*hmt, "run", "--help"],
        "run --seed abc: error": [*hmt, "run", "airbase_swarm", "--seed", "abc"],
        "no such command: error": [*hmt, "rn"],
    })
    print(f"\nCLI start-up, median of {ROUNDS} interleaved rounds:")
    report(costs, "python -c pass")
    base = costs["python -c pass"]
    for name in ("hmt-sim --help", "run --seed abc: error"):
        print(f"  {name}: {costs[name].wall_s * 1000:.0f} ms wall (aim < 150 ms), "
              f"{costs[name].wall_s / base.wall_s:.1f}x wall and "
              f"{costs[name].cpu_s / base.cpu_s:.1f}x CPU of python -c pass (aim <= 3x)")
        # 4-5x before issue 14 (typer imported for every start); the card answers without it
        assert costs[name].cpu_s / base.cpu_s <= 3


def import_breakdown(module: str, argv: list[str] | None = None) -> list[tuple[str, float]]:
    """Self import time (s) per top-level package for ``import module`` (``-X importtime``),
    or for running ``python -m module *argv``."""
    command = ["-c", f"import {module}"] if argv is None else ["-m", module, *argv]
    proc = subprocess.run([PY, "-X", "importtime", *command], cwd=ROOT,
                          capture_output=True, text=True, check=True, env=ENV)
    totals: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = line[len("import time:"):].split("|")
        top = name.strip().split(".")[0]
        totals[top] = totals.get(top, 0.0) + int(self_us) / 1e6
    return sorted(totals.items(), key=lambda kv: -kv[1])


# What Mesa's import would cost if mesa_logging did not walk the stack at import time
# (create_module_logger() calls inspect.stack(), method_logger() inspect.getouterframes(); both
# resolve the module of every frame, which scans sys.modules once per <frozen importlib> frame).
# Emulated in the child process only, to size the upstream fix; hmt_sim itself patches nothing.
NO_STACK_WALK = """
import inspect, sys
def _frames(frame):
    out = []
    while frame is not None:
        out.append((frame, None, None, frame.f_code.co_name, None, None))
        frame = frame.f_back
    return out
inspect.stack = lambda context=1: _frames(sys._getframe(1))
inspect.getouterframes = lambda frame, context=1: _frames(frame)
import hmt_sim.session
"""


def test_engine_import_against_numpy() -> None:
    costs = measure({
        "import numpy": [PY, "-c", "import numpy"],
        "import pandas": [PY, "-c", "import pandas"],
        "import mesa": [PY, "-c", "import mesa"],
        "import hmt_sim.session": [PY, "-c", "import hmt_sim.session"],
        # Mesa imported first, from the top: its logger walks a shallower stack
        "mesa first, then session": [PY, "-c", "import mesa; import hmt_sim.session"],
        "session, no Mesa stack walk": [PY, "-c", NO_STACK_WALK],
    })
    print(f"\nengine import, median of {ROUNDS} interleaved rounds:")
    report(costs, "import numpy")
    top = import_breakdown("hmt_sim.session")
    total = sum(t for _, t in top)
    print("  where the time goes (self time by top-level package, one -X importtime run):")
    for name, t in top[:10]:
        print(f"    {name:<20} {t * 1000:6.0f} ms  {t / total:4.0%}")
    ratio = costs["import hmt_sim.session"].cpu_s / costs["import numpy"].cpu_s
    assert ratio < 20  # 7-8x while the engine imported all of Mesa (issue 10); about 3x since


RUN_ARGS = ["run", "training_sandbox", "--set", "run.duration_s=1", "--json"]
"""A whole run of one simulated second: what is left is start-up (the CLI, the engine's
imports, the scenario, printing the metrics)."""
RUN_START_AIM_S = 0.5
"""Issue 14: ``hmt-sim run`` spends well under 0.5 s starting."""


TYPER_RUN = ("import sys\nfrom hmt_sim.cli.application import run\n"
             "sys.exit(run(sys.argv[1:]))")
"""The same command line through typer's parser (what every run paid before the card's fast
path, ``hmt_sim.cli.direct``). It ends in the same command body, so it shares everything else
a run saves: the scenario cache, the collector kept off start-up."""
DEPENDENCIES = ("import gc\ngc.disable()\nimport hmt_sim.mesa_import, simpy, pydantic.types\n"
                "from pydantic import BaseModel\ngc.freeze()")
"""The floor: what a run imports of its dependencies - NumPy and Mesa's model (through
``hmt_sim.mesa_import``, which defers Mesa's, pandas' and SimPy's package ``__init__``), SimPy,
pydantic's models and constrained types (with annotated_types) - with the garbage collector
kept off them as ``hmt-sim run`` keeps it off its start-up. A run's cost above this is
hmt-sim's own: its modules, reading the scenario, the run, printing."""


def test_run_start_against_a_bare_interpreter_and_plain_mesa() -> None:
    samples = sample({
        "python -c pass": [PY, "-c", "pass"],
        "import mesa": [PY, "-c", "import mesa"],
        "import hmt_sim.session": [PY, "-c", "import hmt_sim.session"],
        "dependencies only": [PY, "-c", DEPENDENCIES],
        "run, typer's path": [PY, "-c", TYPER_RUN, *RUN_ARGS],
        "hmt-sim run (1 s)": [*hmt_sim_command(), *RUN_ARGS],
    })
    costs = medians(samples)
    print(f"\nhmt-sim run start-up, median of {ROUNDS} interleaved rounds:")
    report(costs, "python -c pass")
    run, mesa = costs["hmt-sim run (1 s)"], costs["import mesa"]
    floor = costs["dependencies only"]
    versus_typer = paired_cpu_ratio(samples, "hmt-sim run (1 s)", "run, typer's path")
    versus_floor = paired_cpu_ratio(samples, "hmt-sim run (1 s)", "dependencies only")
    print(f"  hmt-sim run starts in {run.wall_s * 1000:.0f} ms wall, {run.cpu_s * 1000:.0f} ms "
          f"CPU (aim: well under {RUN_START_AIM_S * 1000:.0f} ms): "
          f"{run.cpu_s / mesa.cpu_s:.2f}x the CPU of a plain import mesa, "
          f"{versus_typer:.2f}x typer's path (median of the rounds' ratios); its dependencies "
          f"alone take {floor.wall_s * 1000:.0f} ms wall, {floor.cpu_s * 1000:.0f} ms CPU "
          f"(the run {versus_floor:.2f}x that, median of the rounds' ratios)")
    top = import_breakdown("hmt_sim.cli", RUN_ARGS)
    total = sum(t for _, t in top)
    print(f"  where the run's imports go ({total * 1000:.0f} ms self time in all, "
          "one -X importtime run):")
    for name, t in top[:10]:
        print(f"    {name:<20} {t * 1000:6.0f} ms  {t / total:4.0%}")
    # 1.4x a plain import mesa while the engine imported all of Mesa; about 0.5x once only
    # mesa.model, mesa.agent and mesa.datacollection ran (hmt_sim.mesa_import); about 0.4x
    # once the card's fast path ran it without typer; 0.23-0.38x since a repeated run reads its
    # scenario from the cache and keeps the garbage collector off its start-up (issue 14)
    assert run.cpu_s < 0.6 * mesa.cpu_s
    # typer, click and typer's value conversion are not imported. As a ratio of the two medians
    # this was 0.75-0.8x, and once 0.90 on a busy machine (the bound was 0.9); as the median of
    # the rounds' own ratios it is 0.70-0.75x now that both paths share the scenario cache and
    # the collector's pause, which leaves typer's own cost a larger share
    assert versus_typer < 0.85
    # hmt-sim's own part (its modules, the scenario, the run) on top of the dependencies:
    # 1.15-1.3x measured (1.8x before the scenario cache, SimPy's deferred __init__ and the
    # collector's pause, against the same floor)
    assert versus_floor < 1.5
