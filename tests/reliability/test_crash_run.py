"""``hmt-sim run --out DIR`` killed with SIGKILL at random moments leaves DIR either incomplete
(no run.json; a re-run with --force completes it) or holding a complete, self-consistent run -
never a corrupt file, a temp file taken for a result, or a mix of an old run and a new one.

Most trials fork the command from a warm interpreter (``forkserver.py``) so each costs only the
command itself; a few run the installed ``hmt-sim`` script in a fresh interpreter. Kill delays are
random (fixed seed): half over the whole run, half inside the narrowing interval between the
latest delay that left nothing and the earliest that left a complete run - where files are being
written - so the interesting moments are hit on purpose rather than by luck.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from hmt_sim.errors import InputError
from hmt_sim.fileio import temp_path
from hmt_sim.metrics import compute_metrics, timeseries
from hmt_sim.rundir import RUN_FILES, read_run
from hmt_sim.scenario import Scenario
from hmt_sim.session import simulate

from .conftest import TALLY

HERE = Path(__file__).parent
HMT_SIM = Path(sys.executable).parent / "hmt-sim"
# A longer log than the default (samples every second), so the write phase is not a sliver.
ARGS = ["run", "airbase_swarm", "--set", "run.duration_s=1800", "--set",
        "run.sample_interval_s=1"]
TEMPLATE_SEED = 1000


class ForkServer:
    def __init__(self, cwd: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, str(HERE / "forkserver.py")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     cwd=cwd)

    def run(self, args: list[str], kill_after: float | None = None) -> dict[str, object]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"args": args, "kill_after": kill_after}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the fork server died"
        return json.loads(line)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForkServer]:
    fs = ForkServer(tmp_path_factory.mktemp("forkserver"))
    yield fs
    fs.close()


def _canonical(obj: object) -> object:
    return json.loads(json.dumps(obj))


def inspect_run_dir(out: Path) -> str:
    """Check every promise about a run directory after a kill; return its state:
    ``absent``, ``empty``, ``partial`` (result files but no run.json) or ``complete``."""
    if not out.exists():
        return "absent"
    names = {p.name for p in out.iterdir()}
    results = {n for n in names if not n.startswith(".")}
    temps = names - results
    assert results <= set(RUN_FILES), f"unexpected files {results - set(RUN_FILES)}"
    assert temps <= {temp_path(n).name for n in RUN_FILES}, f"unexpected temp files {temps}"
    if "run.json" not in results:
        with pytest.raises(InputError, match="not a run directory"):
            read_run(out)  # a temp file is never taken for a result
        return "partial" if results else "empty"
    assert not temps, f"a complete run with leftover temp files {temps}"
    assert results == set(RUN_FILES)
    run, events = read_run(out)
    raw = (out / "events.jsonl").read_text(encoding="utf-8")
    assert raw.endswith("\n")
    assert len(raw.splitlines()) == len(events)  # every line parsed, none dropped as torn
    assert events[0]["kind"] == "run_started" and events[-1]["kind"] == "run_ended"
    assert events[0]["seed"] == run["seed"]
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics == _canonical(compute_metrics(events))
    series = pd.read_csv(out / "timeseries.csv")
    assert list(series.columns) == list(timeseries(events).columns)
    assert len(series) == len(timeseries(events))
    again = simulate(Scenario.model_validate(run["scenario"]), seed=run["seed"])
    assert _canonical(again.events) == events  # run.json is enough to reproduce the run
    return "complete"


@dataclass
class Bracket:
    """Delays known to leave nothing (lo) or a complete run (hi); trials aim between them."""

    lo: float = 0.0
    hi: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)

    def update(self, delay: float, state: str, killed: bool) -> None:
        self.outcomes[state if killed else "finished before the kill"] += 1
        if state in ("absent", "empty", "old run intact"):
            self.lo = max(self.lo, delay)
        elif state == "complete":
            self.hi = min(self.hi, delay)


def _trials(server: ForkServer, root: Path, n: int, seed: int, overwrite: bool) -> Counter[str]:
    rng = random.Random(seed)
    template = root / "template"
    if overwrite and not template.exists():
        assert server.run([*ARGS, "--seed", str(TEMPLATE_SEED), "--out", str(template)]) \
            ["exit"] == 0
        assert inspect_run_dir(template) == "complete"
    timing = server.run([*ARGS, "--seed", "1", "--out", str(root / f"timing-{seed}")])
    assert timing["exit"] == 0
    full = float(timing["elapsed"])  # type: ignore[arg-type]
    bracket = Bracket(0.0, full)
    recovered = 0
    for i in range(n):
        out = root / f"trial-{seed}-{i}"
        trial_seed = 1 + i
        if overwrite:
            shutil.copytree(template, out)
        delay = rng.uniform(0, 1.1 * full) if i % 2 == 0 else rng.uniform(bracket.lo, bracket.hi)
        args = [*ARGS, "--seed", str(trial_seed), "--out", str(out)]
        if overwrite:
            args.append("--force")
        result = server.run(args, kill_after=delay)
        killed = bool(result["killed"])
        assert killed or result["exit"] == 0, result
        state = inspect_run_dir(out)
        if state == "complete":
            run = json.loads((out / "run.json").read_text(encoding="utf-8"))
            if run["seed"] == TEMPLATE_SEED:  # killed before it began to overwrite
                assert overwrite
                state = "old run intact"
            else:
                assert run["seed"] == trial_seed
        bracket.update(delay, state, killed)
        if state == "complete":
            pass
        elif state == "old run intact":
            assert killed
        else:
            assert killed
            again = server.run(args if overwrite else [*args, "--force"])
            assert again["exit"] == 0
            assert inspect_run_dir(out) == "complete"
            recovered += 1
        shutil.rmtree(out)
    TALLY[f"run kill trials ({'overwrite --force' if overwrite else 'fresh --out'})"] += n
    TALLY["run kill trials: incomplete dirs recovered by re-run"] += recovered
    TALLY["run kill trials: data lost"] += 0  # any loss fails an assertion above
    for state, count in bracket.outcomes.items():
        TALLY[f"run kill trials ended: {state}"] += count
    return bracket.outcomes


def test_kill_9_during_run_into_a_fresh_folder(server: ForkServer, tmp_path: Path) -> None:
    outcomes = _trials(server, tmp_path, n=12, seed=7, overwrite=False)
    assert sum(outcomes.values()) == 12


def test_kill_9_while_overwriting_an_older_run_with_force(server: ForkServer,
                                                          tmp_path: Path) -> None:
    outcomes = _trials(server, tmp_path, n=12, seed=8, overwrite=True)
    assert sum(outcomes.values()) == 12


@pytest.mark.slow
def test_kill_9_many_trials(server: ForkServer, tmp_path: Path) -> None:
    outcomes = _trials(server, tmp_path, n=60, seed=9, overwrite=False)
    outcomes += _trials(server, tmp_path, n=60, seed=10, overwrite=True)
    # with this many trials every state is reached: nothing yet, partial files, complete
    assert outcomes["empty"] + outcomes["absent"] > 0
    assert outcomes["partial"] > 0 and outcomes["complete"] > 0


def test_kill_9_of_the_installed_command_in_a_fresh_interpreter(tmp_path: Path) -> None:
    """The real entry point, interpreter start-up included, killed late in its life."""
    rng = random.Random(11)
    start = time.perf_counter()
    done = subprocess.run([str(HMT_SIM), *ARGS, "--seed", "1", "--out", str(tmp_path / "ref")],
                          capture_output=True, timeout=120)
    full = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    assert inspect_run_dir(tmp_path / "ref") == "complete"
    for i in range(1):
        out = tmp_path / f"exec-{i}"
        args = [str(HMT_SIM), *ARGS, "--seed", str(i + 2), "--out", str(out)]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=rng.uniform(0.6 * full, 1.05 * full))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        state = inspect_run_dir(out)
        if state != "complete":
            assert subprocess.run([*args, "--force"], capture_output=True,
                                  timeout=120).returncode == 0
            assert inspect_run_dir(out) == "complete"
        TALLY["run kill trials (installed command, fresh interpreter)"] += 1
