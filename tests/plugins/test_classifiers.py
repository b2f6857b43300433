"""Classifier plugins end to end: registered in process, named by a scenario, fed only
observable features from their own random stream; the engine judges them against the truth."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hmt_sim import load_scenario, plugins, simulate
from hmt_sim.errors import HmtError
from hmt_sim.observation import Observation, observe
from hmt_sim.plugins import PluginError
from hmt_sim.scenario import load_scenario_text
from hmt_sim.scenario.schema import ContactKind, Sensing
from tests.golden.golden_logs import stripped_digest
from tests.plugins.scenarios import CUED

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "event_log_sha256.json").read_text())
FEATURES = {"t", "category", "speed_mps", "heading_deg", "aspect_deg", "distance_km", "region",
            "transponder", "emitter"}


class Recording:
    """Calls hostile what shows a military emitter, and keeps every observation it got."""

    def __init__(self, flip: bool = False) -> None:
        self.seen: list[Any] = []
        self.flip = flip

    def classify(self, obs: Any) -> Mapping[str, float]:
        self.seen.append(obs)
        p = 0.9 if obs.emitter != self.flip else 0.1
        return {"hostile": p, "civilian": 1.0 - p}


def _register(name: str, flip: bool = False) -> list[Recording]:
    made: list[Recording] = []

    def factory(setup: plugins.ClassifierSetup) -> Recording:
        made.append(Recording(flip))
        return made[-1]

    plugins.register_classifier(name, factory)
    return made


def _cued(**overrides: Any) -> Any:
    return load_scenario_text(CUED, "cued.yaml", overrides=overrides or None)


def test_a_feature_classifier_never_receives_the_truth() -> None:
    made = _register("emitter_rule")
    simulate(_cued(**{"ai.classifier": "emitter_rule"}), seed=1)
    seen = made[0].seen
    assert len(seen) >= 12  # every contact is judged at least once
    for obs in seen:
        assert type(obs) is Observation
        assert {f.name for f in dataclasses.fields(obs)} == FEATURES
        for secret in ("true_class", "hostile", "kind", "kind_name", "track", "correct"):
            assert not hasattr(obs, secret)
        with pytest.raises((AttributeError, TypeError)):
            obs.true_class = "hostile"  # type: ignore[attr-defined]
    assert {obs.category for obs in seen} == {"small_uas", "light_aircraft"}


def test_the_engine_marks_calls_against_the_truth() -> None:
    """The cues are perfect here: the emitter rule is always right, its inverse always wrong,
    and the engine (not the plugin) logs which."""
    _register("emitter_rule")
    _register("inverse", flip=True)
    right = simulate(_cued(**{"ai.classifier": "emitter_rule"}), seed=1)
    wrong = simulate(_cued(**{"ai.classifier": "inverse"}), seed=1)
    calls = [e for e in right.events if e["kind"] == "classification"]
    assert calls and all(e["correct"] for e in calls)
    assert all(e["confidence"] == 0.9 and e["accuracy"] == 0.9 for e in calls)
    assert right.metrics["ai"]["accuracy"] == 1.0
    assert wrong.metrics["ai"]["accuracy"] == 0.0
    # The accuracy time series: the share of calls so far that were right (0.5 before any).
    first_call = calls[0]["t"]
    samples = [(e["t"], e["ai_accuracy"]) for e in right.events if e["kind"] == "sample"]
    assert {a for t, a in samples if t < first_call} <= {0.5}
    assert {a for t, a in samples if t > first_call} == {1.0}
    truth = {e["track"]: e["true_class"] for e in right.events if e["kind"] == "spawn"}
    assert all((e["label"] == truth[e["track"]]) for e in calls)
    # A perfect AI defends the base and leaves the light aircraft alone.
    assert right.metrics["mission"]["leakers"] == 0
    assert right.metrics["harm"]["civilian_casualties"] == 0


def test_choosing_a_classifier_shifts_no_other_random_draw() -> None:
    """Readings come from the new sense/ streams only: the world (spawns, routes, detections)
    is the same under any classifier, so runs stay paired."""
    _register("emitter_rule")
    base = simulate(_cued(), seed=3).events
    plug = simulate(_cued(**{"ai.classifier": "emitter_rule"}), seed=3).events

    def world(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # seq counts every event, so it differs; what happened, where and when does not
        return [{k: v for k, v in e.items() if k != "seq"} for e in events
                if e["kind"] in ("spawn", "detection")]

    assert world(base) == world(plug)


def test_same_seed_same_log_with_a_feature_classifier() -> None:
    class Noisy:
        """Uses the noisy features, so any change in the readings shows up in the log."""

        def classify(self, obs: Observation) -> Mapping[str, float]:
            p = 1.0 / (1.0 + np.exp((obs.aspect_deg - 30.0) / 10.0))
            return {"hostile": float(p), "civilian": float(1.0 - p)}

    plugins.register_classifier("noisy", lambda setup: Noisy())
    sc = _cued(**{"ai.classifier": "noisy"})
    first, second = simulate(sc, seed=5).events, simulate(sc, seed=5).events
    assert first == second
    assert first != simulate(sc, seed=6).events


def test_the_default_plugins_reproduce_the_pinned_logs() -> None:
    """Naming the built-in AI and operator model explicitly is the same run as before plugins."""
    sc = load_scenario("airbase_swarm", overrides={"ai.classifier": "parametric",
                                                   "operators.policy": "model"})
    assert stripped_digest(simulate(sc, seed=1).events) == GOLDEN["airbase_swarm/1"]


@pytest.mark.parametrize(("answer", "message"), [
    ({"hostile": float("nan")}, "finite number"),
    ({"hostile": -0.1, "civilian": 1.1}, "finite number"),
    ({"enemy": 1.0}, "unknown class 'enemy'"),
    ({"hostile": 0.0, "civilian": 0.0}, "every class probability 0"),
    ([0.5, 0.5], "must return class probabilities"),
])
def test_a_bad_answer_is_a_plugin_error(answer: Any, message: str) -> None:
    class Bad:
        def classify(self, obs: Observation) -> Any:
            return answer

    plugins.register_classifier("bad", lambda setup: Bad())
    with pytest.raises(PluginError, match=message) as info:
        simulate(_cued(**{"ai.classifier": "bad"}), seed=1)
    assert "'bad'" in str(info.value)


def test_a_crash_inside_a_classifier_names_it() -> None:
    class Crashes:
        def classify(self, obs: Observation) -> Mapping[str, float]:
            raise KeyError("weights")

    plugins.register_classifier("crashes", lambda setup: Crashes())
    with pytest.raises(HmtError, match=r"classifier 'crashes' failed: KeyError") as info:
        simulate(_cued(**{"ai.classifier": "crashes"}), seed=1)
    causes, exc = [], info.value.__cause__
    while exc is not None:  # SimPy may re-raise the error once more on its way out
        causes.append(exc)
        exc = exc.__cause__
    assert any(isinstance(c, KeyError) for c in causes)


def test_an_error_rate_model_gets_the_truth_through_a_case() -> None:
    """A user error-rate model: always right, sure to 0.7, via the documented Case channel."""
    cases: list[plugins.Case] = []

    class Oracle:
        models_error_rates = True

        def judge(self, case: plugins.Case, condition: Any) -> plugins.Judgement:
            cases.append(case)
            return plugins.Judgement(case.true_class, 0.7, False, 1.0)

    plugins.register_classifier("oracle", lambda setup: Oracle())
    run = simulate(_cued(**{"ai.classifier": "oracle"}), seed=1)
    assert run.metrics["ai"]["accuracy"] == 1.0
    assert {c.true_class for c in cases} == {"hostile", "civilian"}
    assert all(0.0 <= c.u < 1.0 for c in cases)


# ---------------------------------------------------------------- the sensor model alone

DRONE = ContactKind(true_class="hostile", category="small_uas", speed_mps=50.0, emitter=1.0)


def _read(sensing: Sensing, seed: int = 0, **kw: Any) -> Observation:
    args: dict[str, Any] = {"pos": np.array([30.0, 20.0]), "dest": np.array([20.0, 20.0]),
                            "speed_kmps": 0.05, "asset": np.array([20.0, 20.0]),
                            "region": "city", "t": 12.0}
    args.update(kw)
    return observe(DRONE, sensing=sensing, rng=np.random.default_rng(seed), **args)


def test_without_noise_a_reading_is_the_truth_of_the_motion() -> None:
    obs = _read(Sensing(speed_sigma=0.0, heading_sigma_deg=0.0))
    assert obs.speed_mps == pytest.approx(50.0)
    assert obs.heading_deg == pytest.approx(270.0)  # flying west
    assert obs.aspect_deg == pytest.approx(0.0)  # straight at the asset
    assert obs.distance_km == pytest.approx(10.0)
    assert (obs.region, obs.t, obs.category, obs.emitter, obs.transponder) == (
        "city", 12.0, "small_uas", True, False)
    away = _read(Sensing(speed_sigma=0.0, heading_sigma_deg=0.0), dest=np.array([40.0, 20.0]))
    assert away.aspect_deg == pytest.approx(180.0)


def test_noise_has_the_configured_spread_and_drift_widens_it() -> None:
    sensing = Sensing(speed_sigma=0.1, heading_sigma_deg=10.0)
    speeds = np.array([_read(sensing, seed=s).speed_mps for s in range(400)])
    headings = np.array([_read(sensing, seed=s).heading_deg for s in range(400)])
    assert speeds.std() / 50.0 == pytest.approx(0.1, rel=0.15)
    assert headings.std() == pytest.approx(10.0, rel=0.15)
    drifted = np.array([_read(sensing, seed=s, shift=1.0).speed_mps for s in range(400)])
    assert drifted.std() / 50.0 == pytest.approx(0.2, rel=0.15)


def test_spoofing_makes_the_cues_read_at_random() -> None:
    sensing = Sensing()
    cues = [_read(sensing, seed=s, spoofed=True) for s in range(400)]
    assert 0.4 < np.mean([o.emitter for o in cues]) < 0.6
    assert 0.4 < np.mean([o.transponder for o in cues]) < 0.6


@pytest.mark.parametrize("judgement", [
    plugins.Judgement("enemy", 0.7, False, 1.0),
    plugins.Judgement("hostile", 1.5, False, 1.0),
    plugins.Judgement("hostile", float("nan"), False, 1.0),
])
def test_a_bad_judgement_is_a_plugin_error(judgement: plugins.Judgement) -> None:
    class Broken:
        models_error_rates = True

        def judge(self, case: plugins.Case, condition: Any) -> plugins.Judgement:
            return judgement

    plugins.register_classifier("broken", lambda setup: Broken())
    with pytest.raises(PluginError, match="classifier 'broken' judged"):
        simulate(_cued(**{"ai.classifier": "broken"}), seed=1)
