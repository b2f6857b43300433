"""The bundled scenario library: every file loads, runs, is deterministic and complete, and each
workshop scenario shows the dilemma it was written for.

The dilemma tests compare runs over a handful of seeds. Runs that differ only in a setting are
paired: the same seed gives the same world and the same AI errors whatever the autonomy level
(common random numbers, DESIGN.md principle 6), so a paired sum over a few seeds is a sharp
comparison. Each bound below was measured on these scenarios (numbers in the comments) and set
with a margin; a test fails when the mechanism behind the dilemma stops working, not when one
seed is unlucky.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from hmt_sim.cli import main
from hmt_sim.metrics import flatten
from hmt_sim.scenario import Scenario, load_scenario
from hmt_sim.session import RunResult, simulate

REPO = Path(__file__).resolve().parents[1]
SCENARIO_DIR = REPO / "scenarios"
ALL_IDS = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
WORKSHOP_IDS = (
    "air_defence_airliner",
    "urban_nomination",
    "maritime_standoff",
    "deception_drift",
    "overload",
    "training_sandbox",
)
SEED = 11
WALL_LIMIT_S = 1.0  # "well under a second" per run; measured 0.05-0.25 s on a shared machine


@cache
def scenario(sid: str, overrides: tuple[tuple[str, Any], ...] = ()) -> Scenario:
    return load_scenario(SCENARIO_DIR / f"{sid}.yaml", overrides=dict(overrides) or None)


@cache
def run(sid: str, seed: int, overrides: tuple[tuple[str, Any], ...] = ()) -> RunResult:
    return simulate(scenario(sid, overrides), seed=seed)


def metric(sid: str, name: str, seeds: Iterable[int], **overrides: Any) -> list[Any]:
    """``name`` (a flattened metric key) for each seed, with dotted overrides."""
    key = tuple(sorted(overrides.items()))
    return [flatten(run(sid, s, key).metrics)[name] for s in seeds]


# --------------------------------------------------------------------------- every scenario
def test_the_library_has_the_workshop_scenarios() -> None:
    assert "airbase_swarm" in ALL_IDS
    assert set(WORKSHOP_IDS) <= set(ALL_IDS)


@pytest.mark.parametrize("sid", ALL_IDS)
def test_validates_from_the_command_line(sid: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = SCENARIO_DIR / f"{sid}.yaml"
    assert main(["validate", str(path)]) == 0
    assert f"ok ({sid}: " in capsys.readouterr().out


@pytest.mark.parametrize("sid", ALL_IDS)
def test_has_what_a_facilitator_needs(sid: str) -> None:
    sc = scenario(sid)
    assert sc.id == sid, "the id must equal the file stem (hmt-sim run <id> finds it by name)"
    assert sc.title.strip()
    assert sc.description.strip() and "\n" not in sc.description.strip()
    assert sc.themes, "name the workshop themes the scenario opens"
    assert len(sc.briefing.split()) >= 40, "a briefing a facilitator can read aloud"
    assert 3 <= len(sc.questions) <= 5
    assert all(q.strip().endswith("?") for q in sc.questions)
    assert sc.injects, "timed injects create the dilemma"
    assert all(inj.label for inj in sc.injects), "each inject is labelled for the debrief"


def test_the_workshop_scenarios_cover_all_three_themes() -> None:
    themes = {t for sid in WORKSHOP_IDS for t in scenario(sid).themes}
    assert themes == {"technical", "responsible_use", "governance"}


@pytest.mark.parametrize("sid", ALL_IDS)
def test_runs_end_to_end_deterministically_and_fast(sid: str) -> None:
    sc = scenario(sid)
    walls = []
    results = []
    for _ in range(2):
        start = time.perf_counter()
        results.append(simulate(sc, seed=SEED))
        walls.append(time.perf_counter() - start)
    first, second = results
    assert first.events == second.events, "same scenario and seed must give the same log"
    kinds = [e["kind"] for e in first.events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_ended"
    assert first.events[-1]["t"] == pytest.approx(sc.run.duration_s)
    assert "inject" in kinds and "recommendation" in kinds and "engagement" in kinds
    assert set(first.metrics) == {"escalation", "harm", "control", "human", "mission", "ai"}
    # The fastest of two runs, so a load spike on a shared machine does not fail the test.
    # mass_swarm (2,000+ contacts): 50x real time here; benchmarks/bench_scale.py aims at 200x.
    limit = sc.run.duration_s / 50 if sid == "mass_swarm" else WALL_LIMIT_S
    assert min(walls) < limit, f"{sid} took {min(walls):.2f} s per run"


def test_list_shows_each_id_then_its_title(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HMT_SIM_SCENARIOS", raising=False)
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    listed = {}
    for line in lines:
        sid, _, title = line.partition(" ")
        listed[sid] = title.strip()
    for sid in ALL_IDS:
        assert listed.get(sid) == scenario(sid).title, f"{sid} missing or mistitled in: {lines}"


# --------------------------------------------------------------------------- the dilemmas
def test_airliner_autonomy_saves_the_base_and_costs_airliners() -> None:
    """Engagement level 8 against 5 over the same 24 seeds: fewer friendly losses (the machine is
    faster than the approval queue under a missile salvo), more airliners shot down (a dark
    airliner inside the engagement zone passes every autonomy gate). Measured: wrongful
    39 -> 46, friendly losses 121 -> 57 (sums over seeds 1-24)."""
    seeds = range(1, 25)
    wrong5 = metric("air_defence_airliner", "harm.wrongful_engagements", seeds,
                    **{"autonomy.levels.engage": 5})
    wrong8 = metric("air_defence_airliner", "harm.wrongful_engagements", seeds,
                    **{"autonomy.levels.engage": 8})
    loss5 = metric("air_defence_airliner", "mission.friendly_losses", seeds,
                   **{"autonomy.levels.engage": 5})
    loss8 = metric("air_defence_airliner", "mission.friendly_losses", seeds,
                   **{"autonomy.levels.engage": 8})
    assert sum(wrong8) >= sum(wrong5) + 4, (wrong5, wrong8)
    assert sum(loss8) < sum(loss5), (loss5, loss8)
    assert max(wrong8) >= 1, "misidentified airliners must be possible at level 8"


def _wrongful_rate_by_region(result: RunResult) -> dict[str, float]:
    """Civilians engaged / civilians detected, by the region where each was first detected."""
    civilians = {e["track"] for e in result.events
                 if e["kind"] == "spawn" and e["true_class"] == "civilian"}
    region = {e["track"]: e["region"] for e in result.events
              if e["kind"] == "detection" and e["track"] in civilians}
    engaged = {e["track"] for e in result.events if e["kind"] == "engagement"
               and e["action"] == "engage" and e["track"] in civilians}
    rates = {}
    for name in set(region.values()):
        tracks = [t for t, r in region.items() if r == name]
        rates[name] = sum(t in engaged for t in tracks) / len(tracks)
    return rates


def test_urban_bias_concentrates_wrongful_strikes_in_the_old_quarter() -> None:
    """The classifier's false-alarm multiplier (x3) in the old quarter: civilians detected there
    are struck more often than in the new town, and switching the bias off (same seeds) lowers
    wrongful strikes. Measured over seeds 1-6: summed per-seed rates 0.95 (old quarter) against
    0.25 (new town); wrongful strikes 47 with the bias, 26 without."""
    seeds = range(1, 7)
    old = new = 0.0
    for s in seeds:
        rates = _wrongful_rate_by_region(run("urban_nomination", s))
        old += rates.get("old_quarter", 0.0)
        new += rates.get("new_town", 0.0)
    assert old > 1.5 * new, (old, new)
    biased = metric("urban_nomination", "harm.wrongful_engagements", seeds)
    fair = metric("urban_nomination", "harm.wrongful_engagements", seeds,
                  **{"ai.region_bias.old_quarter": 1.0})
    assert sum(biased) > sum(fair), (biased, fair)


def test_maritime_misclassification_escalates_and_hair_trigger_amplifies() -> None:
    """At the stable gain (0.3) wrongful strikes on fishing boats still cause inadvertent
    escalation steps; at the hair-trigger gain (0.6), same seeds, the ladder moves far more
    often and the missile salvo (launched at red rung 4) comes on some seeds. Measured over
    seeds 1-8: 11 wrongful strikes, 10 inadvertent steps; steps up 42 -> 81; friendly
    losses 0 -> 10."""
    seeds = range(1, 9)
    inadvertent = metric("maritime_standoff", "escalation.inadvertent_steps", seeds)
    wrongful = metric("maritime_standoff", "harm.wrongful_engagements", seeds)
    assert sum(wrongful) >= 4 and sum(inadvertent) >= 3, (wrongful, inadvertent)
    stable = metric("maritime_standoff", "escalation.steps_up", seeds)
    hair = metric("maritime_standoff", "escalation.steps_up", seeds, **{"escalation.gain": 0.6})
    assert sum(hair) > 1.3 * sum(stable), (stable, hair)
    losses = metric("maritime_standoff", "mission.friendly_losses", seeds)
    hair_losses = metric("maritime_standoff", "mission.friendly_losses", seeds,
                         **{"escalation.gain": 0.6})
    assert sum(hair_losses) >= sum(losses), (losses, hair_losses)


def _trust_gap(result: RunResult, start: float, end: float) -> float:
    """Mean of (operator trust - true AI accuracy) over samples in [start, end)."""
    ts = result.timeseries
    window = ts[(ts.t >= start) & (ts.t < end)]
    return float((window.trust - window.ai_accuracy).mean())


def test_deception_trust_lags_the_silent_drop_in_reliability() -> None:
    """Before the spoofing (t < 420 s) trust sits a little below the AI's true accuracy; for the
    minute and a half after it, trust is well above it (over-trust) because the assessments that
    would reveal the drop arrive late (then the AI's re-judged tracks flip, are acted on and
    assessed, and trust falls to the new accuracy within about two minutes). With the
    out-of-distribution detector on, the same seeds give fewer wrongful engagements. Measured
    over seeds 1-6: gap before -0.15..-0.04, after +0.14..+0.30 (mean +0.21); wrongful
    engagements 18 without the detector, 1 with it."""
    seeds = range(1, 7)
    before = [_trust_gap(run("deception_drift", s), 200.0, 420.0) for s in seeds]
    after = [_trust_gap(run("deception_drift", s), 430.0, 510.0) for s in seeds]
    assert sum(after) / len(after) > 0.1, after
    assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)
    silent = metric("deception_drift", "harm.wrongful_engagements", seeds)
    detected = metric("deception_drift", "harm.wrongful_engagements", seeds,
                      **{"ai.ood_detector": True})
    assert sum(detected) < sum(silent), (silent, detected)


def test_overload_rubber_stamps_and_leaves_no_veto_opportunity() -> None:
    """A 4 s veto window is shorter than the operators' 95th-percentile review time (18 s), so
    no autonomous engagement could have been vetoed in time; the approvals that remain are made
    in a queue, often without verification. Four operators instead of two (same seeds) check
    more of what they approve. Measured over seeds 1-5: rubber-stamp rate 0.45-0.55 (mean
    0.49), utilisation 0.72-0.89 (mean 0.79, still above the 0.7 where performance degrades);
    approvals given without verifying 0.44 with two operators, 0.31 with four. (With the
    operator's own judgement a verified review is often shorter than the 10 s the stamp rule
    asks, so the stamp rate itself no longer falls with four operators: docs/MODEL.md s.11.)"""
    seeds = range(1, 6)
    stamps = metric("overload", "control.rubber_stamp_rate", seeds)
    assert sum(stamps) / len(stamps) > 0.3, stamps
    assert metric("overload", "control.veto_opportunity_ratio", seeds) == [0.0] * len(stamps)
    utilisation = metric("overload", "human.utilisation_mean", seeds)
    assert sum(utilisation) / len(utilisation) > 0.75 and min(utilisation) > 0.7, utilisation

    def unverified(*overrides: tuple[str, Any]) -> float:
        approvals = [e for seed in seeds for e in run("overload", seed, overrides).events
                     if e["kind"] == "approval"]
        return sum(not e["verified"] for e in approvals) / len(approvals)

    assert unverified(("operators.count", 4)) < unverified() - 0.05


def test_training_sandbox_is_small_and_shows_every_mechanism() -> None:
    """Few contacts, five minutes; over a handful of seeds a student sees warnings, jamming,
    strikes, approvals, vetoes, gates, escalation steps and trust updates."""
    sc = scenario("training_sandbox")
    assert sc.run.duration_s <= 300
    seen: set[str] = set()
    actions: set[str] = set()
    for s in range(1, 6):
        result = run("training_sandbox", s)
        assert sum(e["kind"] == "spawn" for e in result.events) <= 15
        seen |= {e["kind"] for e in result.events}
        actions |= {e["action"] for e in result.events if e["kind"] == "engagement"}
    assert actions == {"warn", "jam", "engage"}
    assert {"approval", "veto", "timeout", "gate", "escalation_step", "trust",
            "assessment", "inject", "autonomy_change"} <= seen
    injected = {inj.kind for inj in sc.injects}
    assert {"spoofing", "ai_degradation", "autonomy_change", "comms_loss", "adversary_step",
            "roe_change"} <= injected
