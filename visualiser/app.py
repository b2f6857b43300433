"""The window: map, panels, operator seat card, facilitator console, overlays, frame loop.

One frame = handle input events, advance the simulation by a wall-time-budgeted slice, draw.
Any exception inside a frame is caught, written to an error log and shown in the status line:
in front of a room the app keeps running, and the session file (written input by input) stays
intact whatever happens to the screen.
"""

from __future__ import annotations

import contextlib
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pygame
import pygame_gui
from pygame_gui.core import ObjectID
from pygame_gui.elements import UIButton, UIHorizontalSlider

from hmt_sim.actions import names as action_names
from hmt_sim.fileio import atomic_path, open_log
from visualiser import theme as th
from visualiser.controller import SPEEDS, LiveRun
from visualiser.feed import PROTOCOL_WORDS, clock
from visualiser.mapview import MapView
from visualiser.panels import Panels
from visualiser.screens import (
    HELP,
    Overlay,
    briefing_lines,
    debrief_lines,
    explain_lines,
    wrap,
)

GENERIC_INJECTS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("Comms loss 60 s", "comms_loss", {"duration_s": 60.0}),
    ("AI degradation", "ai_degradation", {"shift": 1.0}),
    ("Spoofing", "spoofing", {}),
    ("Adversary +1 rung", "adversary_step", {"rungs": 1}),
    ("Kill switch", "kill_switch", {}),
)
MIN_SIZE = (1024, 640)


