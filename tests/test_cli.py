"""The command line as a user meets it: the default scenario end to end, exit codes, files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hmt_sim.cli import main
from hmt_sim.events import read_jsonl
from hmt_sim.metrics import compute_metrics

HMT = [sys.executable, "-m", "hmt_sim.cli"]


def test_default_scenario_end_to_end_from_the_console(tmp_path: Path):
    out = tmp_path / "run"
    proc = subprocess.run([*HMT, "run", "airbase_swarm", "--seed", "3", "--out", str(out)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "meaningful_review_rate" in proc.stdout and "civilian_casualties" in proc.stdout
    events = read_jsonl(out / "events.jsonl")
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics == json.loads(json.dumps(compute_metrics(events)))
    run = json.loads((out / "run.json").read_text())
    assert run["seed"] == 3 and run["scenario_id"] == "airbase_swarm"
    assert len(run["scenario_hash"]) == 64
    header = (out / "timeseries.csv").read_text().splitlines()[0]
    assert header.startswith("t,rung_blue,rung_red,civilian_harm_cum")
    # the run can be reproduced from run.json alone
    again = subprocess.run([*HMT, "run", "airbase_swarm", "--seed", "3", "--out", str(out)],
                           capture_output=True, text=True, check=False)
    assert again.returncode == 2 and "--force" in again.stderr and "Traceback" not in again.stderr


def test_json_output_and_overrides(capsys):
    assert main(["run", "airbase_swarm", "--set", "autonomy.level=8", "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert set(metrics) == {"escalation", "harm", "control", "human", "mission", "ai"}
    # every AI-initiated use of force is out of the loop; only operator-initiated ones (an
    # operator noticing a threat the AI missed) are not
    assert 0.5 < metrics["control"]["out_of_loop_exposure"] <= 1.0


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["run", "no_such_scenario"], "bundled scenarios: "),
        (["run", "airbase_swarm", "--set", "autonomy.levl=3"], "did you mean 'levels'"),
        (["run", "airbase_swarm", "--set", "ai.reliability=1.5"], "ai.reliability"),
        (["run", "airbase_swarm", "--set", "novalue"], "="),
        (["run", "airbase_swarm", "--seed", "x"], "seed"),
    ],
)
def test_bad_input_exits_2_with_a_message(argv, fragment, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


def test_list_shows_id_then_title(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.split()[0] == "airbase_swarm" and "Drone swarm" in line for line in lines)


def test_validate_and_schema(tmp_path: Path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: t\nautonomy:\n  levels: {engage: 12}\n")
    assert main(["validate", "scenarios/airbase_swarm.yaml", str(bad)]) == 2
    captured = capsys.readouterr()
    assert "airbase_swarm.yaml: ok" in captured.out
    assert f"{bad}:4:" in captured.err and "autonomy.levels.engage" in captured.err
    assert main(["schema", "-o", str(tmp_path / "s.json")]) == 0
    schema = json.loads((tmp_path / "s.json").read_text())
    assert "autonomy" in schema["properties"]


def test_unwritable_paths_and_negative_seeds_are_input_errors(tmp_path: Path, capsys):
    assert main(["schema", "-o", str(tmp_path / "missing" / "s.json")]) == 2
    assert main(["run", "airbase_swarm", "--seed", "-1"]) == 2
    err = capsys.readouterr().err
    assert "missing/s.json" in err and "seed must be" in err and "Traceback" not in err
