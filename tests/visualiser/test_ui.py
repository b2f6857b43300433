"""Drive the real window with synthetic mouse and keyboard events; assert on the session's
recorded inputs, the events they caused, and the session file."""

from __future__ import annotations

import pygame
from ui_driver import click, key, until_card

from hmt_sim import sessionfile


def _file_inputs(app):
    return sessionfile.read(app.live.writer.path).inputs


def test_approve_button_records_a_person_approval(make_app):
    app = make_app()
    card = until_card(app)
    assert app.buttons["approve"].visible
    click(app, app.buttons["approve"].rect.center)
    s = app.live.session
    assert s.inputs[-1] == {"t": s.inputs[-1]["t"], "type": "decide",
                            "decision": card["decision"], "choice": "approve",
                            "operator": card["operator"]}
    assert not app.live.my_pending() or app.live.my_pending()[0]["decision"] != card["decision"]
    app.live.step(0.5)  # the answer takes effect when time moves
    approvals = [e for e in s.events if e["kind"] == "approval"
                 and e["decision"] == card["decision"]]
    assert len(approvals) == 1 and approvals[0]["by"] == "person"
    assert _file_inputs(app) == s.inputs  # written at once, not at exit


def test_reject_key_and_inspect_key(make_app):
    app = make_app()
    card = until_card(app)
    key(app, pygame.K_i)
    s = app.live.session
    assert s.inputs[-1]["type"] == "inspect" and s.inputs[-1]["decision"] == card["decision"]
    assert app.overlay is not None and app.overlay.name == "inspect"  # what the operator learns
    key(app, pygame.K_r)
    assert s.inputs[-1]["choice"] == "reject"
    app.live.step(0.5)
    # the verification is logged when the card closes, with the time the person really spent
    assert any(e["kind"] == "verification" and e.get("by") == "person"
               and e["decision"] == card["decision"] for e in s.events)
    vetoes = [e for e in s.events if e["kind"] == "veto" and e["decision"] == card["decision"]]
    assert len(vetoes) == 1 and vetoes[0]["by"] == "person"
    assert not any(e["kind"] == "engagement" and e["decision"] == card["decision"]
                   for e in s.events)
    assert [i["type"] for i in _file_inputs(app)] == ["inspect", "decide"]


def test_unanswered_card_times_out_visibly(make_app):
    app = make_app(overrides={"autonomy.levels.engage": 6, "autonomy.levels.jam": 6})
    card = until_card(app)
    assert card["protocol"] == "veto"
    s = app.live.session
    app.live.step(app.live.time_left(card) + 2.0)
    app.frame(0.0)
    timeouts = [e for e in s.events if e["kind"] == "timeout" and e["decision"] == card["decision"]]
    assert timeouts and timeouts[0]["outcome"] == "executed"
    assert any("no veto" in a for a in app.live.active_alerts())
    assert any("no veto" in line.text for line in app.live.feed)


def test_autonomy_slider_changes_level_mid_run(make_app):
    app = make_app()
    app.live.step(30.0)
    slider = app.sliders["engage"]
    before = app.live.session.model.levels["engage"]
    click(app, slider.right_button.rect.center, frames=3)
    s = app.live.session
    assert s.model.levels["engage"] == before + 1
    assert s.inputs[-1]["type"] == "set_levels"
    assert s.inputs[-1]["levels"] == {"engage": before + 1}
    change = [e for e in s.events if e["kind"] == "autonomy_change"][-1]
    assert change["reason"] == "facilitator" and change["levels"]["engage"] == before + 1
    click(app, app.sliders["reliability"].left_button.rect.center, frames=3)
    assert s.inputs[-1]["type"] == "set_reliability"
    assert abs(s.model.ai.reliability - 0.85) < 1e-9
    assert [i["type"] for i in _file_inputs(app)] == ["set_levels", "set_reliability"]


