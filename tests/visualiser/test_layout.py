"""Projector-ready layout: at every common projector size, with and without large fonts (and
with texts 30% longer, as Dutch or German run), every widget and every drawn text lies inside
the window and inside the box it belongs to, nothing overprints anything else, and every control
exists and can be clicked (in a second row or the injects pop-up when the window is small).

The texts are the ones the screen really blitted this frame (``TextCache.blit`` records each
ink box), so a label cut at an edge or drawn over another fails here.
"""

from __future__ import annotations

import gettext
import math

import pygame
import pytest

from hmt_sim import i18n
from visualiser.app import CONTROLS, App

SIZES = ((1024, 768), (1280, 720), (1366, 768), (1920, 1080), (3840, 2160))


class Padded(gettext.NullTranslations):
    """A test language whose every message is 30% longer than the English (placeholders kept:
    the padding goes after the text)."""

    def gettext(self, message: str) -> str:
        return message + " " + "w" * math.ceil(len(message) * 0.3) if message else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


def _widgets(app: App) -> list[tuple[str, pygame.Rect]]:
    out = [(f"button {name}", b.rect) for name, b in app.buttons.items() if b.visible]
    out += [(f"slider {name}", s.rect) for name, s in app.sliders.items() if s.visible]
    out += [(f"inject {kind}", b.rect) for b, (kind, _p) in app.inject_buttons.items()
            if b.visible]
    return out


def check(app: App, where: str) -> None:
    """Everything on screen this frame is inside the window and its box, and nothing overlaps."""
    window = app.screen.get_rect()
    problems: list[str] = []
    widgets = _widgets(app)
    for name, r in widgets:
        if not window.contains(r):
            problems.append(f"{name} {tuple(r)} leaves the window")
    for i, (a, ra) in enumerate(widgets):
        for b, rb in widgets[i + 1:]:
            if ra.colliderect(rb):
                problems.append(f"{a} overlaps {b}")
    boxes = app.text.boxes
    assert boxes, "no text was recorded"
    for box in boxes:
        if not window.contains(box.rect):
            problems.append(f"{box} leaves the window")
        elif not box.within.contains(box.rect):
            problems.append(f"{box} is cut off")
        for name, r in widgets:
            if box.rect.colliderect(r):
                problems.append(f"{box} is under {name}")
    for i, a in enumerate(boxes):
        hits = a.rect.collidelistall([b.rect for b in boxes[i + 1:]])
        problems += [f"{a} overlaps {boxes[i + 1 + j]}" for j in hits]
    assert not problems, f"{where}: " + "; ".join(problems[:8])


def _resize(app: App, size: tuple[int, int], large: bool) -> None:
    app.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
    app.large = large
    app.map.forget_symbols()
    app.build_ui()
    app.frame(0.0)


def _all_views(app: App, where: str) -> None:
    live = app.live
    card = live.my_pending()
    assert card, "the layout is checked with a card on screen"
    check(app, where)
    names = {name for name, _l in CONTROLS} - {"injects"}
    assert names <= set(app.buttons), f"{where}: missing {names - set(app.buttons)}"
    for name in (*names, "approve", "reject", "inspect"):
        assert app.buttons[name].visible, f"{where}: {name} is hidden"
    n_injects = sum(1 for inj in live.session.scenario.injects if inj.kind != "civilian_surge")
    assert len(app.inject_buttons) == n_injects + 5
    if app.injects_in_menu:
        app.toggle_inject_menu()
        app.frame(0.0)
        assert all(b.visible for b in app.inject_buttons), f"{where}: pop-up injects hidden"
        check(app, where + " injects pop-up")
        app.toggle_inject_menu()
    for name in ("briefing", "help", "debrief", "explain"):
        app.open_overlay(name)
        app.frame(0.0)
        check(app, f"{where} {name}")
        app.overlay = None
    app.inspect()
    app.frame(0.0)
    assert app.overlay is not None and app.overlay.name == "inspect"
    check(app, where + " inspect")
    app.overlay = None
    live.truth = True
    app.frame(0.0)
    app.frame(0.0)
    check(app, where + " truth view")
    live.truth = False
    app.toggle_room()
    app.frame(0.0)
    check(app, where + " room view")
    assert app.console_h == 0 and not any(b.visible for b in app.buttons.values())
    app.toggle_room()


