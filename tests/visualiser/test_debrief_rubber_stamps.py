"""The live panel and the debrief count the same rubber stamps as the metric, also when the
facilitator changes the rules of engagement mid-game (the minimum review before force)."""

from __future__ import annotations

import re

from visualiser.screens import debrief_lines


def test_panel_and_debrief_follow_a_live_roe_change(make_app):
    app = make_app(scenario="overload", seats=(), seed=2, record=False)
    live = app.live
    live.step(200.0)
    live.inject("roe_change", changes={"min_review_s": 30}, label="longer reviews")
    while not live.session.finished:
        live.step(100.0)
    events = live.session.events
    action = {e["decision"]: e["action"] for e in events if e["kind"] == "recommendation"}
    approvals = sum(1 for e in events if e["kind"] == "approval"
                    and action[e["decision"]] in ("engage", "jam"))
    metrics = live.live_metrics(force=True)
    expected = round(metrics["control"]["rubber_stamp_rate"] * approvals)
    start_rule = sum(1 for e in events if e["kind"] == "approval"
                     and action[e["decision"]] in ("engage", "jam")
                     and (not e["verified"] or e["review_s"] < 10.0))
    assert expected > start_rule  # the change matters in this run
    app.frame(0.0)  # draw the panel once, which computes its counts
    assert app.panels._counts(live)["rubber_stamps"] == expected
    lines = [text for text, _tone in debrief_lines(live)]
    head = lines.index(next(t for t in lines if t.startswith("Overrides and rubber stamps")))
    end = lines.index("", head)
    shown = 0
    for text in lines[head + 1:end]:
        many = re.search(r"RUBBER STAMP x(\d+)", text)
        shown += int(many.group(1)) if many else text.count("RUBBER STAMP")
    assert shown == expected