def test_inject_buttons_fire(make_app):
    app = make_app()
    app.live.step(10.0)
    button = next(b for b, (kind, _) in app.inject_buttons.items() if kind == "comms_loss")
    click(app, button.rect.center)
    s = app.live.session
    assert s.inputs[-1]["type"] == "inject" and s.inputs[-1]["inject"]["kind"] == "comms_loss"
    assert [e for e in s.events if e["kind"] == "inject"][-1]["inject"] == "comms_loss"
    assert s.snapshot()["comms_up"] is False
    scripted = next(b for b, (kind, _) in app.inject_buttons.items() if kind == "spoofing")
    click(app, scripted.rect.center)
    assert s.inputs[-1]["inject"]["kind"] == "spoofing"


def test_pause_play_and_step(make_app):
    app = make_app()
    live = app.live
    assert live.paused
    t0 = live.session.now
    app.frame(0.5)
    assert live.session.now == t0  # paused: no time passes
    click(app, app.buttons["play"].rect.center)
    assert not live.paused
    app.frame(0.5)
    assert live.session.now > t0
    key(app, pygame.K_SPACE)
    assert live.paused
    t1 = live.session.now
    click(app, app.buttons["step"].rect.center)
    assert abs(live.session.now - (t1 + live.session.scenario.run.tick_s)) < 1e-6
    key(app, pygame.K_RIGHTBRACKET)
    assert live.speed == 2
    key(app, pygame.K_b)
    assert live.session.inputs[-1]["type"] == "bookmark"


def test_views_overlays_screenshot_resize(make_app, tmp_path):
    app = make_app()
    app.live.step(200.0)
    key(app, pygame.K_t)
    assert app.live.truth
    for k, name in ((pygame.K_d, "debrief"), (pygame.K_g, "briefing"), (pygame.K_h, "help")):
        key(app, k)
        assert app.overlay is not None and app.overlay.name == name
        key(app, pygame.K_ESCAPE)
        assert app.overlay is None
    contact = next(c for c in app.live.snapshot["contacts"] if c["detected"])
    pos = app.map.proj.to_screen(contact["x"], contact["y"])
    click(app, pos)
    assert app.map.selected is not None
    key(app, pygame.K_e)
    assert app.overlay.name == "explain"
    assert any("track" in text for text, _ in app.overlay.lines)
    key(app, pygame.K_ESCAPE)
    key(app, pygame.K_F12)
    assert list(tmp_path.glob("hmt-sim-airbase_swarm-*.png"))
    zoom = app.map.proj.zoom
    key(app, pygame.K_EQUALS)
    assert app.map.proj.zoom > zoom
    pygame.event.post(pygame.event.Event(pygame.VIDEORESIZE, w=1100, h=700, size=(1100, 700)))
    app.frame(0.0)
    assert app.screen.get_size() == (1100, 700)
    assert app.buttons["play"].rect.bottom <= 700
    key(app, pygame.K_l)
    assert app.scale > 1
    assert app.live.errors == 0


def test_frame_errors_are_caught_and_session_file_survives(make_app, monkeypatch):
    app = make_app()
    card = until_card(app)
    key(app, pygame.K_a)

    def boom(_dt):
        raise RuntimeError("simulated fault")

    monkeypatch.setattr(app.live, "tick", boom)
    assert app.frame(0.1) is True  # still running
    assert "simulated fault" in app.live.status_text()
    assert app.frame(0.1) is True  # the same fault again is shown, not logged twice
    log = app.error_log.read_text()
    assert log.count("--- t=") == 1 and "RuntimeError: simulated fault" in log
    assert sessionfile.read(app.live.writer.path).inputs[-1]["decision"] == card["decision"]


def test_debrief_opens_at_the_end_with_who_decided(make_app):
    app = make_app("training_sandbox", seats=())
    live = app.live
    live.step(live.session.duration)
    app.frame(0.0)
    assert live.session.finished
    assert app.overlay is not None and app.overlay.name == "debrief"
    text = "\n".join(t for t, _ in app.overlay.lines)
    assert "Decision timeline" in text and "Key results" in text
    assert "by model operator" in text or "by AI" in text
