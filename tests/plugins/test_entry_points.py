"""Plugins from an installed distribution: a real ``*.dist-info`` with ``entry_points.txt`` on
the path of a fresh interpreter. Their code is imported only with the trust flag; without it
the scenario is refused at the key that names the plugin, saying how to allow it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugins.scenarios import CUED

PLUGIN = '''
"""A third-party plugin package. Importing it leaves a mark, so tests can see it ran."""
from pathlib import Path

Path(__file__).with_name("IMPORTED").write_text("yes")


class EmitterRule:
    def classify(self, obs):
        p = 0.95 if obs.emitter else 0.05
        return {"hostile": p, "civilian": 1.0 - p}


def make_classifier(setup):
    return EmitterRule()


class Cautious:
    def __init__(self, setup):
        self.seat = setup.seat

    def decide(self, card, rng):
        from hmt_sim.plugins import Verdict
        return Verdict(approve=card.confidence > 0.9, duration_s=2.0)


def count(events):
    return {"events": len(events)}
'''

ENTRY_POINTS = """\
[hmt_sim.classifiers]
emitter_rule = hmtplug:make_classifier

[hmt_sim.operators]
cautious = hmtplug:Cautious

[hmt_sim.metrics]
plug_count = hmtplug:count
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A folder holding the installed distribution ``hmtplug`` and a scenario that uses it."""
    lib = tmp_path / "site"
    dist = lib / "hmtplug-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: hmtplug\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(ENTRY_POINTS)
    (lib / "hmtplug.py").write_text(PLUGIN)
    text = CUED.replace("ai:\n  reliability: 0.8\n",
                        "ai:\n  reliability: 0.8\n  classifier: emitter_rule\n")
    text = text.replace("operators: {count: 2}", "operators: {count: 2, policy: cautious}")
    text = text.replace("id: cued\n", "id: plug\n")  # the CLI wants the id to be the file name
    (tmp_path / "plug.yaml").write_text(text)
    return lib


def _run(site: Path, *args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(site), str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-c", code] if code else [sys.executable, "-m", "hmt_sim.cli", *args]
    return subprocess.run(cmd, cwd=site.parent, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def _line_of(site: Path, text: str) -> int:
    lines = (site.parent / "plug.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


@pytest.mark.parametrize("command", ["run", "validate"])
def test_without_the_flag_the_scenario_is_refused_and_no_code_runs(site: Path,
                                                                  command: str) -> None:
    proc = _run(site, command, "plug.yaml")
    assert proc.returncode == 2, proc.stderr
    line = _line_of(site, "classifier: emitter_rule")
    assert f"plug.yaml:{line}:15: error: ai.classifier: classifier 'emitter_rule' is plugin " \
           "code offered by the installed distribution 'hmtplug'" in proc.stderr
    assert "error: operators.policy: operator policy 'cautious'" in proc.stderr
    assert proc.stderr.count("--allow-plugins") == 2
    assert "Traceback" not in proc.stderr
    assert not (site / "IMPORTED").exists()


def test_metrics_from_entry_points_do_not_run_without_the_flag(site: Path) -> None:
    proc = _run(site, "run", "airbase_swarm", "--json", "--set", "run.duration_s=60")
    assert proc.returncode == 0, proc.stderr
    assert "plug_count" not in json.loads(proc.stdout)
    assert not (site / "IMPORTED").exists()


def test_with_the_flag_the_plugins_load_and_run(site: Path) -> None:
    proc = _run(site, "run", "plug.yaml", "--allow-plugins", "--json")
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads(proc.stdout)
    assert metrics["ai"]["accuracy"] == 1.0  # the emitter rule is perfect on these cues
    assert metrics["plug_count"]["events"] > 0
    assert (site / "IMPORTED").exists()


def test_the_python_api_takes_allow_plugins(site: Path) -> None:
    code = """
import json
from hmt_sim import load_scenario, simulate
from hmt_sim.errors import ScenarioError
try:
    load_scenario("plug.yaml")
except ScenarioError as e:
    refused = [p.path for p in e.problems]
sc = load_scenario("plug.yaml", allow_plugins=True)
run = simulate(sc, seed=2)
vetoes = sum(e["kind"] == "veto" for e in run.events)
print(json.dumps({"refused": refused, "groups": list(run.metrics), "vetoes": vetoes,
                  "accuracy": run.metrics["ai"]["accuracy"]}))
"""
    proc = _run(site, code=code)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.splitlines()[-1])
    assert got["refused"] == ["ai.classifier", "operators.policy"]
    assert got["groups"][-1] == "plug_count" and got["accuracy"] == 1.0


@pytest.mark.slow
def test_a_sweep_and_a_determinism_check_pass_the_flag_to_their_workers(site: Path) -> None:
    (site.parent / "spec.yaml").write_text(
        "scenario: plug.yaml\nset: {run.duration_s: 120}\n"
        "factors: {autonomy.levels.engage: [5, 6]}\nseeds: [1, 2]\n")
    proc = _run(site, "sweep", "spec.yaml", "--out", "sw", "--workers", "2", "-q",
                "--allow-plugins")
    assert proc.returncode == 0, proc.stderr
    code = "import pandas as pd; df = pd.read_parquet('sw'); " \
           "print(sorted(df['status']), int(df['plug_count.events'].min()))"
    out = _run(site, code=code).stdout.strip()
    assert out.startswith("['ok', 'ok', 'ok', 'ok']") and int(out.split()[-1]) > 0
    # Dask workers are processes of their own that inherit nothing: the chunk carries the flag.
    code = """
import distributed
from hmt_sim import plugins, sweep
plugins.allow_entry_points()
with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster:
    df = sweep("spec.yaml", out="sw_dask", backend="dask", progress=None,
               scheduler=cluster.scheduler_address)
print(sorted(df["status"]), int(df["plug_count.events"].min()))
"""
    proc = _run(site, code=code)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.strip().splitlines()[-1]
    assert out.startswith("['ok', 'ok', 'ok', 'ok']") and int(out.split()[-1]) > 0
    proc = _run(site, "check", "plug.yaml", "--set", "run.duration_s=120", "--processes", "1",
                "--backend", "none", "--allow-plugins")
    assert proc.returncode == 0, proc.stdout + proc.stderr
