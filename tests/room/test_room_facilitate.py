"""The facilitator's page and the red cell's, in a real browser; and a served session replays
to the very same event log."""

from __future__ import annotations

import math
from typing import Any

from room_testing import wait_for

from hmt_sim import sessionfile


def test_the_facilitator_page_pauses_and_messages_a_seat(served: Any, browser: Any) -> None:
    room = served(stop_at=None, speed=1.0)
    seat = browser.new_page(viewport={"width": 390, "height": 844})
    seat.goto(room.room.link("seat/2"))
    seat.wait_for_selector(".conn.on")
    fac = browser.new_page(viewport={"width": 1366, "height": 768})
    fac.goto(room.room.link("facilitator"))
    fac.wait_for_selector(".conn.on")
    fac.wait_for_selector("td img")  # QR codes load from this server
    assert fac.locator("td img").count() == 2
    assert fac.locator("td img").first.evaluate("i => i.naturalWidth") > 0
    assert "connected (1)" in fac.locator("tbody tr").nth(1).inner_text()
    assert not room.clock.paused
    fac.get_by_role("button", name="Pause").click()
    wait_for(lambda: room.clock.paused, 5, "the pause to reach the clock")
    seat.wait_for_selector("#banner:not([hidden])")
    fac.select_option("#msg-to", "2")
    fac.fill("#msg-text", "Check track 7 before you approve")
    fac.get_by_role("button", name="Send").click()
    seat.wait_for_selector(".msg")
    assert "Check track 7 before you approve" in seat.locator(".msg").inner_text()
    fac.get_by_role("button", name="Resume").click()
    wait_for(lambda: not room.clock.paused, 5, "the resume to reach the clock")


def test_the_red_cell_chooses_reds_next_step(served: Any, browser: Any) -> None:
    room = served(red=True, stop_at=15.0)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(room.room.link("red"))
    page.wait_for_selector(".conn.on")
    page.get_by_role("button", name="Hold").click()
    page.wait_for_selector("button.chosen:has-text('Hold')")
    inputs = sessionfile.read(room.clock.writer.path).inputs
    assert [(i["type"], i["step"], i["t"]) for i in inputs] == [("red_choose", "hold", 15.0)]
    assert room.room.view("red")["chosen"] == "hold"
    # The page counts down to red's next reaction (a simulation time in the view), within one
    # reaction interval (overload keeps the default 30 s).
    view = room.room.view("red")
    wait_s = math.ceil(view["next_reaction_s"] - view["t"])
    assert 0 < wait_s <= 30
    assert f"Next red reaction in {wait_s} s" in page.inner_text("body")
    seat = browser.new_page()
    seat.goto(room.room.link("seat/1"))
    seat.wait_for_selector(".conn.on")
    got = seat.evaluate("""(t) => new Promise((done) => {
      const ws = new WebSocket("ws://" + location.host + "/ws/seat/1?t=" + t);
      ws.onopen = () => ws.send(JSON.stringify({kind: "red_choose", step: "escalate"}));
      ws.onmessage = (ev) => { const m = JSON.parse(ev.data);
        if (m.kind !== "state") { ws.close(); done(m); } };
    })""", room.room.keys.seats[1])
    assert got["kind"] == "error" and "not allowed" in got["message"]
    assert len(sessionfile.read(room.clock.writer.path).inputs) == 1


def test_a_served_session_replays_to_the_same_event_log(served: Any) -> None:
    room = served(stop_at=None, speed=60.0)
    answered = 0
    for _ in range(200):
        view = wait_for(lambda: room.room.view("seat/1"), 5, "a view")
        cards = view["cards"] or (room.room.view("seat/2") or {"cards": []})["cards"]
        who = "seat/1" if view["cards"] else "seat/2"
        if cards:
            reply = room.room.submit(who, {"kind": "decide", "decision": cards[0]["decision"],
                                           "choice": "approve"}).result(10)
            answered += reply["kind"] == "done"
        if answered >= 4:
            break
        wait_for(lambda v=view: room.room.view("seat/1")["t"] > v["t"], 5, "time to move")
    room.room.submit("facilitator", {"kind": "pause"}).result(10)
    assert answered >= 4
    live = room.clock.session
    record = sessionfile.read(room.clock.writer.path)
    replayed = record.session()
    sessionfile.replay_to(replayed, record, live.now)
    assert replayed.inputs == live.inputs
    assert replayed.events == live.events
