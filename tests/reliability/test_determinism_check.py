"""The determinism checker: every bundled scenario gives identical logs in fresh interpreters
with different hash seeds, in this process and through the sweep backends; and when logs do
differ, the report names the first differing event and its fields."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import hmt_sim.check as check_mod
from hmt_sim.check import (
    MISSING,
    DeterminismReport,
    Divergence,
    Job,
    check_determinism,
    check_jobs,
    compare_logs,
    differing_fields,
    first_divergence,
)
from hmt_sim.cli import main
from hmt_sim.errors import InputError
from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session

from .conftest import TALLY, bundled_scenarios


def _log(n: int = 5) -> list[dict[str, Any]]:
    return [{"t": float(i), "seq": i, "kind": "sample", "trust": 0.5, "queue": i}
            for i in range(n)]


# ----------------------------------------------------------------------- comparing logs


def test_identical_logs_have_no_divergence() -> None:
    assert first_divergence(_log(), _log()) is None
    assert compare_logs([("a", _log()), ("b", _log()), ("c", _log())]) is None


def test_first_differing_event_and_its_fields_are_named() -> None:
    a, b = _log(), _log()
    b[2] = {**b[2], "trust": 0.51, "queue": 99}
    b[4] = {**b[4], "trust": 0.0}  # a later difference is not the first
    d = first_divergence(a, b, "fresh process", "this process")
    assert d is not None
    assert d.index == 2 and d.fields == ("trust", "queue")
    assert d.event_a == a[2] and d.event_b == b[2]
    text = d.describe()
    assert "event 2" in text and "fresh process" in text and "trust, queue" in text
    assert '"queue":99' in text and '"queue":2' in text


def test_a_field_only_one_event_has_counts_as_differing() -> None:
    a, b = _log(), _log()
    b[1] = {**b[1], "extra": True}
    assert differing_fields(a[1], b[1]) == ("extra",)
    del a[3]["trust"]
    d = first_divergence(a, _log())
    assert d is not None and d.index == 3 and d.fields == ("trust",)
    assert MISSING == "<missing>"


def test_a_log_that_stops_early_diverges_where_it_stops() -> None:
    d = first_divergence(_log(5), _log(3), "long", "short")
    assert d is not None and d.index == 3 and d.fields == ()
    assert d.event_a == _log(5)[3] and d.event_b is None
    assert "(log ended)" in d.describe()


def test_the_earliest_divergence_across_many_runs_is_reported() -> None:
    late, early = _log(), _log()
    late[4] = {**late[4], "queue": -1}
    early[1] = {**early[1], "kind": "trust"}
    d = compare_logs([("base", _log()), ("late", late), ("early", early)])
    assert d is not None and d.run_b == "early" and d.index == 1 and d.fields == ("kind",)


def test_report_summary_texts() -> None:
    ok = DeterminismReport("s", 3, ("a", "b"), (10, 10))
    assert ok.deterministic
    assert ok.summary().startswith("deterministic: 10 events identical across 2 runs")
    bad = DeterminismReport("s", 3, ("a", "b"), (10, 9),
                            Divergence(9, "a", "b", {"seq": 9}, None, ()))
    assert not bad.deterministic
    assert "NOT deterministic" in bad.summary() and "event 9" in bad.summary()


# ----------------------------------------------------------------------- real runs


def test_every_bundled_scenario_is_deterministic_across_processes_and_the_sweep_pool() -> None:
    """Two seeds per bundled scenario; 2 fresh interpreters + this process + the sweep pool."""
    jobs = []
    for path in bundled_scenarios():
        sc = load_scenario(path)
        jobs += [Job(sc, sc.run.seed), Job(sc, 4242)]
    reports = check_jobs(jobs, processes=2, backends=("local",))
    for report in reports:
        assert report.deterministic, report.summary()
        assert len(set(report.event_counts)) == 1 and report.event_counts[0] > 50
        assert len(report.runs) == 4
    TALLY["determinism: scenario x seed triples checked"] += len(reports)
    TALLY["determinism: runs compared (processes, in-process, sweep local pool)"] += sum(
        len(r.runs) for r in reports)
    assert {r.scenario_id for r in reports} == {load_scenario(p).id for p in bundled_scenarios()}


def test_a_recorded_session_replays_identically_everywhere_including_dask() -> None:
    sc = load_scenario("airbase_swarm", overrides={"run.duration_s": 400})
    s = Session(sc, seed=21, human_seats=["operator"])
    choice = "approve"
    while not s.finished:
        s.advance(5.0)
        if s.now == 200.0:
            s.inject("spoofing", fpr_multiplier=4.0)
            s.set_levels({"engage": 6})
        for card in s.pending_decisions():
            s.decide(card["decision"], choice)
            choice = "reject" if choice == "approve" else "approve"
    assert {i["type"] for i in s.inputs} >= {"decide", "inject", "set_levels"}
    report = check_determinism(sc, 21, inputs=s.inputs, human_seats=["operator"],
                               processes=2, backends=("local", "dask"))
    assert report.deterministic, report.summary()
    assert report.event_counts[0] == len(s.events)
    assert "sweep backend dask" in report.runs
    TALLY["determinism: recorded-session replays checked (incl. Dask)"] += 1


def test_a_divergence_in_one_run_is_caught_and_located(monkeypatch: pytest.MonkeyPatch) -> None:
    """Perturb the in-process run only (the fresh interpreters are untouched): the checker must
    report exactly that event and field."""
    sc = load_scenario("training_sandbox")
    real = check_mod._replay

    def perturbed(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        events = [dict(e) for e in real(*args, **kwargs)]
        events[17]["t"] += 1e-6
        return events

    monkeypatch.setattr(check_mod, "_replay", perturbed)
    report = check_determinism(sc, processes=2, backends=())
    assert not report.deterministic
    d = report.divergence
    assert d is not None and d.index == 17 and d.fields == ("t",)
    assert d.run_b == "this process"
    assert d.event_a is not None and d.event_b is not None
    assert d.event_b["t"] == pytest.approx(d.event_a["t"] + 1e-6)


def test_bad_arguments_are_input_errors() -> None:
    sc = load_scenario("training_sandbox")
    with pytest.raises(InputError, match="processes"):
        check_determinism(sc, processes=0)
    with pytest.raises(InputError, match="allowed: local, dask"):
        check_determinism(sc, processes=1, backends=("ray",))


# ----------------------------------------------------------------------- command line


def test_cli_check_prints_identical_count(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "training_sandbox", "--seed", "3", "--processes", "1",
                 "--backend", "none"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("deterministic: ") and "identical across 2 runs" in out


def test_cli_check_reports_the_first_divergence_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fake(jobs: list[Job], **_: Any) -> list[DeterminismReport]:
        return [DeterminismReport(j.scenario.id, j.seed, ("p1", "p2"), (5, 5),
                                  Divergence(3, "p1", "p2", {"seq": 3, "x": 1},
                                             {"seq": 3, "x": 2}, ("x",))) for j in jobs]

    monkeypatch.setattr(check_mod, "check_jobs", fake)
    assert main(["check", "training_sandbox"]) == 1
    out = capsys.readouterr().out
    assert "NOT deterministic" in out and "first divergence at event 3" in out
    assert "fields that differ: x" in out


def test_cli_check_bad_scenario_exits_2(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: t\nrun: {duration_s: -1}\n", encoding="utf-8")
    assert main(["check", str(bad)]) == 2
    assert "bad.yaml:3" in capsys.readouterr().err
