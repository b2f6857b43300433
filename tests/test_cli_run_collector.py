"""``hmt-sim run`` keeps the garbage collector off its start-up (``hmt_sim.cli.runbody.run``):
no passes while the imports and the scenario are made, those objects frozen while the scenario
runs and frozen again at exit, and a calling program's collector handed back on (nothing left
frozen) or, if it had paused it, left paused.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hmt_sim.cli import runbody

ROOT = Path(__file__).parents[1]
ARGS = ["run", "training_sandbox", "--set", "run.duration_s=1", "--json"]

PROBE = """
import atexit, gc, json, sys
passes = []
gc.callbacks.append(lambda phase, info: passes.append(info["generation"]) if phase == "start"
                    else None)
atexit.register(lambda: sys.stderr.write(json.dumps({"frozen_at_exit": gc.get_freeze_count(),
                                                     "passes": len(passes)}) + "\\n"))
if sys.argv[1] == "run":
    from hmt_sim.cli import main
    rc = main(sys.argv[1:])
else:  # the control: the same imports and the same scenario, outside the run command
    import hmt_sim.mesa_import, hmt_sim.rundir, hmt_sim.session
    from hmt_sim.scenario import load_scenario
    load_scenario("training_sandbox", overrides={"run.duration_s": 1})
    rc = 0
print(json.dumps({"rc": rc, "enabled": gc.isenabled()}))
"""


def probe(tmp_path: Path, *argv: str) -> tuple[dict[str, int], dict[str, int]]:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "COLUMNS": "80"}
    env.pop("_HMT_SIM_COMPLETE", None)
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    end = json.loads(proc.stdout.strip().splitlines()[-1])
    at_exit = json.loads(proc.stderr.strip().splitlines()[-1])
    return end, at_exit


def test_a_run_starts_without_collector_passes_and_exits_frozen(tmp_path: Path) -> None:
    probe(tmp_path, *ARGS)  # writes the card and the scenario cache
    end, at_exit = probe(tmp_path, *ARGS)
    control_end, control_exit = probe(tmp_path, "control")
    assert end == {"rc": 0, "enabled": True} and control_end["enabled"] is True
    assert control_exit["passes"] >= 30  # the control: start-up makes the collector run
    assert at_exit["passes"] < 15  # only the run's own, after start-up
    assert at_exit["frozen_at_exit"] > 10_000  # everything left out of the exit's passes
    assert control_exit["frozen_at_exit"] < 1_000


def run_quietly() -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        runbody.run("training_sandbox", set_=["run.duration_s=1"], as_json=True)


def test_a_calling_program_gets_its_collector_back(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    hooks: list[object] = []  # atexit's own list cannot be read back
    monkeypatch.setattr(atexit, "register", hooks.append)
    monkeypatch.setattr(atexit, "unregister",
                        lambda fn: hooks.__setitem__(slice(None), [h for h in hooks if h != fn]))
    assert gc.isenabled()
    run_quietly()
    run_quietly()
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert hooks == [gc.freeze]  # the exit hook, registered once
    gc.disable()
    try:
        run_quietly()
        assert not gc.isenabled() and gc.get_freeze_count() == 0  # left as the caller had it
    finally:
        gc.enable()


def test_an_error_still_hands_the_collector_back(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from hmt_sim.errors import InputError

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with pytest.raises(InputError, match="unknown scenario"):
        runbody.run("no_such_scenario")
    assert gc.isenabled() and gc.get_freeze_count() == 0
