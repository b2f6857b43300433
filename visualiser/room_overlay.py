"""The room on the facilitator's screen (``hmt-sim play --serve``): who is connected, each
seat's QR code and link; and the pygame loop as the room's clock owner.

``ServedRun`` is the visualiser's ``LiveRun`` that also applies the inputs seats send (queued by
the web server's thread, applied here, in the thread that owns the session) and publishes the
seats' views after each frame. ``RoomApp`` is the visualiser's ``App`` with a seats overlay
(F2). The facilitator's link is never drawn: the screen may be on the projector.
"""

from __future__ import annotations

import io
from typing import Any

import pygame

from hmt_sim.i18n import _, ngettext
from hmt_sim.room import qr
from hmt_sim.room.core import Room
from visualiser import theme as th
from visualiser.app import App
from visualiser.controller import LiveRun

QR_PX = 132


class ServedRun(LiveRun):
    """A ``LiveRun`` that is also the room's clock owner: seats' inputs are applied at the
    start of each frame, views published at its end."""

    def __init__(self, room: Room, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.room = room

    def tick(self, wall_dt: float) -> None:
        """Apply queued seat inputs, advance as usual, publish the seats' views."""
        if self.room.pump(self):
            self.refresh()
        super().tick(wall_dt)
        self.room.publish(self)

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
        self._codes: dict[str, pygame.Surface] = {}

    def toggle(self) -> None:
        """Show or hide the panel (F2)."""
        self.visible = not self.visible

    def _code(self, link: str) -> pygame.Surface:
        if link not in self._codes:
            image = pygame.image.load(io.BytesIO(qr.png(link, scale=4)), "qr.png")
            self._codes[link] = pygame.transform.scale(image, (QR_PX, QR_PX))
        return self._codes[link]

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

    def draw(self, screen: pygame.Surface, scale: float = 1.0) -> None:
        """Draw the panel over the screen's centre (as many seats as fit, in columns)."""
        if not self.visible:
            return
        rows = self.rows()
        w, h = screen.get_size()
        pad = int(12 * scale)
        title_f, text_f, small_f = (th.font(int(20 * scale), True), th.font(int(15 * scale)),
                                    th.font(int(11 * scale)))
        cell_w, cell_h = QR_PX + int(220 * scale), QR_PX + 2 * pad
        cols = max(1, min(len(rows), (w - 4 * pad) // (cell_w + pad)))
        fit_rows = max(1, (h - 8 * pad - title_f.get_height()) // (cell_h + pad))
        shown = rows[:cols * fit_rows]
        nrows = max(1, -(-len(shown) // cols))
        box = pygame.Rect(0, 0, cols * (cell_w + pad) + pad,
                          nrows * (cell_h + pad) + 3 * pad + title_f.get_height())
        box.center = (w // 2, h // 2)
        pygame.draw.rect(screen, th.PANEL, box, border_radius=8)
        pygame.draw.rect(screen, th.PANEL_EDGE, box, 1, border_radius=8)
        title = _("Room: join links (F2 hides)")
        if len(shown) < len(rows):
            more = len(rows) - len(shown)
            title += " · " + ngettext("{n} more seat on the facilitator page",
                                      "{n} more seats on the facilitator page", more).format(
                n=more)
        screen.blit(title_f.render(title, True, th.TEXT), (box.x + pad, box.y + pad))
        top = box.y + 2 * pad + title_f.get_height()
        for i, (name, status, link) in enumerate(shown):
            x = box.x + pad + (i % cols) * (cell_w + pad)
            y = top + (i // cols) * (cell_h + pad)
            screen.blit(self._code(link), (x, y))
            tx = x + QR_PX + pad
            screen.blit(text_f.render(name, True, th.TEXT), (tx, y))
            ok = not status.startswith(_("not connected"))
            screen.blit(small_f.render(status, True, th.CIVILIAN if ok else th.DIM),
                        (tx, y + text_f.get_height() + 4))
            path = link.split("//", 1)[-1]
            host, _sep, rest = path.partition("?")
            for j, part in enumerate((host, "?" + rest)):
                part = th.fit_text(part, int(11 * scale), cell_w - QR_PX - 2 * pad)
                screen.blit(small_f.render(part, True, th.DIM),
                            (tx, y + text_f.get_height() + 8 + (j + 1) * small_f.get_height()))


class RoomApp(App):
    """The visualiser with the room's seats overlay (F2 shows and hides it)."""

    def __init__(self, live: ServedRun, *args: Any, **kwargs: Any) -> None:
        super().__init__(live, *args, **kwargs)
        self.room_overlay = RoomOverlay(live.room)

    def _key(self, event: pygame.event.Event) -> None:
        if event.key == pygame.K_F2:
            self.room_overlay.toggle()
            return
        super()._key(event)

    def draw(self) -> None:
        """The screen as usual, then the seats overlay when shown."""
        super().draw()
        self.room_overlay.draw(self.screen, self.scale)
