"""The panel agrees with the log at every frame: each number it draws is the metric recomputed
from the events logged so far (no cache that lags the log), and out-of-loop force never exceeds
the uses of force it is part of."""

from __future__ import annotations

from hmt_sim.actions import is_lethal
from hmt_sim.autonomy import human_could_stop
from hmt_sim.metrics import compute_metrics
from visualiser.debrief import fmt
from visualiser.panels import panel_counts


def test_panel_numbers_follow_the_log_frame_by_frame(make_app):
    # engage at level 8: autonomous force nobody can stop, beside reviewed jamming
    app = make_app("overload", seats=(), record=False, seed=3,
                   overrides={"autonomy.levels.engage": 8})
    live = app.live
    live.paused = False
    live.set_speed(30)
    seen_force = 0
    frames = 0
    last_events: list = [None]
    m: dict = {}
    counts: dict = {}
    while live.session.now < 420.0:
        live.stop_at = 420.0
        app.frame(0.05)  # one frame: a slice of simulation, then the panel is drawn
        frames += 1
        events = list(live.session.events)
        if len(events) != len(last_events):  # the log grew: recompute from scratch
            m, counts = compute_metrics(events), panel_counts(events)
        last_events = events
        shown = app.panels.shown
        assert shown["uses_of_force"] == fmt(m["control"]["uses_of_force"]), frames
        assert shown["neutralised"] == fmt(m["mission"]["threats_neutralised"]), frames
        assert shown["leakers"] == fmt(m["mission"]["leakers"]), frames
        assert shown["casualties"] == fmt(m["harm"]["civilian_casualties"]), frames
        assert shown["wrongful"] == fmt(m["harm"]["wrongful_engagements"]), frames
        assert shown["meaningful"] == fmt(m["control"]["meaningful_review_rate"]), frames
        assert shown["authorised"] == fmt(m["control"]["human_authorisation_rate"]), frames
        assert shown["site_damage"] == fmt(m["harm"]["objects_damaged"]), frames
        assert shown["defence_rate"] == fmt(m["mission"]["defence_rate"]), frames
        assert shown["overrides"] == str(counts["overrides"]), frames
        assert shown["rubber_stamps"] == str(counts["rubber_stamps"]), frames
        out = sum(1 for e in events if e["kind"] == "engagement" and is_lethal(e["action"])
                  and not human_could_stop(e))
        assert shown["out_of_loop"] == str(out), frames
        assert out <= m["control"]["uses_of_force"]
        seen_force = max(seen_force, m["control"]["uses_of_force"])
        assert frames < 5000
    assert live.session.now >= 420.0 - 1e-9
    shown = app.panels.shown
    assert seen_force >= 3 and int(shown["out_of_loop"]) >= 1  # the run used force
    assert int(shown["overrides"]) >= 1 and int(shown["rubber_stamps"]) >= 1
    assert frames > 40  # many frames, each compared
