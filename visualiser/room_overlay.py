"""The room on the facilitator's screen (``hmt-sim play --serve``): who is connected, each
seat's QR code and link; and the pygame loop as the room's clock owner.

``ServedRun`` is the visualiser's ``LiveRun`` that also applies the inputs seats send (queued by
the web server's thread, applied here, in the thread that owns the session) and publishes the
seats' views after each frame. ``RoomApp`` is the visualiser's ``App`` with a seats overlay
(F2): digits choose a seat, M types a message to it, N gives it a new link; Space pauses every
seat as before. The facilitator's link is never drawn: the screen may be on the projector.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import pygame

from hmt_sim.i18n import _, ngettext
from hmt_sim.room import qr
from hmt_sim.room.core import Room
from visualiser import theme as th
from visualiser.app import App
from visualiser.controller import LiveRun

if TYPE_CHECKING:
    from hmt_sim.session import Session
    from hmt_sim.sessionfile import SessionWriter

QR_PX = 132


class ServedRun(LiveRun):
    """A ``LiveRun`` that is also the room's clock owner: seats' inputs are applied at the
    start of each frame, views published at its end."""

    def __init__(self, room: Room, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.room = room

    @classmethod
    def open(cls, room: Room, session: Session, writer: SessionWriter | None, resumed: bool
             ) -> ServedRun:
        """The console of ``play --serve``: a resumed room runs at the speed last set (by key
        here or on the facilitator's page), as ``serve --resume`` does."""
        served = cls(room, session, writer, auto_slow=False)
        if resumed and room.keys.speed:
            served.set_speed(room.keys.speed)
        return served

    def tick(self, wall_dt: float) -> None:
        """Apply queued seat inputs, advance as usual, publish the seats' views."""
        if self.room.pump(self):
            self.refresh()
        super().tick(wall_dt)
        self.room.publish(self, snapshot=self.snapshot)  # taken by tick's refresh

    def set_speed(self, speed: float) -> None:
        """Set the clock's speed from the keyboard and keep it beside the room's tokens, so
        ``play --serve --resume`` (or ``serve --resume``) runs at it again."""
        super().set_speed(speed)
        self.room.remember_speed(self.speed)

    def close(self) -> None:
        """Answer what is still queued, then close the session file."""
        self.room.pump(self)
        self.room.stopped.set()
        super().close()


class RoomOverlay:
    """The seats panel: connection, cards waiting, QR code and link per seat (and red)."""

    def __init__(self, room: Room) -> None:
        self.room = room
        self.visible = False
        self.selected = 0  # 0: every seat (for a message); N: seat N
        self.typing: str | None = None  # a message being typed, or None
        self.notice = ""
        self._codes: dict[tuple[str, int], pygame.Surface] = {}

    def toggle(self) -> None:
        """Show or hide the panel (F2)."""
        self.visible = not self.visible

    def key(self, event: pygame.event.Event) -> bool:
        """Handle a key while the panel is shown; True when it was the panel's. Digits choose
        a seat (0: every seat), M types a message (Enter sends, Esc cancels), N gives the
        chosen seat a new link."""
        if not self.visible:
            return False
        k = event.key
        if self.typing is not None:
            if k in (pygame.K_RETURN, pygame.K_KP_ENTER):
                text = self.typing.strip()
                self.typing = None
                if text:
                    self.room.submit("facilitator", {"kind": "message", "seat": self.selected,
                                                     "text": text[:280]})
                    self.notice = _("message sent")
            elif k == pygame.K_ESCAPE:
                self.typing = None
            elif k == pygame.K_BACKSPACE:
                self.typing = self.typing[:-1]
            elif event.unicode and event.unicode.isprintable() and len(self.typing) < 280:
                self.typing += event.unicode
            return True
        if pygame.K_0 <= k <= pygame.K_9:
            n = k - pygame.K_0
            if n == 0 or n in self.room.seats:
                self.selected = n
            return True
        if k == pygame.K_m:
            self.typing = ""
            return True
        if k == pygame.K_n:
            if not self.selected:
                self.notice = _("Choose a seat first (1-9).")
                return True
            self.room.submit("facilitator", {"kind": "reassign", "seat": self.selected})
            self.notice = _("Seat {n} has a new link; the old one no longer works.").format(
                n=self.selected)
            return True
        return False

    def _code(self, link: str, px: int) -> pygame.Surface:
        if (link, px) not in self._codes:
            image = pygame.image.load(io.BytesIO(qr.png(link, scale=4)), "qr.png")
            self._codes[(link, px)] = pygame.transform.scale(image, (px, px))
        return self._codes[(link, px)]

    def rows(self) -> list[tuple[str, str, str]]:
        """(title, status, link) per seat, then the red cell."""
        view = self.room.view("facilitator") or {"seats": [], "red": None}
        out = []
        for s in view["seats"]:
            status = (_("connected") if s["connected"] else _("not connected")) + " · " + \
                ngettext("{n} card waiting", "{n} cards waiting", s["cards"]).format(n=s["cards"])
            out.append((_("Seat {n}").format(n=s["seat"]) + f" ({s['operator']})", status,
                        s["link"]))
        if view.get("red"):
            red = view["red"]
            out.append((_("Red cell"), _("connected") if red["connected"]
                        else _("not connected"), red["link"]))
        return out

    def draw(self, screen: pygame.Surface, area: pygame.Rect, text: th.TextCache,
             scale: float = 1.0) -> None:
        """Draw the panel in the middle of ``area`` (as many seats as fit, in columns), every
        text through ``text`` so the layout test sees it; texts it covers are forgotten."""
        if not self.visible:
            return
        rows = self.rows()
        pad, qr_px = round(12 * scale), max(QR_PX, round(QR_PX * scale))
        title_s, text_s, small_s = round(20 * scale), round(15 * scale), round(11 * scale)
        title_h, text_h, small_h = (th.font(title_s, True).get_height(),
                                    th.font(text_s).get_height(), th.font(small_s).get_height())
        cell_w = min(qr_px + round(220 * scale), area.w - 2 * pad)
        cell_h = max(qr_px, text_h + 8 + 3 * small_h)
        foot = 2 * (text_h + 4)
        cols = max(1, min(len(rows), (area.w - pad) // (cell_w + pad)))
        fit_rows = max(1, (area.h - 4 * pad - title_h - foot) // (cell_h + pad))
        shown = rows[:cols * fit_rows]
        nrows = max(1, -(-len(shown) // cols))
        box = pygame.Rect(0, 0, min(area.w, cols * (cell_w + pad) + pad),
                          min(area.h, nrows * (cell_h + pad) + 3 * pad + title_h + foot))
        box.center = area.center
        text.occlude(box)
        pygame.draw.rect(screen, th.PANEL, box, border_radius=8)
        pygame.draw.rect(screen, th.PANEL_EDGE, box, 1, border_radius=8)
        title = _("Room: join links (F2 hides)")
        if len(shown) < len(rows):
            more = len(rows) - len(shown)
            title += " · " + ngettext("{n} more seat on the facilitator page",
                                      "{n} more seats on the facilitator page", more).format(
                n=more)
        text.blit(screen, th.fit_text(title, title_s, box.w - 2 * pad, True), title_s,
                  (box.x + pad, box.y + pad), th.TEXT, True, within=box)
        top = box.y + 2 * pad + title_h
        for i, (name, status, link) in enumerate(shown):
            x = box.x + pad + (i % cols) * (cell_w + pad)
            y = top + (i // cols) * (cell_h + pad)
            cell = pygame.Rect(x, y, cell_w, cell_h)
            if i + 1 == self.selected and i < len(self.room.seats):
                pygame.draw.rect(screen, th.UNKNOWN, cell.inflate(8, 8), 2)
            screen.blit(self._code(link, qr_px), (x, y))
            tx, tw = x + qr_px + pad, cell_w - qr_px - pad
            text.blit(screen, th.fit_text(name, text_s, tw), text_s, (tx, y), th.TEXT,
                      within=cell)
            ok = not status.startswith(_("not connected"))
            text.blit(screen, th.fit_text(status, small_s, tw), small_s,
                      (tx, y + text_h + 4), th.CIVILIAN if ok else th.DIM, within=cell)
            host, _sep, rest = link.split("//", 1)[-1].partition("?")
            for j, part in enumerate((host, "?" + rest)):
                text.blit(screen, th.fit_text(part, small_s, tw), small_s,
                          (tx, y + text_h + 8 + (j + 1) * small_h), th.DIM, within=cell)
        to = _("every seat") if not self.selected else _("Seat {n}").format(n=self.selected)
        if self.typing is not None:
            line = _("Message to {to}: {text}").format(to=to, text=self.typing) + "_"
        else:
            line = _("1-9: choose a seat (0: every seat) · M: message {to} · N: new link for "
                     "the chosen seat").format(to=to)
        fy = box.bottom - foot - pad // 2
        for text_, colour in ((line, th.TEXT), (self.notice, th.DIM)):
            text.blit(screen, th.fit_text(text_, text_s, box.w - 2 * pad), text_s,
                      (box.x + pad, fy), colour, within=box)
            fy += text_h + 4


class RoomApp(App):
    """The visualiser with the room's seats overlay (F2 shows and hides it)."""

    def __init__(self, live: ServedRun, *args: Any, **kwargs: Any) -> None:
        self.room_overlay = RoomOverlay(live.room)  # before the App lays out the card
        super().__init__(live, *args, **kwargs)

    def _key(self, event: pygame.event.Event) -> None:
        if event.key == pygame.K_F2:
            self.room_overlay.toggle()
            return
        if self.room_overlay.key(event):
            return
        super()._key(event)

    def card_visible(self) -> bool:
        """The seats panel covers the map, and the card with it (as a full overlay does)."""
        return not self.room_overlay.visible and super().card_visible()

    def draw(self) -> None:
        """The screen as usual, then the seats overlay over the map and panels when shown."""
        super().draw()
        self.room_overlay.draw(self.screen, self.body_rect, self.text, self.scale)