@pytest.fixture
def carded(make_app):
    app = make_app(seats=("operator",), record=False)
    live = app.live
    live.inject("comms_loss", duration_s=600.0)  # a COMMS DOWN flag in the top bar too
    while not live.my_pending():
        live.step(1.0)
    live.bookmark("a moment to discuss")
    app.frame(0.0)
    return app


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_every_size_fits(carded, large):
    app = carded
    for size in SIZES:
        _resize(app, size, large)
        assert app.screen.get_size() == size
        if size[1] >= 2160:  # a 4K projector shows the same screen, not a quarter of it
            assert app.scale >= 2.0
        _all_views(app, f"{size[0]}x{size[1]}{' large' if large else ''}")
    assert app.live.errors == 0, app.live.status


def test_longer_texts_fit(carded, monkeypatch):
    """Dutch and German run about 30% longer than English: the smallest and a wide window still
    lay out cleanly with every message padded by 30%."""
    monkeypatch.setattr(i18n, "translations", lambda lang: Padded())
    app = carded
    for size, large in (((1024, 768), True), ((1024, 768), False), ((1920, 1080), True)):
        _resize(app, size, large)
        _all_views(app, f"padded {size[0]}x{size[1]}{' large' if large else ''}")
        assert any(box.text.endswith("www") for box in app.text.boxes)  # really padded
    assert app.live.errors == 0, app.live.status


def test_dutch_fits(carded):
    """The same checks in Dutch, the language of the room this tool was made for."""
    app = carded
    with i18n.use_language("nl"):
        for size, large in (((1024, 768), True), ((1366, 768), False)):
            _resize(app, size, large)
            _all_views(app, f"nl {size[0]}x{size[1]}{' large' if large else ''}")
        assert app.buttons["approve"].text != "Approve (A)"  # really Dutch
    assert app.live.errors == 0, app.live.status


def test_replay_fits(make_app):
    """A replay's screen (the timeline slider, a read-only card) fits too."""
    app = make_app(seats=("operator",), record=False, replay=True)
    live = app.live
    while not live.my_pending():
        live.step(1.0)
    for size, large in (((1024, 768), True), ((1920, 1080), False)):
        _resize(app, size, large)
        where = f"replay {size[0]}x{size[1]}{' large' if large else ''}"
        check(app, where)
        assert "scrub" in app.sliders and app.sliders["scrub"].visible
        assert not app.buttons["approve"].visible  # read-only: the recorded answer follows
        for name in ("debrief", "help"):
            app.open_overlay(name)
            app.frame(0.0)
            check(app, f"{where} {name}")
            app.overlay = None


@pytest.fixture
def seated():
    """A screen serving a room of four seats and a red cell (no server: the panel reads the
    room's published views), with a card waiting at seat 1."""
    from hmt_sim.room.core import Room
    from hmt_sim.room.keys import RoomKeys
    from hmt_sim.scenario import load_scenario
    from hmt_sim.session import Session
    from visualiser.room_overlay import RoomApp, ServedRun

    sc = load_scenario("overload", overrides={"operators.count": 4})
    seats = [f"operator/{i}" for i in range(4)]
    session = Session(sc, seed=7, human_seats=seats, red_cell=True)
    room = Room(session, RoomKeys.create(4, True))
    room.base_url = "http://192.168.1.20:8765"
    live = ServedRun(room, session, None, auto_slow=False)
    app = RoomApp(live, size=SIZES[0])
    while not live.my_pending():
        live.step(1.0)
    app.frame(0.0)
    yield app
    app.close()


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_the_seats_panel_fits(seated, large):
    """F2's seats panel (QR codes, links, who is connected) at every size: its texts inside
    the panel, over nothing, and the card it covers hidden with its buttons."""
    app = seated
    app.room_overlay.toggle()
    for size in SIZES:
        _resize(app, size, large)
        where = f"seats panel {size[0]}x{size[1]}{' large' if large else ''}"
        texts = [box.text for box in app.text.boxes]
        assert any(t.startswith("Room: join links") for t in texts), where
        title = next(t for t in texts if t.startswith("Room: join links"))
        shown = sum(t.startswith("Seat ") for t in texts)
        # every seat, or as many as fit and the title says how many more
        assert shown == 4 or (shown and f"{5 - shown} more seats" in title), where
        assert not app.buttons["approve"].visible, where
        check(app, where)
    assert app.live.errors == 0, app.live.status
