"""The report mistakes of issue 12, each pinned: which decisions a bookmark stars, the command
that reproduces a run or session (it must really reproduce it), the version line, and counts in
words ("1 leaker")."""

from __future__ import annotations

import shlex
from html import unescape
from pathlib import Path

import pytest
from report_helpers import scan

from hmt_sim import sessionfile
from hmt_sim.cli import main
from hmt_sim.events import read_jsonl
from hmt_sim.report import load_source
from hmt_sim.report.cfsection import sentence
from hmt_sim.report.counterfactual import Placement
from hmt_sim.report.extract import BOOKMARK_SLACK_S, decision_rows, moments
from hmt_sim.report.method import reproduce_commands
from hmt_sim.rundir import write_run
from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session
from hmt_sim.timeline import decision_timeline

MARK_T = 240.0  # a bookmark at 4:00


@pytest.fixture(scope="module")
def marked_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default scenario, seed 1, with the facilitator's bookmark at 4:00."""
    session = Session(load_scenario("airbase_swarm"), seed=1)
    session.run_to(MARK_T)
    session.bookmark("at four")
    run = tmp_path_factory.mktemp("marked") / "run"
    run.mkdir()
    write_run(session.run_to_end(), run)
    return run


def test_a_bookmark_stars_what_happened_near_it_not_what_was_open(marked_run: Path,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert main(["report", str(marked_run), "-o", str(out)]) == 0
    starred = {d for d, cls in scan(out.read_text()).decision_rows.items() if "bookmarked" in cls}
    events = read_jsonl(marked_run / "events.jsonl")
    timeline = {r.decision: r for r in decision_timeline(events)}
    expected = {d for d, r in timeline.items()
                if any(abs(m - MARK_T) <= BOOKMARK_SLACK_S for m in moments(r))}
    assert starred == expected
    # The case of the issue: decisions made long before 4:00 and carried out long after were
    # starred; one made at 4:20 was not.
    spanning = [d for d, r in timeline.items() if r.t < MARK_T - BOOKMARK_SLACK_S
                and r.settled_t is not None and r.settled_t > MARK_T + BOOKMARK_SLACK_S
                and not any(abs(a.t - MARK_T) <= BOOKMARK_SLACK_S for a in r.answers)]
    later = [d for d, r in timeline.items() if MARK_T < r.t <= MARK_T + BOOKMARK_SLACK_S]
    assert spanning and later, "seed 1 should have both kinds of decision around 4:00"
    assert not starred & set(spanning)
    assert set(later) <= starred
    text = unescape(out.read_text())
    assert f"within {BOOKMARK_SLACK_S:g} s of the bookmark" in text


def test_decision_rows_and_report_agree_on_the_rule(marked_run: Path) -> None:
    rows = decision_rows(read_jsonl(marked_run / "events.jsonl"))
    assert any(r.bookmarks == ["at four"] for r in rows)
    assert any(not r.bookmarks for r in rows)


def test_the_reproduce_command_of_a_run_reproduces_it(tmp_path: Path) -> None:
    made = tmp_path / "made"
    assert main(["run", "airbase_swarm", "--seed", "4", "--set", "autonomy.level=7",
                 "--set", "ai.reliability=0.8", "--out", str(made)]) == 0
    commands = reproduce_commands(load_source(made))
    assert len(commands) == 1
    words = shlex.split(commands[0])
    assert words[:2] == ["hmt-sim", "run"]
    again = tmp_path / "again"
    assert main([*words[1:], "--out", str(again)]) == 0
    assert read_jsonl(again / "events.jsonl") == read_jsonl(made / "events.jsonl")
    out = tmp_path / "r.html"
    assert main(["report", str(made), "-o", str(out)]) == 0
    text = unescape(out.read_text())
    assert commands[0] in text
    assert "with the session inputs" not in text
    assert "unknown" not in text.split('id="method"')[1]


def test_a_run_with_inputs_names_no_command_that_does_not_exist(marked_run: Path,
                                                                tmp_path: Path) -> None:
    assert reproduce_commands(load_source(marked_run)) == []
    out = tmp_path / "r.html"
    assert main(["report", str(marked_run), "-o", str(out)]) == 0
    method = unescape(out.read_text()).split('id="method"')[1]
    assert "this run carries 1 input, which hmt-sim run cannot take" in method
    assert "hmt-sim run airbase_swarm" not in method


def test_a_session_is_reproduced_by_replay_and_names_no_unknown_version(tmp_path: Path) -> None:
    path = tmp_path / "room.jsonl"
    sc = load_scenario("training_sandbox")
    s = Session(sc, seed=2, human_seats=["operator"])
    with sessionfile.open(path, sc, 2, ["operator"]) as writer:
        s.advance(30.0)
        writer.append(s.bookmark("here"))
        writer.clock(s.now)
    src = load_source(path)
    assert reproduce_commands(src) == [f"hmt-sim replay {path}", f"hmt-sim report {path}"]
    out = tmp_path / "s.html"
    assert main(["report", str(path), "-o", str(out)]) == 0
    method = unescape(out.read_text()).split('id="method"')[1]
    assert f"hmt-sim replay {path}" in method
    assert "unknown" not in method
    assert "re-simulated with hmt-sim" in method


@pytest.mark.parametrize(("n", "words"), [(0, "0 leakers"), (1, "1 leaker;"), (3, "3 leakers")])
def test_counts_agree_with_their_number(n: int, words: str) -> None:
    place = Placement(4, 0, 1.0, 0.0, 2.0, 0.0, 2.0, 1, 1, 2)
    text = sentence("mission.leakers", n, ["as set up"], [place], "run")
    assert words in text
    assert "1 leakers" not in text
