"""``play --serve`` without a display (SDL dummy driver): the pygame loop applies a seat's input
in its own thread and records it, and F2 draws each seat's QR code; the seat page in Dutch."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from hmt_sim import sessionfile
from hmt_sim.i18n import use_language
from hmt_sim.room.start import open_room
from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


def test_the_pygame_loop_is_the_rooms_clock_and_shows_the_join_codes(tmp_path: Path) -> None:
    pygame = pytest.importorskip("pygame")
    from visualiser.room_overlay import RoomApp, ServedRun

    sc = load_scenario("overload")
    human = ["operator/0", "operator/1"]
    session = Session(sc, human_seats=human)
    writer = sessionfile.open(tmp_path / "s.jsonl", sc, session.seed, human)
    room, server = open_room(session, writer, 2, False, "127.0.0.1", 0)
    try:
        live = ServedRun(room, session, writer, auto_slow=False)
        app = RoomApp(live, size=(1280, 720))
        live.step(15.0)
        app.frame(0.0)
        card = room.view("seat/1")["cards"][0]
        reply = room.submit("seat/1", {"kind": "decide", "decision": card["decision"],
                                       "choice": "reject", "id": "r1"})
        assert not reply.done()  # only the clock owner applies it
        app.frame(0.0)
        assert reply.result(1) == {"kind": "done", "decision": card["decision"],
                                   "choice": "reject", "id": "r1"}
        assert [i["type"] for i in sessionfile.read(writer.path).inputs] == ["decide"]
        assert all(c["decision"] != card["decision"] for c in room.view("seat/1")["cards"])
        before = pygame.surfarray.array3d(app.screen).copy()
        app._key(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_F2, mod=0))
        app.frame(0.0)
        after = pygame.surfarray.array3d(app.screen)
        w, h = app.screen.get_size()
        centre = after[w // 4: 3 * w // 4, h // 4: 3 * h // 4]
        white = (centre == 255).all(axis=2).sum()
        assert white > 2 * 132 * 132 * 0.3  # two QR codes: white quiet zones and modules
        assert (before != after).any()
        assert room.keys.facilitator not in " ".join(link for *_, link in
                                                     app.room_overlay.rows())

        def press(key: int, text: str = "") -> None:
            app._key(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=text))

        old = room.keys.seats[2]
        press(pygame.K_2, "2")
        press(pygame.K_m, "m")
        for ch in "Hold fire":
            press(pygame.key.key_code(ch.lower()) if ch != " " else pygame.K_SPACE, ch)
        press(pygame.K_RETURN)
        press(pygame.K_n, "n")
        app.frame(0.0)
        assert [m["text"] for m in room.view("seat/2")["messages"]] == ["Hold fire"]
        assert room.view("seat/1")["messages"] == []
        assert room.keys.seats[2] != old and room.keys.seats[1] != old
        assert live.paused  # Space went into the message, not to the clock
        app.close()
    finally:
        server.stop()


def test_the_seat_page_speaks_the_language_of_the_room(served: Any, browser: Any) -> None:
    room = served()
    page = browser.new_page()
    with use_language("nl"):
        page.goto(room.room.link("seat/1"))
    assert page.locator("html").get_attribute("lang") == "nl"
    page.wait_for_selector(".card button.approve")
    assert page.locator(".card button.approve").first.inner_text() == "Goedkeuren"
    assert page.locator("#title").inner_text() == "Positie 1"


def test_a_speed_set_by_key_is_kept_for_play_serve_resume(tmp_path: Path) -> None:
    pytest.importorskip("pygame")
    from hmt_sim.room.keys import RoomKeys, keys_path
    from visualiser.room_overlay import ServedRun

    sc = load_scenario("training_sandbox")
    human = ["operator/0"]
    session = Session(sc, human_seats=human)
    writer = sessionfile.open(tmp_path / "s.jsonl", sc, session.seed, human)
    room, server = open_room(session, writer, 1, False, "127.0.0.1", 0)
    try:
        live = ServedRun.open(room, session, writer, resumed=False)
        assert live.speed == 1.0
        live.set_speed(8.0)  # what the speed keys call
        assert RoomKeys.load(keys_path(writer.path)).speed == 8.0
        live.close()
    finally:
        server.stop()
    session, _record, writer = sessionfile.resume(writer.path)
    room, server = open_room(session, writer, 1, False, "127.0.0.1", 0, resume=True)
    try:
        assert ServedRun.open(room, session, writer, resumed=True).speed == 8.0
    finally:
        server.stop()
        writer.close()
