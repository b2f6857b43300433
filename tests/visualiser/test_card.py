"""The operator card says whose proposal it is and why its level differs from the one set."""

from __future__ import annotations


def _texts(app):
    return [box.text for box in app.text.boxes]


def test_own_flag_is_not_headlined_as_ai_advice_and_the_level_reason_shows(make_app):
    app = make_app("training_sandbox", seed=3, record=False)
    live = app.live
    card = None
    while card is None:
        assert live.session.now < 400, "no operator's own flag reached the seat"
        for c in live.my_pending():
            if c.get("human_initiated"):
                card = c
                break
            live.decide(c["decision"], "reject", c["operator"])
        else:
            live.step(1.0)
    app.frame(0.0)
    texts = _texts(app)
    assert card["level_reason"] and card["level"] == 4
    assert not any(t.startswith("AI recommends") for t in texts)
    assert any(t.startswith("OPERATOR'S FLAG: ENGAGE") for t in texts)
    assert any(t.startswith(f"Why level {card['level']}:") for t in texts)


def test_level_changed_after_the_recommendation_is_explained(make_app):
    app = make_app(record=False)
    live = app.live
    while not live.my_pending():
        live.step(1.0)
    card = live.my_pending()[0]
    assert card["level_reason"] is None  # level in force = level set: nothing to explain
    app.frame(0.0)
    assert any(t.startswith("AI recommends") for t in _texts(app))
    assert not any(t.startswith("Why level") for t in _texts(app))
    live.set_level(card["action"], card["level"] + 3)
    app.frame(0.0)
    assert live.my_pending()[0]["level_reason"]
    assert any(t.startswith(f"Why level {card['level']}:") for t in _texts(app))
    assert any(f"(set: {card['level'] + 3})" in t for t in _texts(app))


def test_a_dutch_card_explains_in_dutch(make_app):
    from hmt_sim.i18n import use_language

    app = make_app("training_sandbox", seed=3, record=False)
    live = app.live
    while not live.my_pending():
        live.step(1.0)
    logged = next(e["explanation"] for e in live.session.events
                  if e["kind"] == "recommendation")
    with use_language("nl"):
        app.frame(0.0)
        texts = _texts(app)
    assert logged == "hostile at 95% confidence; recommend jam"  # the log stays English
    assert any("vijandig met 95% zekerheid; advies: storen" in t for t in texts), texts
    assert not any("confidence" in t for t in texts)
