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
from hmt_sim.i18n import N_, _
from visualiser import theme as th
from visualiser.controller import SPEEDS, LiveRun
from visualiser.feed import PROTOCOL_WORDS, clock
from visualiser.mapview import MapView
from visualiser.panels import Panels
from visualiser.screens import (
    Overlay,
    briefing_overlay,
    debrief_lines,
    explain_lines,
    help_lines,
    inspect_lines,
    wrapped,
)

GENERIC_INJECTS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (N_("Comms loss 60 s"), "comms_loss", {"duration_s": 60.0}),
    (N_("AI degradation"), "ai_degradation", {"shift": 1.0}),
    (N_("Spoofing"), "spoofing", {}),
    (N_("Adversary +1 rung"), "adversary_step", {"rungs": 1}),
    (N_("Kill switch"), "kill_switch", {}),
)
# The facilitator's buttons, in the order they flow into the console's rows.
CONTROLS: tuple[tuple[str, str], ...] = (
    ("play", N_("Pause (Space)")), ("step", N_("Step (N)")), ("slower", N_("Slower [")),
    ("faster", N_("Faster ]")), ("truth", N_("Truth view (T)")), ("bookmark", N_("Bookmark (B)")),
    ("explain", N_("Explain (E)")), ("briefing", N_("Briefing (G)")),
    ("debrief", N_("Debrief (D)")), ("help", N_("Help (H)")), ("fonts", N_("Large fonts (L)")),
    ("legend", N_("Legend (K)")), ("room", N_("Room view (V)")), ("shot", N_("Screenshot F12")),
)
CARD_BUTTONS = (("approve", N_("Approve (A)")), ("reject", N_("Reject (R)")),
                ("inspect", N_("Inspect (I)")))
MIN_SIZE = (1024, 640)


def flow(widths: list[int], width: int, gap: int) -> list[tuple[int, int]]:
    """(row, x) for boxes of ``widths`` placed left to right, wrapping at ``width``."""
    out, row, x = [], 0, gap
    for w in widths:
        if x > gap and x + w > width - gap:
            row, x = row + 1, gap
        out.append((row, x))
        x += w + gap
    return out


