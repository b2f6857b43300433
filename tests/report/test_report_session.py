"""A report from a visualiser session file: a person in the operator seat and a facilitator."""

from __future__ import annotations

from html import escape
from pathlib import Path

import pytest
from report_helpers import scan

from hmt_sim import sessionfile
from hmt_sim.cli import main
from hmt_sim.report import load_source
from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session


@pytest.fixture(scope="module")
def session_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Play the default scenario with a person in the operator seat: approve every other card,
    reject the rest; the facilitator changes autonomy, cuts comms and sets a bookmark."""
    path = tmp_path_factory.mktemp("session") / "exercise.jsonl"
    sc = load_scenario("airbase_swarm")
    s = Session(sc, seed=5, human_seats=["operator"])
    answered = 0
    with sessionfile.open(path, sc, 5, ["operator"]) as writer:
        while not s.finished:
            s.advance(5.0)
            if s.finished:
                break
            for card in s.pending_decisions():
                choice = "approve" if answered % 2 == 0 else "reject"
                writer.append(s.decide(card["decision"], choice))
                answered += 1
            if s.now == 200.0:
                writer.append(s.set_levels({"engage": 6}))
            elif s.now == 250.0:
                writer.append(s.inject("comms_loss", duration_s=20))
            elif s.now == 450.0:
                writer.append(s.bookmark("who checked this one?"))
            writer.clock(s.now)
    assert answered > 0
    return path


def test_session_replays_and_reports_people(session_path: Path, tmp_path: Path) -> None:
    src = load_source(session_path)
    assert src.kind == "session" and src.human_seats == ("operator",)
    assert any(e["kind"] == "approval" and e["by"] == "person" for e in src.events)
    out = tmp_path / "s.html"
    assert main(["report", str(session_path), "-o", str(out), "--compare",
                 "autonomy.level=5,9", "--seeds", "2", "--workers", "2"]) == 0
    text = out.read_text()
    assert scan(text).section_ids[0] == "scenario"
    assert "person (operator 0)" in text
    assert escape("who checked this one?") in text
    assert "autonomy set: " in text  # the facilitator's change is marked on the plots' list
    # Counterfactuals say what they did with the people's inputs.
    assert "model operators in every seat" in text
    assert "decide" in text and "set_levels (clashes with autonomy.level)" in text
    assert "This session had" in text


def test_default_output_sits_beside_the_session(session_path: Path) -> None:
    assert main(["report", str(session_path)]) == 0
    assert session_path.with_name("exercise.report.html").exists()
