"""``hmt-sim calibrate`` and ``--operators`` (issue 11 item 7).

The round trip: scripted people with known parameters answer every card of live sessions
through the ``Session`` API, each answer from the engine's own ``ModelOperator.review`` given
the card and the truth; the session files are real; the fit must recover the parameters
within its 95 % intervals and within a stated tolerance.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import hmt_sim.plugins  # noqa: F401  (first: importing hmt_sim.judgement alone is a cycle)
from hmt_sim import actions, sessionfile
from hmt_sim.autonomy import spec
from hmt_sim.calibrate import Calibration, calibrate, document, operator_overrides, write
from hmt_sim.calibrate.fit import bootstrap_intervals
from hmt_sim.calibrate.likelihood import Arrays, p_call_hostile
from hmt_sim.calibrate.profile import profile_intervals
from hmt_sim.cli import main
from hmt_sim.errors import InputError, ScenarioError
from hmt_sim.judgement import deliberate
from hmt_sim.plugins.review import Card, ModelOperator, PolicySetup, ReviewTruth
from hmt_sim.scenario import load_scenario
from hmt_sim.scenario.schema import Scenario
from hmt_sim.session import Session

TRUE = {"review_time.median_s": 6.0, "review_time.sigma": 0.4, "verification.b0": -2.0,
        "judgement.sensitivity": 1.6}
# How close the estimates must be (about two standard errors at ~450 reviews).
TOLERANCE = {"review_time.median_s": ("relative", 0.10), "review_time.sigma": ("relative", 0.15),
             "verification.b0": ("absolute", 0.4), "judgement.sensitivity": ("relative", 0.2)}
# Approval cards (level 5) and the person's own call on every track (level 3), two scenarios
# with many cards for one seat.
SESSIONS = [("deception_drift", 5, seed) for seed in (1, 2, 3, 4)] + \
    [("urban_nomination", 3, seed) for seed in (1, 2, 3, 4)]
POLL_S = 0.25  # how often the scripted person looks at the screen for a new card


# ------------------------------------------------------------------ scripted people
def person_spec(scenario: Scenario, values: dict[str, float]) -> Any:
    """The scenario's operator section with the person's four parameters."""
    ops = scenario.operators
    return ops.model_copy(update={
        "review_time": ops.review_time.model_copy(update={
            "median_s": values["review_time.median_s"], "sigma": values["review_time.sigma"]}),
        "verification": ops.verification.model_copy(update={"b0": values["verification.b0"]}),
        "judgement": ops.judgement.model_copy(update={
            "sensitivity": values["judgement.sensitivity"]}),
    })


def record_session(scenario: Scenario, seed: int, path: Path, person: Any) -> int:
    """Play a run with a scripted person in seat 0, written to a session file as it goes:
    the person waits the review's duration, inspects first when the model verified, then
    decides. Returns the number of cards answered."""
    session = Session(scenario, seed=seed, human_seats=["operator"])
    model = session.model
    operator = ModelOperator(PolicySetup(0, person, "bayesian"))
    rng = np.random.default_rng([seed, 11])
    at_start: dict[tuple[int, int], dict[str, Any]] = {}

    def on_event(ev: dict[str, Any]) -> None:
        # The seat's state the moment a review starts, as the engine's model operator sees it.
        if ev["kind"] == "review_started" and ev["operator"] == 0:
            op = model.crew[0]
            at_start[(ev["decision"], 0)] = {**ev, "compliance": op.compliance,
                                             "reliance": op.reliance,
                                             "doubt_p": model.authority.roe.doubt_p}

    model.log.subscribe(on_event)
    plans: dict[tuple[int, int, float], tuple[float, str, bool]] = {}
    answered = 0
    with sessionfile.open(path, scenario, seed, ["operator"]) as writer:
        while not session.finished:
            cards = {(c["decision"], c["operator"]): c for c in session.pending_decisions()}
            for (decision, seat), card in cards.items():
                started = at_start[(decision, seat)]
                key = (decision, seat, started["t"])
                if key not in plans:
                    plans[key] = plan(operator, scenario, model, card, started, rng)
            due = [(when, key) for key, (when, _c, _v) in plans.items() if key[:2] in cards]
            session.run_to(min([session.now + POLL_S, *(when for when, _k in due)]))
            still = {(c["decision"], c["operator"]) for c in session.pending_decisions()}
            for when, key in due:
                if when <= session.now + 1e-9 and key[:2] in still:
                    _when, choice, verified = plans.pop(key)
                    if verified:
                        session.inspect(key[0], key[1])
                        writer.append(session.inputs[-1])
                    writer.append(session.decide(key[0], choice, key[1]))
                    answered += 1
        writer.clock(session.now)
    return answered


def plan(operator: ModelOperator, scenario: Scenario, model: Any, card: dict[str, Any],
         started: dict[str, Any], rng: np.random.Generator) -> tuple[float, str, bool]:
    """When the person answers this card, what, and whether they inspect first."""
    level, label, track = card["level"], card["label"], card["track"]
    hostile = bool(model.contacts[track].hostile)
    shown = Card(
        action=card["action"], lethal=actions.get(card["action"]).lethal, label=label,
        confidence=card["confidence"],
        explanation_quality=scenario.ai.explanation_quality if spec(level).shows_advice
        else 0.0, level=level,
        time_available_s=max(0.0, started["deadline_s"] - started["t"]),
        workload=started["workload"],
        trust=started["compliance"] if label == "hostile" else started["reliance"],
        veto=started["purpose"] == "veto", doubt_p=started["doubt_p"],
        screening=started["purpose"] == "screening",
    )
    truth = ReviewTruth(
        ai_wrong=actions.is_force(card["action"]) and not hostile,
        draws=(float(rng.random()), float(rng.standard_normal()), float(rng.random())),
        noticing=model.authority.noticing(level), track_hostile=hostile,
        d_prime=model.decisions.d_prime(track), spoofed=model.decisions.spoofed(track),
        diffusion=rng,
    )
    out = operator.review(shown, truth)
    return started["t"] + out.duration_s, "approve" if out.approve else "reject", out.verified


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Eight real session files answered by people with the TRUE parameters."""
    folder = tmp_path_factory.mktemp("rooms")
    paths = []
    for scenario_id, level, seed in SESSIONS:
        sc = load_scenario(scenario_id, overrides={"operators.count": 1,
                                                   "autonomy.level": level})
        path = folder / f"{scenario_id}_{level}_{seed}.jsonl"
        assert record_session(sc, seed, path, person_spec(sc, TRUE)) > 30
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def fitted(recorded: list[Path]) -> Calibration:
    return calibrate(recorded)