class App:
    """The visualiser of one ``LiveRun`` (live, resumed or replayed).

    ``room=True`` starts in the room view for a projector: no facilitator console, no card
    buttons and no truth (``V`` switches it, ``T`` shows the truth only when the facilitator
    chooses to)."""

    def __init__(self, live: LiveRun, size: tuple[int, int] = (1600, 900),
                 large_fonts: bool = False, replay: bool = False,
                 screenshot_dir: Path | None = None, settle_s: float = 0.25,
                 error_log: Path | None = None, room: bool = False) -> None:
        pygame.init()
        th.font.cache_clear()  # fonts die with pygame.quit(); a new window needs new ones
        th.fit_text.cache_clear()
        wrapped.cache_clear()
        self.live = live
        self.replay = replay
        self.room = room
        if room:
            live.truth = False
        self.large = large_fonts
        self.scale = 1.0  # set by layout(): the window's size and the large-fonts option
        self.screenshot_dir = screenshot_dir or Path.cwd()
        self.settle_s = settle_s
        self.error_log = error_log
        self.screen = pygame.display.set_mode(self._clamp(size), pygame.RESIZABLE)
        sc = live.session.scenario
        pygame.display.set_caption(f"hmt-sim - {sc.title}" + (_(" (replay)") if replay else ""))
        self.text = th.TextCache()
        self.map = MapView(sc, pygame.Rect(0, 0, 10, 10), self.text, self.scale)
        self.panels = Panels(self.text)
        self.overlay: Overlay | None = None
        self.inject_menu = False  # the injects pop-up is open
        self.injects_in_menu = False  # the injects did not fit in the console: a pop-up holds them
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
        self.slider_labels: dict[str, pygame.Rect] = {}
        self.inject_buttons: dict[UIButton, tuple[str, dict[str, Any]]] = {}
        self.menu_rect = pygame.Rect(0, 0, 0, 0)
        self.inspected: tuple[int, dict[str, Any]] | None = None  # (decision, what was shown)
        self.manager: pygame_gui.UIManager | None = None
        self.build_ui()

    # ----------------------------------------------------------------- layout
    @staticmethod
    def _clamp(size: tuple[int, int]) -> tuple[int, int]:
        return max(MIN_SIZE[0], int(size[0])), max(MIN_SIZE[1], int(size[1]))

    def s(self, v: float) -> int:
        """``v`` pixels at the current font scale."""
        return round(v * self.scale)

    def _bw(self, label: str) -> int:
        """The width of a button that shows ``label`` in full."""
        return th.font(self.s(15)).size(label)[0] + self.s(24)

    def _controls(self) -> list[tuple[str, str]]:
        names = [(n, _(label)) for n, label in CONTROLS
                 if not (self.replay and n == "bookmark")]
        if self.injects_in_menu:
            names.insert(len(names) - 1, ("injects", _("Injects (J)")))
        return names

    def _inject_items(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(label, kind, params) of every inject button: the scenario's own, then generic."""
        out: list[tuple[str, str, dict[str, Any]]] = []
        sess = self.live.session
        for i, inj in enumerate(sess.scenario.injects):
            if inj.kind == "civilian_surge":
                continue  # its traffic is planned by the scenario; it fires on schedule
            label = inj.label or inj.kind.replace("_", " ")
            label = label if len(label) <= 28 else label[:26] + "..."
            params = inj.model_dump(exclude={"kind", "at_s"}, mode="json")
            out.append((label, inj.kind, {**params, "_index": i}))
        out += [(_(label), kind, dict(params)) for label, kind, params in GENERIC_INJECTS]
        return out

    def _slider_names(self) -> list[str]:
        return ["scrub"] if self.replay else [*action_names(), "reliability"]

    def _slider_label_w(self, name: str) -> int:
        f = th.font(self.s(15))
        if name == "scrub":
            return f.size(_("timeline {t}").format(t="0:00:00"))[0] + 12
        if name == "reliability":
            return f.size(_("AI reliability {value:.2f}").format(value=0.0))[0] + 12
        return f.size(_("{action} L{level}").format(action=_(name), level=10))[0] + 12

    def _plan_console(self, w: int) -> None:
        """Where every console widget goes (relative to the console's top) and its height."""
        bh, gap = self.bh, self.gap
        self.injects_in_menu = False
        injects = [] if self.replay else self._inject_items()
        inject_w = sum(min(self._bw(label), w - 2 * gap) + gap for label, _k, _p in injects)
        self.injects_in_menu = bool(injects) and inject_w + gap > w
        controls = self._controls()
        widths = [min(w - 2 * gap, max(self._bw(label), self._bw(_("Play (Space)"))
                                          if n == "play" else 0)) for n, label in controls]
        places = flow(widths, w, gap)
        self._plan: dict[str, Any] = {"controls": [
            (n, label, pygame.Rect(x, gap + row * (bh + gap), wd, bh))
            for (n, label), (row, x), wd in zip(controls, places, widths, strict=True)]}
        # sliders: a label and a slider per group, beside the buttons' last row when all fit
        # there or it is mostly free (a row saved on a small screen), each row's sliders
        # stretched to fill it
        names = self._slider_names()
        label_w = {n: self._slider_label_w(n) for n in names}
        last_row, last_x = places[-1]
        row, x = last_row, last_x + widths[-1] + gap
        needs = sum(label_w[n] + self.s(110) + gap for n in names)
        if self.replay or (x + needs > w and x > w // 2):
            row, x = last_row + 1, gap  # a row of their own unless the buttons left most free
        slots: list[list[Any]] = []
        for n in names:
            need = label_w[n] + self.s(110)
            if x > gap and x + need > w - gap:
                row, x = row + 1, gap
            slots.append([n, row, x, need])
            x += need + gap
        for r in sorted({slot[1] for slot in slots}):
            members = [slot for slot in slots if slot[1] == r]
            extra = max(0, (w - gap - (members[-1][2] + members[-1][3])) // len(members))
            for i, slot in enumerate(members):
                slot[2] += i * extra
                slot[3] += extra
        sliders = []
        for n, r, sx, sw in slots:
            sy = gap + r * (bh + gap)
            sliders.append((n, pygame.Rect(sx, sy, label_w[n], bh),
                            pygame.Rect(sx + label_w[n], sy, sw - label_w[n], bh)))
        self._plan["sliders"] = sliders
        y = gap + (max(row, last_row) + 1) * (bh + gap)
        self._plan["injects"] = []
        if injects and not self.injects_in_menu:
            x = gap
            for label, kind, params in injects:
                wd = self._bw(label)
                self._plan["injects"].append((label, kind, params, pygame.Rect(x, y, wd, bh)))
                x += wd + gap
            y += bh + gap
        self.console_h = y

    def layout(self) -> None:
        """Split the window into top bar, map, panel, console and status line."""
        w, h = self.screen.get_size()
        # Text and controls grow with the window beyond full HD (a 4K projector shows the same
        # screen, not a quarter of it), and by a third again with large fonts.
        self.scale = round(max(1.0, min(w / 1920, h / 1080)) * (1.35 if self.large else 1.0)
                           * (1.15 if self.room else 1.0), 3)  # the room reads from afar
        self.gap = 6
        self.bh = self.s(30)
        self.line_h = self.s(26)
        self.top_rows = self._top_rows(w)
        self.top_h = self.top_rows * self.line_h + self.s(8)
        self.status_h = self.s(24)
        if self.room:
            self._plan = {"controls": [], "sliders": [], "injects": []}
            self.injects_in_menu = False
            self.console_h = 0
        else:
            self._plan_console(w)
        panel_w = min(self.s(450), int(w * 0.4))
        body_h = h - self.top_h - self.console_h - self.status_h
        self.map_rect = pygame.Rect(0, self.top_h, w - panel_w, body_h)
        self.panel_rect = pygame.Rect(w - panel_w, self.top_h, panel_w, body_h)
        self.body_rect = pygame.Rect(0, self.top_h, w, body_h)
        self.console_rect = pygame.Rect(0, self.top_h + body_h, w, self.console_h)
        self.status_rect = pygame.Rect(0, h - self.status_h, w, self.status_h)
        card_w = min(self.s(680), self.map_rect.w - 20)
        card_h = self.card_height()
        self.card_rect = pygame.Rect(self.map_rect.x + 10, self.map_rect.bottom - card_h - 10,
                                     card_w, card_h)
        self.map.set_rect(self.map_rect, self.scale)

    def card_height(self, lines: int = 2) -> int:
        """Room for the card's lines: heading, headline, ``lines`` lines of explanation and of
        the reason (when the level differs), time and level, the rule, and the buttons."""
        return (8 + self.s(20) + self.s(30) + lines * self.s(19) + self.s(19)
                + self.s(18) + (self.s(26) if self.room else self.s(44)) + 8)

    def _place_card(self, lines: int) -> None:
        """Fit the card (and move its buttons) to the lines it has to show this frame."""
        h = self.card_height(lines)
        if h == self.card_rect.h:
            return
        self.card_rect = pygame.Rect(self.card_rect.x, self.map_rect.bottom - h - 10,
                                     self.card_rect.w, h)
        for name, _label in CARD_BUTTONS:
            b = self.buttons.get(name)
            if b is not None:
                b.set_relative_position((b.rect.x, self.card_rect.bottom - self.s(44)))

    def _top_items(self, worst: bool = False) -> list[tuple[str, tuple[int, int, int]]]:
        """What the top bar says, in order (``worst``: the widest it can get, for layout)."""
        live, s = self.live, self.live.session
        state = (_("ENDED") if s.finished else _("PAUSED") if live.paused
                 else _("RUNNING {speed}x").format(speed=f"{live.speed:g}"))
        items: list[tuple[str, tuple[int, int, int]]] = [
            (f"{clock(s.now)} / {clock(s.duration)}", th.TEXT),
            (max((_("ENDED"), _("PAUSED"), _("RUNNING {speed}x").format(speed="60")),
                 key=lambda t: th.font(self.s(16)).size(t)[0]) if worst else state,
             th.TONES["warn"] if live.paused else th.CIVILIAN),
        ]
        if self.replay:
            items.append((_("REPLAY"), th.TONES["ai"]))
        if self.room and not worst:
            items.append((_("ROOM VIEW"), th.TONES["ai"]))
        if live.truth:
            items.append((_("TRUTH VIEW"), th.WRONG))
        snap = live.snapshot
        if not snap["comms_up"]:
            items.append((_("COMMS DOWN"), th.HOSTILE))
        lv = snap["levels"]
        items.append((_("autonomy") + " " + " ".join(f"{_(name)} {10 if worst else lv[name]}"
                                                     for name in lv), th.DIM))
        # (worst: the widest this can get with the flags in force now, so a level slider
        # moving from 9 to 10 does not change the layout)
        items.append((_("AI reliability {value:.2f}").format(value=snap["ai_reliability"]),
                      th.DIM))
        if live.truth:
            items.append((_("actual accuracy {value:.2f}").format(value=snap["ai_accuracy"]),
                          th.ACCURACY))
        slow = not live.paused and live.effective_speed < 0.8 * live.speed and self.frames > 30
        if slow and not worst:  # last, and left out when it does not fit
            items.append((_("(simulation keeps up at {speed}x)").format(
                speed=f"{live.effective_speed:.0f}"), th.DIM))
        return items

    def _top_flow(self, items: list[tuple[str, tuple[int, int, int]]], w: int,
                  title_w: int | None = None) -> list[tuple[int, int]]:
        """(row, x) of the title and each item; the title takes ``title_w`` (by default the
        least it is given: the rows are planned with that, and it grows into what is left)."""
        f = th.font(self.s(16), True)
        widths = [f.size(text)[0] for text, _c in items]
        full = f.size(self.live.session.scenario.title)[0]
        if title_w is None:
            title_w = min(full, self.s(140))
        return flow([title_w, *widths], w - 4, self.s(18) - 4)

    def _title_width(self, items: list[tuple[str, tuple[int, int, int]]], w: int) -> int:
        """The title's width: its least plus whatever the first row leaves free."""
        f = th.font(self.s(16), True)
        places = self._top_flow(items, w)
        least = min(f.size(self.live.session.scenario.title)[0], self.s(140))
        first = [i for i, (row, _x) in enumerate(places[1:]) if row == 0]
        end = (places[first[-1] + 1][1] + f.size(items[first[-1]][0])[0]) if first else least
        free = max(0, w - 4 - (self.s(18) - 4) - end)
        return min(f.size(self.live.session.scenario.title)[0], least + free)

    def _top_rows(self, w: int) -> int:
        return self._top_flow(self._top_items(worst=True), w)[-1][0] + 1

    def build_ui(self) -> None:
        """(Re)create every widget for the current window size and font scale."""
        self.layout()
        size = self.screen.get_size()
        self.manager = pygame_gui.UIManager(size, th.gui_theme(self.scale))
        m = self.manager
        self.buttons.clear()
        self.sliders.clear()
        self.slider_labels.clear()
        self.inject_buttons.clear()
        top = self.console_rect.y
        for name, label, rect in self._plan["controls"]:
            self.buttons[name] = UIButton(rect.move(0, top), label, manager=m)
        sess = self.live.session
        for name, label_box, slider_box in self._plan["sliders"]:
            self.slider_labels[name] = label_box.move(0, top)
            r = slider_box.move(0, top)
            if name == "scrub":
                self.sliders[name] = UIHorizontalSlider(
                    r, float(sess.now), (0.0, float(sess.duration)), manager=m,
                    click_increment=10.0)
            elif name == "reliability":
                self.sliders[name] = UIHorizontalSlider(
                    r, round(sess.ai_reliability, 2), (0.0, 1.0), manager=m, click_increment=0.05)
            else:
                self.sliders[name] = UIHorizontalSlider(
                    r, int(sess.levels[name]), (1, 10), manager=m, click_increment=1)
        self._levels_seen = dict(sess.levels)
        for label, kind, params, rect in self._plan["injects"]:
            self._inject_button(label, kind, params, rect.move(0, top))
        if self.injects_in_menu:
            self._build_inject_menu()
        # the operator seat card's buttons
        c = self.card_rect
        bw = (c.w - 4 * 10) // 3
        by = c.bottom - self.s(44)
        for i, (name, label) in enumerate(CARD_BUTTONS):
            r = pygame.Rect(c.x + 10 + i * (bw + 10), by, bw, self.s(36))
            b = UIButton(r, th.fit_text(_(label), self.s(18), bw - 8, True), manager=m,
                         object_id=ObjectID(object_id=f"#{name}"))
            self.buttons[name] = b
        self._sync_widgets(force=True)

    def _inject_button(self, label: str, kind: str, params: dict[str, Any], rect: pygame.Rect
                       ) -> UIButton:
        index = params.pop("_index", None)
        tip = (_("scenario inject {i}: fire it now").format(i=index) if index is not None
               else None)
        b = UIButton(rect, label, manager=self.manager, tool_tip_text=tip)
        self.inject_buttons[b] = (kind, params)
        return b

    def _build_inject_menu(self) -> None:
        """The injects pop-up over the map's top left: a heading and the buttons in rows."""
        gap, bh = self.gap, self.bh
        items = self._inject_items()
        width = max(min(self.map_rect.w - 20, self.s(560)),
                    max(self._bw(label) for label, _k, _p in items) + 2 * gap)
        width = min(width, self.map_rect.w - 20)
        widths = [min(self._bw(label), width - 2 * gap) for label, _k, _p in items]
        places = flow(widths, width, gap)
        head_h = self.s(26)
        rows = places[-1][0] + 1
        self.menu_rect = pygame.Rect(self.map_rect.x + 10, self.map_rect.y + 10, width,
                                     head_h + rows * (bh + gap) + gap)
        for (label, kind, params), (row, x), wd in zip(items, places, widths, strict=True):
            r = pygame.Rect(self.menu_rect.x + x, self.menu_rect.y + head_h + gap
                            + row * (bh + gap), wd, bh)
            self._inject_button(th.fit_text(label, self.s(15), wd - self.s(20)), kind, params, r)

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
            self.live.say(_("no decision is waiting for you"))
        else:
            self.live.decide(card["decision"], choice, card["operator"])
            if self.overlay is not None and self.overlay.name == "inspect":
                self.overlay = None

    def inspect(self) -> None:
        """Open the card's evidence: the AI's explanation, the sensor picture and the AI's
        reasons, beside the card (its time counts as verification until the answer)."""
        card = self.top_card()
        if card is None:
            self.live.say(_("no decision is waiting for you"))
            return
        if self.inspected is not None and self.inspected[0] == card["decision"] and \
                card.get("inspected"):
            # already open on this card: show or hide what was learnt, no second input
            self.overlay = None if self.overlay is not None else Overlay(
                "inspect", inspect_lines(self.inspected[1], card))
            return
        info = self.live.inspect(card["decision"], card["operator"])
        if info is not None:
            self.map.selected = card["track"]
            self.inspected = (card["decision"], info)
            self.overlay = Overlay("inspect", inspect_lines(info, card))
            self.live.say(_("inspecting track {track}: the time until you answer counts as "
                            "verification").format(track=card["track"]))

    def toggle_truth(self) -> None:
        self.live.truth = not self.live.truth
        self.live.say(_("truth view ON: ground truth is shown (facilitator only)")
                      if self.live.truth else _("truth view off"))

    def toggle_room(self) -> None:
        """The room view for the projector: no console, no card buttons, and the truth off
        until the facilitator presses T."""
        self.room = not self.room
        if self.room:
            self.live.truth = False
            self.inject_menu = False
        self.map.forget_symbols()
        self.build_ui()
        self.live.say(_("room view: V brings the console back") if self.room
                      else _("facilitator view"))

    def toggle_legend(self) -> None:
        self.map.show_legend = not self.map.show_legend

    def toggle_inject_menu(self) -> None:
        if self.injects_in_menu:
            self.inject_menu = not self.inject_menu
            if self.inject_menu:
                self.overlay = None

    def speed_step(self, direction: int) -> None:
        speeds = list(SPEEDS)
        current = min(range(len(speeds)), key=lambda i: abs(speeds[i] - self.live.speed))
        self.live.set_speed(speeds[max(0, min(len(speeds) - 1, current + direction))])
        self.live.say(_("speed {speed}x").format(speed=f"{self.live.speed:g}"))

    def open_overlay(self, name: str) -> None:
        if self.overlay is not None and self.overlay.name == name:
            self.overlay = None
            return
        self.inject_menu = False
        if name == "debrief":
            self.overlay = Overlay(name, debrief_lines(self.live))
        elif name == "explain":
            self.overlay = Overlay(name, explain_lines(self.live.session, self.map.selected,
                                                       self.live.truth))
        elif name == "briefing":
            self.overlay = briefing_overlay(self.live.session.scenario)
        elif name == "help":
            self.overlay = Overlay(name, help_lines())

    def toggle_fonts(self) -> None:
        self.large = not self.large
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
        self.live.say(_("screenshot saved: {path}").format(path=path))
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
            "inspect": self.inspect, "room": self.toggle_room, "legend": self.toggle_legend,
            "injects": self.toggle_inject_menu,
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
                self.inject_menu = False
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
            self.inject_menu = False
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
        elif k == pygame.K_v:
            self.toggle_room()
        elif k == pygame.K_k:
            self.toggle_legend()
        elif k == pygame.K_j:
            self.toggle_inject_menu()
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

    def card_visible(self) -> bool:
        """The card (and its buttons) is shown: a card waits, no full overlay or pop-up covers
        the map (Inspect keeps the card in view)."""
        covered = self.inject_menu or (self.overlay is not None
                                       and self.overlay.name != "inspect")
        return not covered and self.top_card() is not None

    def _sync_widgets(self, force: bool = False) -> None:
        live = self.live
        if "play" in self.buttons:
            self.buttons["play"].set_text(_("Pause (Space)") if not live.paused
                                          else _("Play (Space)"))
        show_card_buttons = not self.replay and not self.room and self.card_visible()
        if self.overlay is not None and self.overlay.name == "inspect" and (
            self.top_card() is None or self.inspected is None
            or self.top_card()["decision"] != self.inspected[0]  # type: ignore[index]
        ):
            self.overlay = None  # the card it belonged to is answered or gone
        for name, _label in CARD_BUTTONS:
            b = self.buttons[name]
            if show_card_buttons and not b.visible:
                b.show()
            elif not show_card_buttons and b.visible:
                b.hide()
        if self.injects_in_menu:
            for b in self.inject_buttons:
                if self.inject_menu and not b.visible:
                    b.show()
                elif not self.inject_menu and b.visible:
                    b.hide()
        if "scrub" in self.sliders:
            sl = self.sliders["scrub"]
            held = sl.sliding_button is not None and sl.sliding_button.held
            if live.scrub_target is None and not held:
                sl.set_current_value(min(float(live.session.now), live.session.duration))
            return
        if not self.sliders:
            return
        levels = live.session.levels
        if force or levels != self._levels_seen:
            for action in action_names():
                if action not in self._pending_sliders and action in self.sliders:
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
            if self._top_rows(self.screen.get_width()) != self.top_rows:
                self.build_ui()  # a flag (truth view, comms down) needs another top row
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
        text = _("error") + f": {type(error).__name__}: {error}"
        self.live.say(text + " " + _("(the session is safe; see the error log)"), error=True,
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
        text = self.text
        text.begin_frame()
        scr.fill(th.BG)
        self.panels.hide_truth = self.room and not self.live.truth
        self.map.draw(scr, self.live)
        self.panels.draw(scr, self.panel_rect, self.live, self.scale)
        self._draw_top()
        self._draw_alerts()
        overlay = self.overlay
        if overlay is not None and overlay.name != "inspect":
            overlay.draw(scr, self.body_rect, text, self.scale)
        elif self.inject_menu:
            self._draw_menu()
        else:
            if self.replay:
                if self.live.my_pending():
                    self._draw_card(read_only=True)
            else:
                self._draw_card()
            if overlay is not None:  # inspect: beside the card, above it on the map
                area = pygame.Rect(self.map_rect.x + 10, self.map_rect.y + 10,
                                   self.map_rect.w - 20, self.card_rect.y - self.map_rect.y - 20)
                overlay.draw(scr, area.inflate(40, 40), text, self.scale)
        if self.console_h:
            pygame.draw.rect(scr, th.PANEL, self.console_rect)
            pygame.draw.line(scr, th.PANEL_EDGE, self.console_rect.topleft,
                             self.console_rect.topright)
            text.occlude(self.console_rect)
            self._draw_slider_labels()
        assert self.manager is not None
        self.manager.draw_ui(scr)
        self._draw_status()

    def _draw_menu(self) -> None:
        r = self.menu_rect
        self.text.occlude(r)
        pygame.draw.rect(self.screen, (16, 22, 34), r, border_radius=6)
        pygame.draw.rect(self.screen, th.TONES["warn"], r, 2, border_radius=6)
        size = self.s(15)
        self.text.blit(self.screen, th.fit_text(_("Injects: fire one now (J or Esc closes)"),
                                                size, r.w - 20, True),
                       size, (r.x + 10, r.y + 4), th.TONES["warn"], True, within=r)

    def _draw_top(self) -> None:
        r = pygame.Rect(0, 0, self.screen.get_width(), self.top_h)
        pygame.draw.rect(self.screen, th.PANEL, r)
        size = self.s(16)
        items = self._top_items()
        title_w = self._title_width(items, r.w)
        places = self._top_flow(items, r.w, title_w)
        title = th.fit_text(self.live.session.scenario.title, size, title_w, True)
        f = th.font(size, True)
        for (text, colour), (row, x) in zip([(title, th.TEXT), *items], places, strict=True):
            if row >= self.top_rows:
                break
            y = self.s(4) + row * self.line_h + (self.line_h - f.get_height()) // 2
            self.text.blit(self.screen, text, size, (x, y), colour, bold=colour is th.TEXT,
                           within=r)

    def _draw_alerts(self) -> None:
        alerts = self.live.active_alerts()
        y = self.map_rect.y + 8
        size = self.s(16)
        f = th.font(size, True)
        width = self.map_rect.w - 40
        for alert in alerts[-3:]:
            lines = wrapped(alert, size, width, True)
            h = len(lines) * f.get_linesize()
            box = pygame.Rect(0, 0, max(f.size(t)[0] for t in lines) + 20, h + 8)
            box.midtop = (self.map_rect.centerx, y)
            if box.bottom > self.map_rect.bottom:
                break
            self.text.occlude(box)
            pygame.draw.rect(self.screen, th.TONES["warn"], box, border_radius=4)
            ly = box.y + 4
            for line in lines:
                lw = f.size(line)[0]
                self.text.blit(self.screen, line, size, (box.centerx - lw // 2, ly), (20, 16, 0),
                               True, within=box, layer="alert")
                ly += f.get_linesize()
            y += box.h + 4

    def _headline(self, card: dict[str, Any]) -> tuple[str, tuple[int, int, int]]:
        """The card's headline: whose proposal it is and what the AI said, in that order. An
        operator's own flag is never headlined as an AI recommendation."""
        action = _(card["action"]).upper()  # the action in the room's words
        shown = card.get("advice_shown", True)
        ai = (_("AI: {label} ({confidence:.0%})").format(label=_(card["label"]),
                                                         confidence=card["confidence"])
              if shown else _("no AI assessment"))
        own_flag = card.get("human_initiated") or (
            card.get("purpose") == "review" and card["level"] <= 4)
        if card.get("purpose") == "screening":
            # Levels 1-4: the person's own call; at level 1 there is no AI call to show.
            return _("YOUR CALL: {action} this track?  {ai}").format(action=action, ai=ai), th.TEXT
        if own_flag:  # the label is the operator's call; the AI did not recommend this
            return _("OPERATOR'S FLAG: {action} proposed by the operator, not the AI").format(
                action=action), th.TEXT
        if not shown:
            return _("{action} proposed: no AI assessment").format(action=action), th.TEXT
        colour = th.HOSTILE if card["label"] == "hostile" else th.CIVILIAN
        return _("AI recommends {action}: {label} ({confidence:.0%} confidence)").format(
            action=action, label=_(card["label"]), confidence=card["confidence"]), colour

    def _draw_card(self, read_only: bool = False) -> None:
        live = self.live
        pending = live.my_pending()
        r = self.card_rect
        text, scr = self.text, self.screen
        if not pending:
            if not live.human_seat_ops:
                return
            size = self.s(14)
            msg = th.fit_text(_("operator seat: no decision waiting"), size, r.w - 8)
            text.occlude(pygame.Rect(r.x, r.bottom - self.s(22), r.w, self.s(22)))
            text.blit(scr, msg, size, (r.x + 4, r.bottom - self.s(20)), th.DIM, within=r)
            return
        card = pending[0]
        inner = r.w - 24
        reason = card.get("level_reason")
        reason_lines: list[str] = []
        if reason:
            size = self.s(14)
            reason_lines = list(wrapped(_("Why level {level}: {reason}").format(
                level=card["level"], reason=reason), size, inner))
            if len(reason_lines) > 3:
                reason_lines = [*reason_lines[:2],
                                th.fit_text(" ".join(reason_lines[2:]), size, inner)]
        size = self.s(15)
        lines = list(wrapped(f"\"{card['explanation']}\"", size, inner))
        if len(lines) > 2:
            lines = [lines[0], th.fit_text(" ".join(lines[1:]), size, inner)]
        self._place_card(len(lines) + len(reason_lines))
        r = self.card_rect
        text.occlude(r)
        shade = pygame.Surface(r.size, pygame.SRCALPHA)
        shade.fill((16, 22, 34, 240))
        scr.blit(shade, r.topleft)
        left = live.time_left(card)
        urgent = left is not None and left < 5
        pygame.draw.rect(scr, th.TONES["alarm"] if urgent else th.TONES["ai"], r, 3,
                         border_radius=6)
        x, y = r.x + 12, r.y + 8
        seat = _("operator") if card["operator"] == 0 else f"operator/{card['operator']}"
        head = _("DECISION #{decision}  track {track}  seat {seat}").format(
            decision=card["decision"], track=card["track"], seat=seat)
        if len(pending) > 1:
            head += "   " + _("(+{n} more waiting)").format(n=len(pending) - 1)
        size = self.s(14)
        text.blit(scr, th.fit_text(head, size, inner), size, (x, y), th.DIM, within=r)
        y += self.s(20)
        rec, colour = self._headline(card)
        size = self.s(21)
        while size > 12 and th.font(size, True).size(rec)[0] > inner:
            size -= 1
        text.blit(scr, th.fit_text(rec, size, inner, True), size, (x, y), colour, True,
                  within=r)
        y += self.s(30)
        size = self.s(15)
        for line in lines:
            text.blit(scr, line, size, (x, y), th.TEXT, within=r)
            y += self.s(19)
        size = self.s(14)
        for part in reason_lines:
            text.blit(scr, part, size, (x, y), th.TONES["ai"], within=r)
            y += self.s(19)
        protocol = card["protocol"]
        if protocol == "veto":
            rule = _("the AI EXECUTES when the window closes unless you reject")
        elif protocol == "approval":
            rule = _("nothing happens unless you approve")
        else:
            rule = _("you decide (level 1-4); no answer means no action")
        left_text = (_("time left: n/a") if left is None
                     else _("time left: {s:.0f} s").format(s=left))
        info = _("{left}   level {level} ({protocol})").format(
            left=left_text, level=card["level"],
            protocol=_(PROTOCOL_WORDS.get(protocol, protocol)))
        if card.get("configured_level") not in (None, card["level"]):
            info += "   " + _("(set: {level})").format(level=card["configured_level"])
        if card.get("inspected"):
            info += "   " + _("inspected")
        size = self.s(15)
        text.blit(scr, th.fit_text(info, size, inner, True), size, (x, y),
                  th.TONES["alarm"] if urgent else th.TONES["warn"], True, within=r)
        y += self.s(19)
        size = self.s(13)
        text.blit(scr, th.fit_text(rule, size, inner), size, (x, y), th.DIM, within=r)
        if read_only or self.room:
            size = self.s(14)
            note = (_("(replay: the recorded answer will follow)") if read_only
                    else _("(keys A / R / I answer; V shows the console)"))
            text.blit(scr, th.fit_text(note, size, inner), size,
                      (x, r.bottom - self.s(20) - 4), th.DIM, within=r)

    def _draw_slider_labels(self) -> None:
        live = self.live
        for name, rect in self.slider_labels.items():
            if name == "scrub":
                label = _("timeline {t}").format(t=clock(live.session.now))
            elif name == "reliability":
                pending = self._pending_sliders.get(name)
                value = pending[0] if pending else live.session.ai_reliability
                label = _("AI reliability {value:.2f}").format(value=value)
            else:
                pending = self._pending_sliders.get(name)
                value = pending[0] if pending else live.session.levels[name]
                label = _("{action} L{level}").format(action=_(name), level=round(value))
            size = self.s(15)
            label = th.fit_text(label, size, rect.w - 8)
            h = th.font(size).get_height()
            self.text.blit(self.screen, label, size, (rect.x + 4, rect.centery - h // 2),
                           th.TEXT, within=rect)

    def _draw_status(self) -> None:
        r = self.status_rect
        pygame.draw.rect(self.screen, (10, 12, 18), r)
        text = self.live.status_text()
        colour = th.TONES["alarm"] if text.startswith(_("error")) else th.TEXT
        if not text:
            path = self.live.writer.path if self.live.writer is not None else None
            text = (_("H help") + "   " + (_("session file: {path}").format(path=path) if path
                                           else (_("replay (read-only)") if self.replay
                                                 else _("not recorded"))))
            colour = th.DIM
        size = self.s(14)
        self.text.blit(self.screen, th.fit_text(text, size, r.w - 16), size, (8, r.y + 3),
                       colour, within=r)
