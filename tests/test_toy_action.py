"""A new action class in one place - its table entry and its effect function, below - runs end
to end: scenario validation, the AI's ladder, the autonomy protocol, the event log, metrics,
the after-action report and the visualiser's render."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hmt_testing import TINY

from hmt_sim import actions
from hmt_sim.actions import ActionClass
from hmt_sim.context import DecisionContext
from hmt_sim.decisions import Decision, engagement_event
from hmt_sim.scenario import load_scenario_text
from hmt_sim.session import Session, simulate


# ---------------------------------------------------------------- the one place: entry + effect
def dazzle(ctx: DecisionContext, d: Decision) -> Any:
    """A laser dazzler blinds the drone's camera: it waits until the drone is in range, takes a
    moment, and defeats it or not (its own random stream, so nothing else shifts)."""
    wait = ctx.effectors.time_to_reach(d.track, d.action)
    if not math.isfinite(wait):
        return "lapsed"
    yield ctx.env.timeout(math.ceil(wait))  # whole seconds: safely inside the range
    eff = ctx.effectors.in_range(d.track, d.action)
    if eff is None or not ctx.world.alive[d.track]:
        return "lapsed"
    engagement_event(ctx, d, eff.id, in_envelope=ctx.in_envelope(d.track))
    yield ctx.env.timeout(eff.time_to_effect_s)
    if not ctx.world.alive[d.track]:
        return "lapsed"
    contact = ctx.contacts[d.track]
    success = bool(ctx.streams.get(f"dazzle/{ctx.stream_key[d.track]}").random()
                   < eff.p_success)
    ctx.log.emit(ctx.now, "effect", d.track, decision=d.id, action=d.action, success=success,
                 civilian_harm=0, target_civilian=not contact.hostile, effector=eff.id,
                 region=ctx.region(d.track),
                 military_advantage=contact.kind.military_advantage if success else 0.0)
    if success:
        ctx.neutralise(d.track)
        return "success"
    return "missed"


DAZZLE = ActionClass(
    "dazzle", rank=50, force=True, lethal=False, escalation_category="non_violent_escalation",
    push="jamming", verb="dazzled", effect=dazzle, ends_on=("success", "lapsed"),
    fits=lambda s: s.time_left_s > 40.0,
)
# ----------------------------------------------------------------------------------------------

SCENARIO = TINY.replace(
    "  effectors: [{id: launcher,",
    "  effectors: [{id: dazzler, action: dazzle, at: {x: 20, y: 20}, range_km: 12,\n"
    "               p_success: 1.0, time_to_effect_s: 2},\n"
    "              {id: launcher,",
) + "autonomy: {levels: {dazzle: 7, engage: 5}}\n"


@pytest.fixture
def registered() -> Iterator[None]:
    actions.register_action(DAZZLE)
    yield
    actions.unregister_action("dazzle")


def test_an_unregistered_action_is_a_located_scenario_error() -> None:
    from hmt_sim.errors import ScenarioError

    with pytest.raises(ScenarioError) as info:
        load_scenario_text(SCENARIO, "toy.yaml")
    text = str(info.value)
    assert "dazzle" in text and "allowed: warn, jam, engage" in text


def test_the_toy_action_runs_end_to_end(registered: None, tmp_path: Path) -> None:
    sc = load_scenario_text(SCENARIO, "toy.yaml")
    result = simulate(sc, seed=1)
    recs = [e for e in result.events if e["kind"] == "recommendation"]
    assert recs[0]["action"] == "dazzle" and recs[0]["protocol"] == "inform_after"
    (eng,) = [e for e in result.events if e["kind"] == "engagement"]
    assert (eng["action"], eng["authorised_by"], eng["loop"], eng["effector"]) == (
        "dazzle", "ai", "on", "dazzler")
    assert any(e["kind"] == "inform" for e in result.events)  # level 7 informs after acting
    m = result.metrics
    assert m["mission"]["threats_neutralised"] == 1 and m["mission"]["leakers"] == 0
    assert m["control"]["uses_of_force"] == 0  # not lethal: not a kinetic use of force
    assert m["escalation"]["score_total"] >= 12  # non-violent escalation in the score

    from hmt_sim.report import build_report
    from hmt_sim.rundir import write_run

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    write_run(result, run_dir)
    html = build_report(run_dir, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "dazzled" in html

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    from visualiser.app import App
    from visualiser.controller import LiveRun
    from visualiser.feed import describe

    assert "DAZZLE" in (describe(eng) or ("", ""))[0]
    session = Session(sc, seed=1, human_seats=["operator"])
    session.advance(200.0)
    app = App(LiveRun(session, None), size=(1280, 800), screenshot_dir=tmp_path, settle_s=0.0,
              error_log=tmp_path / "errors.log")
    try:
        for _ in range(3):
            app.frame(0.05)
        shot = app.screenshot(tmp_path / "toy.png")
    finally:
        app.live.close()
        pygame.quit()
    assert shot.stat().st_size > 10_000
    assert not (tmp_path / "errors.log").exists()  # the frame loop reports errors there
    assert "dazzle" in app.slider_labels  # a level slider for the new class