# ------------------------------------------------------------------ the round trip
@pytest.mark.slow
def test_the_fit_recovers_the_people_within_its_intervals(fitted: Calibration) -> None:
    assert len(fitted.reviews) > 350
    for name, true in TRUE.items():
        e = fitted.estimate(name)
        assert e.low <= true <= e.high, f"{name}: {true} outside [{e.low:.3g}, {e.high:.3g}]"
        kind, tol = TOLERANCE[name]
        error = abs(e.value - true) / (abs(true) if kind == "relative" else 1.0)
        assert error <= tol, f"{name}: estimate {e.value:.4g}, true {true} ({kind} {tol})"
        assert e.low < e.value < e.high


@pytest.mark.slow
def test_the_file_is_an_operators_block_with_its_fit(fitted: Calibration, tmp_path: Path
                                                     ) -> None:
    out = tmp_path / "operator.yaml"
    write(fitted, out)
    doc = yaml.safe_load(out.read_text())
    assert set(doc) == {"operators", "fit"}
    ops = doc["operators"]
    assert ops["review_time"]["median_s"] == pytest.approx(
        fitted.estimate("review_time.median_s").value, rel=1e-3)
    assert set(ops) == {"review_time", "verification", "judgement"}
    fit = doc["fit"]
    assert fit["reviews"] == len(fitted.reviews)
    assert [s["seed"] for s in fit["sessions"]] == [seed for _s, _l, seed in SESSIONS]
    assert fit["log_likelihood"]["total"] == pytest.approx(fitted.log_likelihood, abs=1e-3)
    assert set(fit["parameters"]) == set(TRUE)
    assert fit["held_fixed"]["verification.b_trust"] == 3.0
    assert fit["intervals"]["resamples"] == 200
    # The people were not the scenario's operators: the file says what they were.
    sc = load_scenario("overload", overrides=operator_overrides(out))
    assert sc.operators.verification.b0 == ops["verification"]["b0"]
    assert sc.operators.judgement.sensitivity == ops["judgement"]["sensitivity"]


