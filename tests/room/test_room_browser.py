"""Seat pages in a real browser (Debian's chromium, headless): join, inspect, decide, reconnect
after a dropped connection, a wrong token refused, and a seat unable to reach another seat's
cards or the facilitator's actions."""

from __future__ import annotations

import json
from typing import Any

from room_testing import wait_for

from hmt_sim import sessionfile
from hmt_sim.room.server import ServerThread, allowed_hosts, bind
from hmt_sim.room.web import build_app

WS_PROBE = """([path, message]) => new Promise((done) => {
  const ws = new WebSocket("ws://" + location.host + path);
  const got = [];
  ws.onopen = () => { if (message) ws.send(JSON.stringify(message)); };
  ws.onmessage = (ev) => { got.push(JSON.parse(ev.data));
    if (got.some((m) => m.kind !== "state" && m.kind !== "refused")) { ws.close(); done(got); } };
  ws.onclose = (ev) => done(got.concat([{kind: "closed", code: ev.code}]));
  setTimeout(() => done(got.concat([{kind: "timeout"}])), 5000);
})"""


def _inputs(path: Any) -> list[dict[str, Any]]:
    return sessionfile.read(path).inputs


def test_a_seat_joins_inspects_and_decides(served: Any, browser: Any) -> None:
    room = served()
    view = room.room.view("seat/1")
    mine = [c["decision"] for c in view["cards"]]
    assert mine, "seat 1 has a card at 15 s in overload"
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(room.room.link("seat/1"))
    page.wait_for_selector(".conn.on")
    card = page.locator(f".card[data-decision='{mine[0]}']")
    card.wait_for()
    shown = {int(d) for d in page.locator(".card").evaluate_all(
        "els => els.map(e => e.dataset.decision)")}
    assert shown == set(mine)  # only this seat's cards
    card.locator("button.inspect").click()
    page.locator(f".card[data-decision='{mine[0]}'] .info").wait_for()
    assert "track" in page.locator(".info").first.inner_text().lower()
    card = page.locator(f".card[data-decision='{mine[0]}']")
    card.locator("button.approve").click()
    page.locator(f".card[data-decision='{mine[0]}']").wait_for(state="detached")
    inputs = _inputs(room.clock.writer.path)
    assert [(i["type"], i["decision"], i["operator"]) for i in inputs] == [
        ("inspect", mine[0], 0), ("decide", mine[0], 0)]
    assert inputs[1]["choice"] == "approve" and inputs[1]["t"] == inputs[0]["t"] == 15.0
    page.close()


def test_a_dropped_connection_reconnects_to_its_seat(served: Any, browser: Any) -> None:
    room = served()
    page = browser.new_page()
    page.goto(room.room.link("seat/2"))
    page.wait_for_selector(".conn.on")
    page.wait_for_selector(".card")
    port = room.server.port
    room.server.stop()  # every connection drops: the server is gone
    page.wait_for_selector(".conn.off", timeout=5000)
    room.server = ServerThread(build_app(room.room, allowed_hosts("127.0.0.1")),
                               bind("127.0.0.1", port))
    room.server.start()
    page.wait_for_selector(".conn.on", timeout=15000)
    wait_for(lambda: room.room._connected.get("seat/2") == 1, 5, "seat 2 connected again")
    decision = int(page.locator(".card").first.get_attribute("data-decision"))
    page.locator(".card button.reject").first.click()
    page.locator(f".card[data-decision='{decision}']").wait_for(state="detached")
    assert [(i["type"], i["decision"], i["operator"], i["choice"])
            for i in _inputs(room.clock.writer.path)] == [("decide", decision, 1, "reject")]
    page.close()


def test_a_wrong_token_is_refused(served: Any, browser: Any) -> None:
    room = served()
    page = browser.new_page()
    link = room.room.link("seat/1")
    response = page.goto(link[:-4] + "AAAA")
    assert response.status == 403
    assert "not valid" in page.locator("main").inner_text()
    assert page.locator(".card").count() == 0
    response = page.goto(link.replace("/seat/1", "/seat/9"))
    assert response.status == 403
    page.goto(room.room.base_url + "/")
    got = page.evaluate(WS_PROBE, ["/ws/seat/1?t=wrong", None])
    assert got[0]["kind"] == "refused" and got[-1] == {"kind": "closed", "code": 4403}
    assert not any(m["kind"] == "state" for m in got)
    page.close()


def test_a_seat_cannot_reach_another_seat_or_the_facilitator(served: Any, browser: Any
                                                              ) -> None:
    room = served()
    token1 = room.room.keys.seats[1]
    other = room.room.view("seat/2")["cards"][0]["decision"]
    page = browser.new_page()
    page.goto(room.room.link("seat/1"))
    page.wait_for_selector(".conn.on")
    assert page.locator(f".card[data-decision='{other}']").count() == 0
    for path in (f"/ws/seat/2?t={token1}", f"/ws/facilitator?t={token1}", f"/ws/red?t={token1}"):
        got = page.evaluate(WS_PROBE, [path, None])
        assert got[0]["kind"] == "refused", path
        assert not any(m["kind"] == "state" for m in got), path
    own = f"/ws/seat/1?t={token1}"
    got = page.evaluate(WS_PROBE, [own, {"kind": "pause"}])
    assert got[-1]["kind"] == "error" and "not allowed" in got[-1]["message"]
    got = page.evaluate(WS_PROBE, [own, {"kind": "decide", "decision": other,
                                         "choice": "approve", "id": "x1"}])
    assert got[-1]["kind"] == "error" and "no longer waiting for your answer" in \
        got[-1]["message"] and "operator 0" in got[-1]["detail"]
    states = [m for m in got if m["kind"] == "state"]
    assert states and all(c["decision"] != other for s in states for c in s["cards"])
    text = json.dumps(states)
    assert "true_class" not in text and '"kind"' not in text.replace('"kind": "state"', "")
    for path in (f"/facilitator?t={token1}", f"/qr/seat-2.svg?t={token1}", f"/red?t={token1}"):
        assert page.goto(room.room.base_url + path).status == 403, path
    assert _inputs(room.clock.writer.path) == []
    assert not room.clock.paused or room.clock.session.now == 15.0
    page.close()