class App:
    """The visualiser of one ``LiveRun`` (live, resumed or replayed)."""

    def __init__(self, live: LiveRun, size: tuple[int, int] = (1600, 900),
                 large_fonts: bool = False, replay: bool = False,
                 screenshot_dir: Path | None = None, settle_s: float = 0.25,
                 error_log: Path | None = None) -> None:
        pygame.init()
        th.font.cache_clear()  # fonts die with pygame.quit(); a new window needs new ones
        self.live = live
        self.replay = replay
        self.scale = 1.35 if large_fonts else 1.0
        self.screenshot_dir = screenshot_dir or Path.cwd()
        self.settle_s = settle_s
        self.error_log = error_log
        self.screen = pygame.display.set_mode(self._clamp(size), pygame.RESIZABLE)
        sc = live.session.scenario
        pygame.display.set_caption(f"hmt-sim - {sc.title}" + (" (replay)" if replay else ""))
        self.text = th.TextCache()
        self.map = MapView(sc, pygame.Rect(0, 0, 10, 10), self.text, self.scale)
        self.panels = Panels(self.text)
        self.overlay: Overlay | None = None
        self.running = True
        self.auto_debrief = True  # open the debrief when the run ends (not when unattended)
        self._debrief_shown = False
        self.frames = 0
        self.last_error: str | None = None
        self._drag: tuple[int, int] | None = None
        self._dragged = False
        self._pending_sliders: dict[str, tuple[float, float]] = {}  # name -> (value, wall)
        self._levels_seen: dict[str, int] = {}
        self._last_wall = time.perf_counter()
        self.buttons: dict[str, UIButton] = {}
        self.sliders: dict[str, UIHorizontalSlider] = {}
        self.inject_buttons: dict[UIButton, tuple[str, dict[str, Any]]] = {}
        self.manager: pygame_gui.UIManager | None = None
        self.build_ui()

    # ----------------------------------------------------------------- layout
    @staticmethod
    def _clamp(size: tuple[int, int]) -> tuple[int, int]:
        return max(MIN_SIZE[0], int(size[0])), max(MIN_SIZE[1], int(size[1]))

    def s(self, v: float) -> int:
        return round(v * self.scale)

    def layout(self) -> None:
        w, h = self.screen.get_size()
        self.top_h = self.s(34)
        self.status_h = self.s(24)
        self.bh = self.s(30)
        self.gap = 6
        rows = 2 if self.replay else 3
        self.console_h = rows * (self.bh + self.gap) + self.gap
        panel_w = min(self.s(450), w // 2)
        body_h = h - self.top_h - self.console_h - self.status_h
        self.map_rect = pygame.Rect(0, self.top_h, w - panel_w, body_h)
        self.panel_rect = pygame.Rect(w - panel_w, self.top_h, panel_w, body_h)
        self.console_rect = pygame.Rect(0, self.top_h + body_h, w, self.console_h)
        self.status_rect = pygame.Rect(0, h - self.status_h, w, self.status_h)
        card_w = min(self.s(640), self.map_rect.w - 20)
        card_h = self.s(190)
        self.card_rect = pygame.Rect(self.map_rect.x + 10, self.map_rect.bottom - card_h - 10,
                                     card_w, card_h)
        self.map.set_rect(self.map_rect, self.scale)

    def build_ui(self) -> None:
        """(Re)create every widget for the current window size and font scale."""
        self.layout()
        size = self.screen.get_size()
        self.manager = pygame_gui.UIManager(size, th.gui_theme(self.scale))
        m = self.manager
        self.buttons.clear()
        self.sliders.clear()
        self.inject_buttons.clear()
        bh, gap = self.bh, self.gap
        x, y = gap, self.console_rect.y + gap

        def button(name: str, label: str, width: int, object_id: str | None = None,
                   rect: pygame.Rect | None = None) -> UIButton:
            nonlocal x
            fitted = self.text.get(label, self.s(15)).get_width() + self.s(24)
            r = rect or pygame.Rect(x, y, max(self.s(width), fitted), bh)
            b = UIButton(r, label, manager=m,
                         object_id=ObjectID(object_id=f"#{object_id}") if object_id else None)
            if rect is None and r.right > self.console_rect.w - gap:
                b.hide()  # no room at this window size: its key still works
            elif rect is None:
                x += r.w + gap
            self.buttons[name] = b
            return b

        button("play", "Pause (Space)", 0)
        button("step", "Step (N)", 0)
        button("slower", "Slower [", 0)
        button("faster", "Faster ]", 0)
        x += gap * 2
        button("truth", "Truth view (T)", 0)
        if not self.replay:
            button("bookmark", "Bookmark (B)", 0)
        button("explain", "Explain (E)", 0)
        button("briefing", "Briefing (G)", 0)
        button("debrief", "Debrief (D)", 0)
        button("help", "Help (H)", 0)
        button("fonts", "Large fonts (L)", 0)
        button("shot", "Screenshot F12", 0)
        y += bh + gap
        x = gap
        sess = self.live.session
        self.slider_labels: dict[str, pygame.Rect] = {}
        if self.replay:
            scrub_box = pygame.Rect(x, y, self.s(150), bh)
            self.slider_labels["scrub"] = scrub_box
            r = pygame.Rect(scrub_box.right, y, self.console_rect.w - scrub_box.right - gap, bh)
            self.sliders["scrub"] = UIHorizontalSlider(
                r, float(sess.now), (0.0, float(sess.duration)), manager=m,
                click_increment=10.0)
        else:
            width = (self.console_rect.w - gap) // (len(action_names()) + 1)
            for i, action in enumerate((*action_names(), "reliability")):
                cx = gap + i * width
                label_box = pygame.Rect(cx, y, self.s(150) if action == "reliability" else
                                    self.s(95), bh)
                self.slider_labels[action] = label_box
                r = pygame.Rect(label_box.right, y, width - label_box.w - gap * 2, bh)
                if action == "reliability":
                    self.sliders[action] = UIHorizontalSlider(
                        r, round(sess.ai_reliability, 2), (0.0, 1.0), manager=m,
                        click_increment=0.05)
                else:
                    self.sliders[action] = UIHorizontalSlider(
                        r, int(sess.levels[action]), (1, 10), manager=m,
                        click_increment=1)
            self._levels_seen = dict(sess.levels)
            y += bh + gap
            x = gap
            for i, inj in enumerate(sess.scenario.injects):
                if inj.kind == "civilian_surge":
                    continue  # its traffic is planned by the scenario; it fires on schedule
                label = (inj.label or inj.kind.replace("_", " "))
                label = label if len(label) <= 28 else label[:26] + "..."
                width = self.text.get(label, self.s(15)).get_width() + self.s(24)
                if x + width > self.console_rect.w - gap:
                    break
                params = inj.model_dump(exclude={"kind", "at_s"}, mode="json")
                b = UIButton(pygame.Rect(x, y, width, bh), label, manager=m,
                             tool_tip_text=f"scenario inject {i}: fire it now")
                self.inject_buttons[b] = (inj.kind, params)
                x += width + gap
            for label, kind, params in GENERIC_INJECTS:
                width = self.text.get(label, self.s(15)).get_width() + self.s(24)
                if x + width > self.console_rect.w - gap:
                    break
                b = UIButton(pygame.Rect(x, y, width, bh), label, manager=m)
                self.inject_buttons[b] = (kind, dict(params))
                x += width + gap
        # the operator seat card's buttons
        c = self.card_rect
        bw = (c.w - 4 * 10) // 3
        by = c.bottom - self.s(44)
        for i, (name, label) in enumerate((("approve", "Approve (A)"), ("reject", "Reject (R)"),
                                           ("inspect", "Inspect (I)"))):
            r = pygame.Rect(c.x + 10 + i * (bw + 10), by, bw, self.s(36))
            button(name, label, 0, object_id=name, rect=r)
        self._sync_widgets(force=True)

    # ----------------------------------------------------------------- input
    def top_card(self) -> dict[str, Any] | None:
        pending = self.live.my_pending()
        return pending[0] if pending else None

    def approve(self) -> None:
        self._answer("approve")

    def reject(self) -> None:
        self._answer("reject")

    def _answer(self, choice: str) -> None:
        card = self.top_card()
        if card is None:
            self.live.say("no decision is waiting for you")
        else:
            self.live.decide(card["decision"], choice, card["operator"])

    def inspect(self) -> None:
        card = self.top_card()
        if card is None:
            self.live.say("no decision is waiting for you")
            return
        info = self.live.inspect(card["decision"], card["operator"])
        if info is not None:
            self.map.selected = card["track"]
            self.live.say(f"inspected track {card['track']}: verification takes time")

    def toggle_truth(self) -> None:
        self.live.truth = not self.live.truth
        self.live.say("truth view ON: ground truth is shown (facilitator only)"
                      if self.live.truth else "truth view off")

    def speed_step(self, direction: int) -> None:
        speeds = list(SPEEDS)
        current = min(range(len(speeds)), key=lambda i: abs(speeds[i] - self.live.speed))
        self.live.set_speed(speeds[max(0, min(len(speeds) - 1, current + direction))])
        self.live.say(f"speed {self.live.speed:g}x")

    def open_overlay(self, name: str) -> None:
        if self.overlay is not None and self.overlay.name == name:
            self.overlay = None
            return
        if name == "debrief":
            self.overlay = Overlay(name, debrief_lines(self.live))
        elif name == "explain":
            self.overlay = Overlay(name, explain_lines(self.live.session, self.map.selected,
                                                       self.live.truth))
        elif name == "briefing":
            self.overlay = Overlay(name, briefing_lines(self.live.session.scenario))
        elif name == "help":
            self.overlay = Overlay(name, list(HELP))

    def toggle_fonts(self) -> None:
        self.scale = 1.0 if self.scale > 1.0 else 1.35
        self.map.forget_symbols()
        self.build_ui()

    def screenshot(self, path: Path | None = None) -> Path:
        if path is None:
            sc = self.live.session.scenario
            stamp = clock(self.live.session.now).replace(":", "-")
            path = self.screenshot_dir / f"hmt-sim-{sc.id}-{stamp}-{self.frames}.png"
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            pygame.image.save(self.screen, str(tmp))
        self.live.say(f"screenshot saved: {path}")
        return path

    def _press(self, name: str) -> None:
        live = self.live
        actions: dict[str, Callable[[], Any]] = {
            "play": live.toggle_pause, "step": live.step,
            "slower": lambda: self.speed_step(-1), "faster": lambda: self.speed_step(+1),
            "truth": self.toggle_truth, "bookmark": live.bookmark,
            "explain": lambda: self.open_overlay("explain"),
            "briefing": lambda: self.open_overlay("briefing"),
            "debrief": lambda: self.open_overlay("debrief"),
            "help": lambda: self.open_overlay("help"), "fonts": self.toggle_fonts,
            "shot": self.screenshot, "approve": self.approve, "reject": self.reject,
            "inspect": self.inspect,
        }
        actions[name]()

    def handle(self, event: pygame.event.Event) -> None:
        live = self.live
        if event.type == pygame.QUIT:
            self.running = False
            return
        if event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
            size = self._clamp((event.w if hasattr(event, "w") else event.x,
                                event.h if hasattr(event, "h") else event.y))
            if size != self.screen.get_size():
                self.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
                self.build_ui()
            return
        consumed = self.manager.process_events(event) if self.manager else False
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            for name, b in self.buttons.items():
                if event.ui_element is b:
                    self._press(name)
                    return
            if event.ui_element in self.inject_buttons:
                kind, params = self.inject_buttons[event.ui_element]
                live.inject(kind, **params)
            return
        if event.type == pygame_gui.UI_HORIZONTAL_SLIDER_MOVED:
            for name, sl in self.sliders.items():
                if event.ui_element is sl:
                    if name == "scrub":
                        live.scrub(float(event.value))
                    else:
                        self._pending_sliders[name] = (float(event.value), time.perf_counter())
            return
        if event.type == pygame.KEYDOWN:
            self._key(event)
            return
        if consumed:
            return
        if event.type == pygame.MOUSEWHEEL:
            pos = pygame.mouse.get_pos()
            if self.overlay is not None:
                self.overlay.scroll -= event.y * 3
            elif self.panels.feed_rect.collidepoint(pos):
                self.panels.feed_scroll += event.y * 3
            elif self.map_rect.collidepoint(pos):
                self.map.proj.zoom_at(1.2 ** event.y, *pos)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button in (1, 2, 3):
            if self.map_rect.collidepoint(event.pos) and not (
                self.top_card() and self.card_rect.collidepoint(event.pos)
            ):
                self._drag = event.pos
                self._dragged = False
        elif event.type == pygame.MOUSEMOTION and self._drag is not None:
            dx, dy = event.pos[0] - self._drag[0], event.pos[1] - self._drag[1]
            if self._dragged or abs(dx) + abs(dy) > 4:
                self.map.proj.pan(dx, dy)
                self._drag = event.pos
                self._dragged = True
        elif event.type == pygame.MOUSEBUTTONUP and self._drag is not None:
            if not self._dragged and event.button == 1:
                if self.overlay is not None:
                    self.overlay = None
                else:
                    self.map.selected = self.map.pick(*event.pos)
            self._drag = None

    def _key(self, event: pygame.event.Event) -> None:
        k, mods = event.key, event.mod
        live = self.live
        if k == pygame.K_q and mods & pygame.KMOD_CTRL:
            self.running = False
        elif k == pygame.K_F12:
            self.screenshot()
        elif k == pygame.K_ESCAPE:
            self.overlay = None
        elif self.overlay is not None and k in (pygame.K_PAGEDOWN, pygame.K_PAGEUP,
                                                 pygame.K_DOWN, pygame.K_UP):
            step = {pygame.K_PAGEDOWN: 15, pygame.K_PAGEUP: -15, pygame.K_DOWN: 1,
                    pygame.K_UP: -1}[k]
            self.overlay.scroll += step
        elif k == pygame.K_a:
            self.approve()
        elif k == pygame.K_r:
            self.reject()
        elif k == pygame.K_i:
            self.inspect()
        elif k == pygame.K_SPACE:
            live.toggle_pause()
        elif k == pygame.K_n:
            live.step()
        elif k == pygame.K_LEFTBRACKET:
            self.speed_step(-1)
        elif k == pygame.K_RIGHTBRACKET:
            self.speed_step(+1)
        elif k == pygame.K_t:
            self.toggle_truth()
        elif k == pygame.K_b:
            live.bookmark()
        elif k == pygame.K_e:
            self.open_overlay("explain")
        elif k == pygame.K_g:
            self.open_overlay("briefing")
        elif k == pygame.K_d:
            self.open_overlay("debrief")
        elif k == pygame.K_h:
            self.open_overlay("help")
        elif k == pygame.K_l:
            self.toggle_fonts()
        elif k in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS):
            self.map.proj.zoom_at(1.25, *self.map_rect.center)
        elif k in (pygame.K_MINUS, pygame.K_KP_MINUS):
            self.map.proj.zoom_at(0.8, *self.map_rect.center)
        elif k == pygame.K_0:
            self.map.proj.reset()
        elif k in (pygame.K_LEFT, pygame.K_RIGHT, pygame.K_UP, pygame.K_DOWN):
            d = 60
            dx = {pygame.K_LEFT: d, pygame.K_RIGHT: -d}.get(k, 0)
            dy = {pygame.K_UP: d, pygame.K_DOWN: -d}.get(k, 0)
            self.map.proj.pan(dx, dy)

    def _commit_sliders(self, force: bool = False) -> None:
        """Apply a slider once it has settled, so one drag is one recorded input."""
        now = time.perf_counter()
        for name, (value, at) in list(self._pending_sliders.items()):
            if force or now - at >= self.settle_s:
                del self._pending_sliders[name]
                if name == "reliability":
                    self.live.set_reliability(round(value / 0.05) * 0.05)
                else:
                    self.live.set_level(name, round(value))

    def _sync_widgets(self, force: bool = False) -> None:
        live = self.live
        self.buttons["play"].set_text("Pause (Space)" if not live.paused else "Play (Space)")
        card = None if self.replay else self.top_card()
        for name in ("approve", "reject", "inspect"):
            b = self.buttons[name]
            if card is not None and not b.visible:
                b.show()
            elif card is None and b.visible:
                b.hide()
        if "scrub" in self.sliders:
            sl = self.sliders["scrub"]
            held = sl.sliding_button is not None and sl.sliding_button.held
            if live.scrub_target is None and not held:
                sl.set_current_value(min(float(live.session.now), live.session.duration))
            return
        levels = live.session.levels
        if force or levels != self._levels_seen:
            for action in action_names():
                if action not in self._pending_sliders:
                    self.sliders[action].set_current_value(int(levels[action]))
            self._levels_seen = dict(levels)
        if "reliability" not in self._pending_sliders:
            rel = round(live.session.ai_reliability, 2)
            if force or abs(self.sliders["reliability"].get_current_value() - rel) > 1e-6:
                self.sliders["reliability"].set_current_value(rel, warn=False)

    # ----------------------------------------------------------------- frame
    def frame(self, wall_dt: float | None = None) -> bool:
        """One frame; returns False once the window should close. Never raises."""
        now = time.perf_counter()
        dt = now - self._last_wall if wall_dt is None else wall_dt
        self._last_wall = now
        try:
            for event in pygame.event.get():
                self.handle(event)
            self._commit_sliders(force=self.settle_s <= 0)
            self.live.tick(dt)
            if self.live.session.finished and self.auto_debrief and not self._debrief_shown:
                self._debrief_shown = True
                self.overlay = None
                self.open_overlay("debrief")
            self._sync_widgets()
            assert self.manager is not None
            self.manager.update(dt)
            self.draw()
        except Exception as error:  # never crash in front of a room
            self._report(error)
            with contextlib.suppress(Exception):  # the status line is best effort
                self._draw_status()
        pygame.display.flip()
        self.frames += 1
        return self.running

    def _report(self, error: Exception) -> None:
        text = f"error: {type(error).__name__}: {error}"
        self.live.say(text + " (the session is safe; see the error log)", error=True,
                      seconds=15)
        if text != self.last_error and self.error_log is not None:
            try:
                with open_log(self.error_log) as fh:  # never through a planted link
                    fh.write(f"--- t={self.live.session.now:.3f}\n")
                    fh.write(traceback.format_exc())
            except OSError:
                pass
        self.last_error = text

    def run(self, until: float | None = None, screenshot: Path | None = None,
            fps: int = 60) -> None:
        """The main loop; with ``until`` it runs unattended and stops at that time."""
        clk = pygame.time.Clock()
        if until is not None:
            self.auto_debrief = False
            self.live.paused = False
            self.live.stop_at = until
        while self.running:
            clk.tick(fps)
            self.frame()
            s = self.live.session
            if until is not None and (s.now >= min(until, s.duration) - 1e-9 or s.finished):
                self.live.paused = True
                self.frame(0.0)
                break
        if screenshot is not None:
            self.screenshot(Path(screenshot))

    def close(self) -> None:
        self.live.close()
        pygame.quit()

    # ----------------------------------------------------------------- drawing
    def draw(self) -> None:
        scr = self.screen
        scr.fill(th.BG)
        self.map.draw(scr, self.live)
        self.panels.draw(scr, self.panel_rect, self.live, self.scale)
        self._draw_top()
        self._draw_alerts()
        if self.overlay is not None:
            self.overlay.draw(scr, self.map_rect, self.text, self.scale)
        elif not self.replay:
            self._draw_card()
        elif self.live.my_pending():
            self._draw_card(read_only=True)
        pygame.draw.rect(scr, th.PANEL, self.console_rect)
        pygame.draw.line(scr, th.PANEL_EDGE, self.console_rect.topleft,
                         self.console_rect.topright)
        self._draw_slider_labels()
        assert self.manager is not None
        self.manager.draw_ui(scr)
        self._draw_status()

    def _draw_top(self) -> None:
        live, s = self.live, self.live.session
        r = pygame.Rect(0, 0, self.screen.get_width(), self.top_h)
        pygame.draw.rect(self.screen, th.PANEL, r)
        size = self.s(16)
        x = 10
        items: list[tuple[str, tuple[int, int, int]]] = [
            (s.scenario.title, th.TEXT),
            (f"{clock(s.now)} / {clock(s.duration)}", th.TEXT),
            ("ENDED" if s.finished else ("PAUSED" if live.paused else f"RUNNING {live.speed:g}x"),
             th.TONES["warn"] if live.paused else th.CIVILIAN),
        ]
        if not live.paused and live.effective_speed < 0.8 * live.speed and self.frames > 30:
            items.append((f"(simulation keeps up at {live.effective_speed:.0f}x)", th.DIM))
        if self.replay:
            items.append(("REPLAY", th.TONES["ai"]))
        if live.truth:
            items.append(("TRUTH VIEW", th.WRONG))
        snap = live.snapshot
        if not snap["comms_up"]:
            items.append(("COMMS DOWN", th.HOSTILE))
        lv = snap["levels"]
        items.append(("autonomy " + " ".join(f"{name} {lv[name]}" for name in lv), th.DIM))
        items.append((f"AI reliability {snap['ai_reliability']:.2f}", th.DIM))
        if live.truth:
            items.append((f"actual accuracy {snap['ai_accuracy']:.2f}", th.ACCURACY))
        for text, colour in items:
            surf = self.text.get(text, size, colour, bold=colour is th.TEXT)
            if x + surf.get_width() > r.w - 10:
                break
            self.screen.blit(surf, (x, (r.h - surf.get_height()) // 2))
            x += surf.get_width() + self.s(22)

    def _draw_alerts(self) -> None:
        alerts = self.live.active_alerts()
        y = self.map_rect.y + 8
        for text in alerts[-3:]:
            surf = self.text.get(text, self.s(16), (20, 16, 0), bold=True)
            box = surf.get_rect().inflate(20, 8)
            box.midtop = (self.map_rect.centerx, y)
            pygame.draw.rect(self.screen, th.TONES["warn"], box, border_radius=4)
            self.screen.blit(surf, surf.get_rect(center=box.center))
            y += box.h + 4

    def _draw_card(self, read_only: bool = False) -> None:
        live = self.live
        pending = live.my_pending()
        if not pending:
            if not live.human_seat_ops:
                return
            surf = self.text.get("operator seat: no decision waiting", self.s(14), th.DIM)
            self.screen.blit(surf, (self.card_rect.x + 4, self.card_rect.bottom - 22))
            return
        card = pending[0]
        r = self.card_rect
        shade = pygame.Surface(r.size, pygame.SRCALPHA)
        shade.fill((16, 22, 34, 240))
        self.screen.blit(shade, r.topleft)
        left = live.time_left(card)
        urgent = left is not None and left < 5
        pygame.draw.rect(self.screen, th.TONES["alarm"] if urgent else th.TONES["ai"], r, 3,
                         border_radius=6)
        x, y = r.x + 12, r.y + 8
        seat = "operator" if card["operator"] == 0 else f"operator/{card['operator']}"
        more = f"   (+{len(pending) - 1} more waiting)" if len(pending) > 1 else ""
        head = f"DECISION #{card['decision']}  track {card['track']}  seat {seat}{more}"
        self.screen.blit(self.text.get(head, self.s(14), th.DIM), (x, y))
        y += self.s(20)
        colour = th.HOSTILE if card["label"] == "hostile" else th.CIVILIAN
        rec = (f"AI recommends {card['action'].upper()}: {card['label']} "
               f"({card['confidence']:.0%} confidence)")
        if not card.get("advice_shown", True) and card.get("purpose") != "screening":
            rec = f"{card['action'].upper()} proposed by an operator: no AI assessment"
            colour = th.TEXT
        if card.get("purpose") == "screening":
            # Levels 1-4: the person's own call; at level 1 there is no AI call to show.
            advice = (f"AI: {card['label']} ({card['confidence']:.0%})"
                      if card.get("advice_shown", True) else "no AI assessment")
            rec = f"YOUR CALL: {card['action'].upper()} this track?  {advice}"
            colour = th.TEXT
        size = self.s(21)
        while size > 12 and th.font(size, True).size(rec)[0] > r.w - 24:
            size -= 1
        self.screen.blit(self.text.get(rec, size, colour, bold=True), (x, y))
        y += self.s(30)
        f = th.font(self.s(15))
        for line in wrap(f"\"{card['explanation']}\"", f, r.w - 24)[:2]:
            self.screen.blit(self.text.get(line, self.s(15), th.TEXT), (x, y))
            y += self.s(19)
        protocol = card["protocol"]
        if protocol == "veto":
            rule = "the AI EXECUTES when the window closes unless you reject"
        elif protocol == "approval":
            rule = "nothing happens unless you approve"
        else:
            rule = "you decide (level 1-4); no answer means no action"
        left_text = "time left: n/a" if left is None else f"time left: {left:.0f} s"
        info = f"{left_text}   level {card['level']} ({PROTOCOL_WORDS.get(protocol, protocol)})"
        if card.get("inspected"):
            info += "   inspected"
        self.screen.blit(self.text.get(info, self.s(15), th.TONES["alarm"] if urgent
                                       else th.TONES["warn"], bold=True), (x, y))
        y += self.s(19)
        self.screen.blit(self.text.get(rule, self.s(13), th.DIM), (x, y))
        if read_only:
            self.screen.blit(self.text.get("(replay: the recorded answer will follow)",
                                           self.s(14), th.DIM), (x, r.bottom - self.s(30)))

    def _draw_slider_labels(self) -> None:
        live = self.live
        for name, rect in self.slider_labels.items():
            if name == "scrub":
                text = f"timeline {clock(live.session.now)}"
            elif name == "reliability":
                pending = self._pending_sliders.get(name)
                value = pending[0] if pending else live.session.ai_reliability
                text = f"AI reliability {value:.2f}"
            else:
                pending = self._pending_sliders.get(name)
                value = pending[0] if pending else live.session.levels[name]
                text = f"{name} L{round(value)}"
            surf = self.text.get(text, self.s(15), th.TEXT)
            self.screen.blit(surf, (rect.x + 4, rect.centery - surf.get_height() // 2))

    def _draw_status(self) -> None:
        r = self.status_rect
        pygame.draw.rect(self.screen, (10, 12, 18), r)
        text = self.live.status_text()
        colour = th.TONES["alarm"] if text.startswith("error") else th.TEXT
        if not text:
            path = self.live.writer.path if self.live.writer is not None else None
            text = ("H help   " + (f"session file: {path}" if path else
                                   ("replay (read-only)" if self.replay else "not recorded")))
            colour = th.DIM
        self.screen.blit(self.text.get(text[:220], self.s(14), colour), (8, r.y + 3))