@pytest.mark.slow
def test_profile_likelihood_intervals_hold_the_truth_too(fitted: Calibration) -> None:
    bounds = profile_intervals(Arrays.of(fitted.reviews), fitted.parts, 0.95)
    for name, true in TRUE.items():
        low, high = bounds[name]
        e = fitted.estimate(name)
        assert low < e.value < high and low <= true <= high, name
        assert 0.5 < (high - low) / (e.high - e.low) < 2.0, name  # like the bootstrap's


@pytest.mark.slow
def test_the_bootstrap_is_seeded(fitted: Calibration) -> None:
    a = Arrays.of(fitted.reviews)
    first = bootstrap_intervals(a, 30, seed=5)
    assert bootstrap_intervals(a, 30, seed=5) == first
    assert bootstrap_intervals(a, 30, seed=6) != first


# ------------------------------------------------------------------ the command line
@pytest.mark.slow
def test_cli_writes_a_file_that_run_and_sweep_accept(recorded: list[Path], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    out = tmp_path / "operator.yaml"
    torn = tmp_path / "torn.jsonl"  # the program stopped while writing the last line
    torn.write_bytes(recorded[2].read_bytes() + b'{"t": 1199.5, "type": "dec')
    files = [str(p) for p in recorded[:2]] + [str(torn)]
    assert main(["calibrate", *files, "-o", str(out), "--bootstrap", "50"]) == 0
    printed = capsys.readouterr()
    assert "review_time.median_s" in printed.out
    assert f"{torn}:" in printed.err and "warning: the last line is incomplete" in printed.err
    again = tmp_path / "again.yaml"
    assert main(["calibrate", *files, "-o", str(again), "--bootstrap", "50"]) == 0
    assert again.read_bytes() == out.read_bytes()  # same sessions, same file
    values = yaml.safe_load(out.read_text())["operators"]
    run_dir = tmp_path / "run"
    assert main(["run", "overload", "--operators", str(out), "--set", "run.duration_s=60",
                 "--out", str(run_dir), "--json"]) == 0
    run = json.loads((run_dir / "run.json").read_text())
    assert run["overrides"]["operators.review_time.median_s"] == \
        values["review_time"]["median_s"]
    assert run["overrides"]["run.duration_s"] == 60
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text("scenario: overload\nset: {run.duration_s: 30}\nfactors:\n"
                         "  autonomy.level: [5]\nseeds: [1]\n")
    sweep_dir = tmp_path / "sweep"
    assert main(["sweep", str(spec_file), "--operators", str(out), "--out", str(sweep_dir),
                 "--workers", "1", "-q"]) == 0
    manifest = json.loads((sweep_dir / "_manifest.json").read_text())
    assert manifest["arguments"]["set"]["operators.verification.b0"] == \
        values["verification"]["b0"]


def test_too_few_reviews_are_refused_with_how_many_are_needed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sc = load_scenario("overload", overrides={"operators.count": 1, "autonomy.level": 5,
                                              "run.duration_s": 120})
    path = tmp_path / "short.jsonl"
    record_session(sc, 1, path, person_spec(sc, TRUE))
    with pytest.raises(InputError, match=r"at least 30 reviews answered by a person"):
        calibrate([path])
    assert main(["calibrate", str(path), "-o", str(tmp_path / "x.yaml")]) == 2
    err = capsys.readouterr().err
    assert "at least 30" in err and "Traceback" not in err
    assert not (tmp_path / "x.yaml").exists()
    assert main(["calibrate", str(path), "-o", str(tmp_path / "x.yaml"),
                 "--bootstrap", "3"]) == 2
    assert "--bootstrap" in capsys.readouterr().err
    nobody = tmp_path / "nobody.jsonl"  # a session with no person in a seat
    with sessionfile.open(nobody, sc, 1, []) as writer:
        writer.clock(60.0)
    with pytest.raises(InputError, match=r"hold 0 \(0 inspected, 0 not\) \(no session had a "
                       r"person in a seat"):
        calibrate([nobody])
    assert main(["calibrate", str(path), "-o", str(tmp_path / "x.yaml"),
                 "--intervals", "jackknife"]) == 2
    assert "--intervals: 'jackknife' is not one of bootstrap, profile" in \
        capsys.readouterr().err


def test_a_damaged_session_file_is_a_located_error(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    sc = load_scenario("overload", overrides={"operators.count": 1, "run.duration_s": 120})
    path = tmp_path / "s.jsonl"
    record_session(sc, 1, path, person_spec(sc, TRUE))
    lines = path.read_text().splitlines()
    lines.insert(2, '{"t": 1.0, "type": "decide", "decision": "x", "choice": "approve"}')
    path.write_text("\n".join(lines) + "\n")
    assert main(["calibrate", str(path), "-o", str(tmp_path / "x.yaml")]) == 2
    assert f"{path}:3: error: decision" in capsys.readouterr().err
    assert main(["calibrate", str(tmp_path / "none.jsonl"), "-o", str(tmp_path / "x.yaml")]) \
        == 2
    assert "no such session file" in capsys.readouterr().err


# ------------------------------------------------------------------ --operators files
def test_operators_block_is_deep_merged_and_set_wins(tmp_path: Path) -> None:
    f = tmp_path / "ops.yaml"
    f.write_text("operators:\n  review_time:\n    median_s: 3.5\n  judgement:\n"
                 "    sensitivity: 2.0\nfit:\n  anything: [ignored]\n")
    overrides = operator_overrides(f)
    assert overrides == {"operators.review_time.median_s": 3.5,
                         "operators.judgement.sensitivity": 2.0}
    base = load_scenario("overload", overrides={"operators.review_time.sigma": 0.9})
    sc = load_scenario("overload", overrides={"operators.review_time.sigma": 0.9, **overrides,
                                              "operators.judgement.sensitivity": 1.2})
    assert sc.operators.review_time.median_s == 3.5
    assert sc.operators.review_time.sigma == 0.9  # the scenario's value stays
    assert sc.operators.judgement.sensitivity == 1.2  # --set comes after the file
    assert sc.operators.judgement.look_s == base.operators.judgement.look_s


@pytest.mark.parametrize(("text", "where"), [
    ("operators:\n  review_time:\n    median_s: -1\n", ":3:15: error: operators.review_time"
                                                     ".median_s"),
    ("operators:\n  verification:\n    b_zero: 1\n", ":3:5: error: operators.verification"
                                                   ".b_zero"),
    ("operator:\n  count: 1\n", ":1:1: error: operator: unknown key 'operator'; did you "
                                "mean 'operators'?"),
    ("fit: {}\n", ":1:1: error: no operators: block"),
    ("- 1\n", ":1:1: error: an operators file is a mapping"),
])
def test_operators_file_errors_are_located_in_it(tmp_path: Path, text: str, where: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "ops.yaml"
    f.write_text(text)
    with pytest.raises(ScenarioError) as info:
        operator_overrides(f)
    assert f"{f}{where}" in str(info.value)
    assert main(["run", "overload", "--operators", str(f)]) == 2
    assert f"{f}{where}" in capsys.readouterr().err
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text("scenario: overload\nfactors:\n  autonomy.level: [5]\nseeds: [1]\n")
    assert main(["sweep", str(spec_file), "--operators", str(f), "--out",
                 str(tmp_path / "sweep")]) == 2
    assert f"{f}{where}" in capsys.readouterr().err
    assert not (tmp_path / "sweep").exists()


# ------------------------------------------------------------------ the likelihood
@pytest.mark.parametrize(("d", "start", "hostile"), [
    (1.0, -1.0, True), (1.5, 0.8, False), (2.4, 0.0, True), (2.4, 0.8, False),
])
def test_closed_form_call_matches_the_engines_diffusion(d: float, start: float,
                                                        hostile: bool) -> None:
    """The call probability the fit uses against the engine's own stepped diffusion."""
    look, step, n = 4.0, 0.1, 3000
    b = 3.0 * d / math.sqrt(look)
    rng = np.random.default_rng(3)
    hits = sum(deliberate(rng, hostile=hostile, d_prime=d, look_s=look, start=start,
                          bound_b=b, max_s=600.0, dt=step).hostile for _ in range(n))
    p = float(p_call_hostile(1.0, np.array([start]), np.array([b]),
                             np.array([d * math.sqrt(step / look)]),
                             np.array([hostile]))[0])
    se = math.sqrt(p * (1 - p) / n)
    assert abs(hits / n - p) < 3.5 * se + 1e-3


@pytest.mark.slow
def test_document_has_no_time_stamp(fitted: Calibration) -> None:
    """Nothing in the file depends on when it was written."""
    assert document(fitted) == document(fitted)
    assert "created" not in json.dumps(document(fitted))
