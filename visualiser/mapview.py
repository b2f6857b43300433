"""The map: projection with zoom and pan, a cached static layer, and contacts drawn in bulk.

The static layer (regions shaded by civilian density, protected sites, sensors, effector ranges,
the defended asset) is drawn once per view change. Contacts are projected with NumPy and blitted
from pre-rendered symbols in one ``Surface.blits`` call, so a thousand tracks stay cheap.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pygame

from hmt_sim.actions import is_lethal
from hmt_sim.i18n import _
from hmt_sim.scenario.schema import Scenario
from visualiser import theme as th

TRAILS_MAX = 300
LABELS_MAX = 150  # track numbers are drawn up to this many contacts (or when zoomed in)


class Projection:
    """World kilometres (origin south-west, north up) <-> pixels inside ``rect``."""

    def __init__(self, width_km: float, height_km: float, rect: pygame.Rect) -> None:
        self.width_km, self.height_km = width_km, height_km
        self.rect = pygame.Rect(rect)
        self.zoom = 1.0
        self.cx, self.cy = width_km / 2, height_km / 2

    @property
    def scale(self) -> float:
        """Pixels per km."""
        fit = min((self.rect.w - 16) / self.width_km, (self.rect.h - 16) / self.height_km)
        return max(1e-6, fit) * self.zoom

    def key(self) -> tuple[Any, ...]:
        return (tuple(self.rect), round(self.zoom, 6), round(self.cx, 6), round(self.cy, 6))

    def to_screen(self, x: float, y: float) -> tuple[int, int]:
        s = self.scale
        return (round(self.rect.centerx + (x - self.cx) * s),
                round(self.rect.centery - (y - self.cy) * s))

    def to_screen_many(self, xy: np.ndarray) -> np.ndarray:
        s = self.scale
        out = np.empty_like(xy)
        out[:, 0] = self.rect.centerx + (xy[:, 0] - self.cx) * s
        out[:, 1] = self.rect.centery - (xy[:, 1] - self.cy) * s
        return np.rint(out).astype(np.int32)

    def to_world(self, px: float, py: float) -> tuple[float, float]:
        s = self.scale
        return (self.cx + (px - self.rect.centerx) / s, self.cy - (py - self.rect.centery) / s)

    def zoom_at(self, factor: float, px: float, py: float) -> None:
        """Zoom keeping the world point under (px, py) fixed."""
        wx, wy = self.to_world(px, py)
        self.zoom = min(40.0, max(0.5, self.zoom * factor))
        s = self.scale
        self.cx = wx - (px - self.rect.centerx) / s
        self.cy = wy + (py - self.rect.centery) / s

    def pan(self, dx_px: float, dy_px: float) -> None:
        s = self.scale
        self.cx -= dx_px / s
        self.cy += dy_px / s

    def reset(self) -> None:
        self.zoom = 1.0
        self.cx, self.cy = self.width_km / 2, self.height_km / 2


def _symbol(label: str | None, size: int, truth: str | None = None) -> pygame.Surface:
    """A track symbol: hostile diamond, civilian square, unclassified circle, unseen dot."""
    d = size * 2 + 5
    surf = pygame.Surface((d, d), pygame.SRCALPHA)
    c = d // 2
    if label == "unseen":
        pygame.draw.circle(surf, th.UNSEEN, (c, c), max(2, size // 2))
    elif label == "hostile":
        pts = [(c, c - size), (c + size, c), (c, c + size), (c - size, c)]
        pygame.draw.polygon(surf, th.HOSTILE, pts)
        pygame.draw.polygon(surf, (20, 0, 0), pts, 1)
    elif label == "civilian":
        r = pygame.Rect(0, 0, int(size * 1.5), int(size * 1.5))
        r.center = (c, c)
        pygame.draw.rect(surf, th.CIVILIAN, r)
        pygame.draw.rect(surf, (0, 30, 0), r, 1)
    else:
        pygame.draw.circle(surf, th.UNKNOWN, (c, c), size - 1)
        pygame.draw.circle(surf, (40, 30, 0), (c, c), size - 1, 1)
    if truth is not None:
        colour = th.HOSTILE if truth == "hostile" else th.CIVILIAN
        pygame.draw.circle(surf, colour, (c, c), size + 2, 2)
    return surf


class MapView:
    """Draws one scenario's map into a rectangle of the window."""

    def __init__(self, scenario: Scenario, rect: pygame.Rect, text: th.TextCache,
                 scale: float = 1.0) -> None:
        self.sc = scenario
        self.proj = Projection(scenario.area.width_km, scenario.area.height_km, rect)
        self.text = text
        self.ui_scale = scale
        self._static: pygame.Surface | None = None
        self._static_key: tuple[Any, ...] | None = None
        self._symbols: dict[tuple[str | None, str | None], pygame.Surface] = {}
        self.selected: int | None = None
        self._screen_xy = np.zeros((0, 2), dtype=np.int32)
        self._screen_tracks: list[int] = []
        self.show_legend = True
        self._blits: list[tuple[pygame.Surface, tuple[int, int]]] = []
        self._blits_xy = np.zeros((0, 2), dtype=np.int32)
        self._blits_key: tuple[Any, ...] | None = None
        self._legend_cache: tuple[Any, pygame.Surface, list[tuple[pygame.Rect, str]]] | None = None
        self._static_boxes: list[tuple[pygame.Rect, str]] = []

    def set_rect(self, rect: pygame.Rect, scale: float) -> None:
        self.proj.rect = pygame.Rect(rect)
        if scale != self.ui_scale:
            self.ui_scale = scale
            self._symbols.clear()
            self._legend_cache = None

    def forget_symbols(self) -> None:
        """Drop the cached track symbols (the font scale changed: draw them anew)."""
        self._symbols.clear()
        self._legend_cache = None

    def symbol(self, label: str | None, truth: str | None) -> pygame.Surface:
        key = (label, truth)
        surf = self._symbols.get(key)
        if surf is None:
            surf = self._symbols[key] = _symbol(label, round(6 * self.ui_scale), truth)
        return surf

    # ----------------------------------------------------------------- labels
    def _place(self, text: str, size: int, anchor: tuple[int, int], gap: int,
               occupied: list[pygame.Rect], bounds: pygame.Rect, bold: bool = False
               ) -> tuple[int, int] | None:
        """Where to blit ``text`` near ``anchor`` so its ink overlaps nothing in ``occupied``
        and stays inside ``bounds``: right, left, above, below, then further out in steps of a
        line; None if there is no such place (the label is left out; the legend explains)."""
        ink = self.text.ink(text, size, bold)
        line = ink.h + 3
        ax, ay = anchor
        candidates = [(ax + gap - ink.x, ay - ink.centery),
                      (ax - gap - ink.right, ay - ink.centery),
                      (ax - ink.centerx, ay - gap - ink.bottom),
                      (ax - ink.centerx, ay + gap - ink.y)]
        for k in range(1, 6):
            for dy in (k * line, -k * line):
                candidates.append((ax + gap - ink.x, ay - ink.centery + dy))
                candidates.append((ax - gap - ink.right, ay - ink.centery + dy))
        for x, y in candidates:
            box = ink.move(x, y)
            if bounds.contains(box) and box.inflate(8, 2).collidelist(occupied) == -1:
                occupied.append(box)
                return x, y
        return None

    def legend_rect(self) -> pygame.Rect:
        """Where the legend goes: the map's top right corner (empty when it is hidden)."""
        if not self.show_legend:
            return pygame.Rect(0, 0, 0, 0)
        surf, _boxes = self._legend()
        r = surf.get_rect()
        r.topright = (self.proj.rect.right - 8, self.proj.rect.y + 8)
        if r.w > self.proj.rect.w // 2 or r.h > self.proj.rect.h - 16:
            return pygame.Rect(0, 0, 0, 0)  # no room at this size: K shows it when zoomed out
        return r

    def _legend(self) -> tuple[pygame.Surface, list[tuple[pygame.Rect, str]]]:
        """The legend as a surface and the ink boxes of its texts (relative to it): a few rows
        of symbol + word pairs, so it covers little of the map."""
        size = round(12 * self.ui_scale)
        head = _("Legend (K hides) - contacts by the AI's call")
        rows: list[list[tuple[str, str]]] = [
            [("hostile", _("hostile")), ("civilian", _("civilian")),
             ("unknown", _("not classified"))],
            [("unseen", _("undetected")), ("truth", _("true class (truth view)"))],
            [("site", _("protected site")), ("asset", _("defended asset"))],
            [("sensor", _("sensor")), ("engage", _("engage")), ("jam", _("jam")),
             ("range", _("range"))],
            [("region", _("region: amber = more people per km2"))],
        ]
        key = (size, head, tuple(t for row in rows for _k, t in row))
        if self._legend_cache is not None and self._legend_cache[0] == key:
            return self._legend_cache[1], self._legend_cache[2]
        f = th.font(size)
        icon = round(14 * self.ui_scale)
        lh = max(f.get_linesize(), icon) + 1
        pair_gap = round(12 * self.ui_scale)

        def row_w(row: list[tuple[str, str]]) -> int:
            return sum(icon + 5 + f.size(t)[0] for _k, t in row) + pair_gap * (len(row) - 1)

        width = max(max(row_w(r) for r in rows), th.font(size, True).size(head)[0]) + 16
        height = lh * (len(rows) + 1) + 8
        surf = pygame.Surface((width, height), pygame.SRCALPHA)
        surf.fill((12, 18, 28, 225))
        pygame.draw.rect(surf, th.PANEL_EDGE, surf.get_rect(), 1)
        boxes: list[tuple[pygame.Rect, str]] = []
        surf.blit(self.text.get(head, size, th.TEXT, True), (8, 4))
        boxes.append((self.text.ink(head, size, True).move(8, 4), head))
        r = max(3, round(5 * self.ui_scale))
        for i, row in enumerate(rows):
            y = 4 + lh * (i + 1)
            x = 8
            for kind, label in row:
                c = (x + icon // 2, y + lh // 2)
                _legend_icon(self, surf, kind, c, r)
                tx, ty = x + icon + 5, y + (lh - f.get_height()) // 2
                surf.blit(self.text.get(label, size, th.TEXT), (tx, ty))
                boxes.append((self.text.ink(label, size).move(tx, ty), label))
                x = tx + f.size(label)[0] + pair_gap
        self._legend_cache = (key, surf, boxes)
        return surf, boxes

    # ----------------------------------------------------------------- static layer
    def _draw_static(self) -> pygame.Surface:
        sc, p = self.sc, self.proj
        surf = pygame.Surface(p.rect.size)
        surf.fill(th.BG)
        off = pygame.Vector2(p.rect.topleft)
        bounds = pygame.Rect((0, 0), p.rect.size).inflate(-4, -4)
        legend = self.legend_rect().move(-p.rect.x, -p.rect.y)
        occupied: list[pygame.Rect] = [legend] if legend.w else []
        labels: list[tuple[str, tuple[int, int], tuple[int, int], tuple[int, int, int], int]] = []

        def at(x: float, y: float) -> tuple[int, int]:
            sx, sy = p.to_screen(x, y)
            return int(sx - off.x), int(sy - off.y)

        s = p.scale
        # the area and a 10 km grid
        x0, y1 = at(0, sc.area.height_km)
        x1, y0 = at(sc.area.width_km, 0)
        pygame.draw.rect(surf, (18, 26, 38), pygame.Rect(x0, y1, x1 - x0, y0 - y1))
        step = 10.0 if s * 10 > 40 else 20.0
        gx = 0.0
        while gx <= sc.area.width_km + 1e-9:
            pygame.draw.line(surf, th.GRID, at(gx, 0), at(gx, sc.area.height_km))
            gx += step
        gy = 0.0
        while gy <= sc.area.height_km + 1e-9:
            pygame.draw.line(surf, th.GRID, at(0, gy), at(sc.area.width_km, gy))
            gy += step
        pygame.draw.rect(surf, th.PANEL_EDGE, pygame.Rect(x0, y1, x1 - x0, y0 - y1), 1)
        small = round(12 * self.ui_scale)
        # regions shaded by civilian density
        shade = pygame.Surface(p.rect.size, pygame.SRCALPHA)
        for region in sorted(sc.area.regions, key=lambda r: r.civilian_density_per_km2):
            rx0, ry0, rx1, ry1 = region.rect
            a, b = at(rx0, ry1), at(rx1, ry0)
            r = pygame.Rect(a[0], a[1], b[0] - a[0], b[1] - a[1])
            pygame.draw.rect(shade, th.density_colour(region.civilian_density_per_km2), r)
            pygame.draw.rect(shade, (200, 150, 60, 140), r, 1)
        surf.blit(shade, (0, 0))
        # effector and sensor ranges
        for sensor in sc.blue.sensors:
            c = at(sensor.at.x, sensor.at.y)
            pygame.draw.circle(surf, th.SENSOR, c, max(1, int(sensor.range_km * s)), 1)
            tri = [(c[0], c[1] - 7), (c[0] + 6, c[1] + 5), (c[0] - 6, c[1] + 5)]
            pygame.draw.polygon(surf, th.SENSOR, tri)
            occupied.append(pygame.Rect(c[0] - 7, c[1] - 8, 15, 15))
        for eff in sc.blue.effectors:
            c = at(eff.at.x, eff.at.y)
            colour = th.ENGAGE_RANGE if is_lethal(eff.action) else th.JAM_RANGE
            _dashed_circle(surf, colour, c, max(1, int(eff.range_km * s)))
            r = pygame.Rect(0, 0, 9, 9)
            r.center = c
            pygame.draw.rect(surf, colour, r)
            occupied.append(r.inflate(2, 2))
            labels.append((eff.id, c, (7, 0), colour, 2))
        # the defended asset
        asset = sc.blue.defended_asset
        c = at(asset.x, asset.y)
        pygame.draw.circle(surf, th.ASSET, c, max(6, int(sc.blue.asset_radius_km * s)), 2)
        r = pygame.Rect(0, 0, 12, 12)
        r.center = c
        pygame.draw.rect(surf, th.ASSET, r)
        occupied.append(r.inflate(2, 2))
        labels.insert(0, (_("defended asset"), c, (9, 0), th.ASSET, 1))
        # protected sites last, so nothing covers them
        for site in sc.area.protected_sites:
            c = at(site.at.x, site.at.y)
            radius = max(int(7 * self.ui_scale), int(site.radius_km * s))
            pygame.draw.circle(surf, th.PROTECTED, c, radius)
            pygame.draw.circle(surf, (255, 255, 255), c, radius, 2)
            arm = max(2, radius // 2)
            pygame.draw.line(surf, (255, 255, 255), (c[0] - arm, c[1]), (c[0] + arm, c[1]), 2)
            pygame.draw.line(surf, (255, 255, 255), (c[0], c[1] - arm), (c[0], c[1] + arm), 2)
            occupied.append(pygame.Rect(c[0] - radius, c[1] - radius, 2 * radius, 2 * radius))
            labels.insert(0, (f"{site.id} ({_(site.kind)})", c, (radius + 3, 0), th.PROTECTED, 0))
        # scale bar
        bar_km = step
        bx, by = 12, p.rect.h - 16
        pygame.draw.line(surf, th.TEXT, (bx, by), (bx + int(bar_km * s), by), 2)
        bar_label = _("{km} km").format(km=f"{bar_km:g}")
        self._static_boxes = []
        ink = self.text.ink(bar_label, small)
        box = ink.move(bx, by - 4 - ink.bottom)
        if bounds.contains(box):
            surf.blit(self.text.get(bar_label, small, th.TEXT), (bx, by - 4 - ink.bottom))
            occupied.append(box)
            self._static_boxes.append((box, bar_label))
        # region labels at their top-left corner, inside the region where possible
        for region in sc.area.regions:
            rx0, _y0, _x1, ry1 = region.rect
            a = at(rx0, ry1)
            label = _("{region} ({density}/km2)").format(
                region=region.id, density=f"{region.civilian_density_per_km2:g}")
            labels.append((label, (a[0], a[1]), (4, 0), (230, 200, 140), 3))
        for text, anchor, (gap, _dy), colour, _prio in sorted(labels, key=lambda t: t[4]):
            if text in ("",):
                continue
            if _prio == 3:  # regions: just inside the corner, else anywhere near it
                ink = self.text.ink(text, small)
                pos: tuple[int, int] | None = (anchor[0] + 4 - ink.x, anchor[1] + 2 - ink.y)
                box = ink.move(anchor[0] + 4 - ink.x, anchor[1] + 2 - ink.y)
                if not (bounds.contains(box) and box.collidelist(occupied) == -1):
                    pos = self._place(text, small, (anchor[0], anchor[1] + 8), 4, occupied,
                                      bounds)
                else:
                    occupied.append(box)
            else:
                pos = self._place(text, small, anchor, gap, occupied, bounds)
            if pos is None:
                continue
            surf.blit(self.text.get(text, small, colour), pos)
            self._static_boxes.append((self.text.ink(text, small).move(pos), text))
        return surf

    def static_layer(self) -> pygame.Surface:
        """The cached layer of everything that does not move."""
        key = (*self.proj.key(), self.ui_scale, self.show_legend)
        if self._static is None or key != self._static_key:
            self._static = self._draw_static()
            self._static_key = key
        return self._static

    # ----------------------------------------------------------------- dynamic layer
    def draw(self, screen: pygame.Surface, live: Any) -> None:
        """Draw the map for this frame (static layer, contacts, labels, effects, legend)."""
        p = self.proj
        screen.blit(self.static_layer(), p.rect.topleft)
        occupied: list[pygame.Rect] = []
        for box, label in self._static_boxes:
            moved = box.move(p.rect.topleft)
            self.text.record(moved, label, p.rect, "map")
            occupied.append(moved)
        legend = self.legend_rect()
        if legend.w:
            _surf, boxes = self._legend()
            for box, label in boxes:
                self.text.record(box.move(legend.topleft), label, legend, "legend")
            occupied.append(legend)
        old_clip = screen.get_clip()
        screen.set_clip(p.rect)
        snap = live.snapshot
        truth = live.truth
        contacts = [c for c in snap["contacts"] if c["detected"] or truth]
        # trails (skipped in a crowd: a thousand tails hide more than they show)
        if len(live.trails) <= TRAILS_MAX:
            for trail in live.trails.values():
                if len(trail) >= 2:
                    pts = p.to_screen_many(np.asarray(trail, dtype=np.float64)).tolist()
                    pygame.draw.lines(screen, (70, 85, 105), False, pts, 1)
        # engagement lines
        for shot in live.shots.values():
            pos = live.last_pos.get(shot.track)
            eff = live.effectors.get(shot.effector)
            if pos is None or eff is None:
                continue
            colour = th.ENGAGE_RANGE if is_lethal(shot.action) else th.JAM_RANGE
            pygame.draw.line(screen, colour, p.to_screen(eff.at.x, eff.at.y),
                             p.to_screen(*pos), 2)
        # contacts
        if contacts:
            key = (id(snap), truth, p.key(), self.ui_scale)
            if key != self._blits_key:  # the same picture as last frame: reuse its blits
                xy = np.array([(c["x"], c["y"]) for c in contacts], dtype=np.float64)
                scr = p.to_screen_many(xy)
                blits = []
                half = self.symbol(None, None).get_width() // 2  # all symbols are one size
                symbols = self._symbols
                for c, (sx, sy) in zip(contacts, scr.tolist(), strict=True):
                    sym_key = (c["label"] if c["detected"] else "unseen",
                               c["true_class"] if truth else None)
                    sym = symbols.get(sym_key) or self.symbol(*sym_key)
                    blits.append((sym, (sx - half, sy - half)))
                self._blits, self._blits_xy, self._blits_key = blits, scr, key
            scr = self._blits_xy
            screen.blits(self._blits, doreturn=False)
            self._screen_xy = scr
            self._screen_tracks = [c["track"] for c in contacts]
            if len(contacts) <= LABELS_MAX or p.zoom >= 3:
                self._contact_labels(screen, contacts, scr.tolist(), truth, occupied)
        else:
            self._screen_xy = np.zeros((0, 2), dtype=np.int32)
            self._screen_tracks = []
        self._draw_sites(screen)  # a crowd of contacts never hides a protected site
        if legend.w:  # contacts pass under the legend, never over it
            screen.blit(self._legend()[0], legend.topleft)
        # effects
        now = snap["t"]
        for b in live.bursts:
            if math.isnan(b.x):
                continue
            age = max(0.0, now - b.t)
            radius = int(6 + 14 * min(1.0, age / 3.0))
            pygame.draw.circle(screen, th.BURST[b.kind], p.to_screen(b.x, b.y), radius,
                               3 if b.kind in ("harm", "impact") else 2)
        # the selected contact
        if self.selected is not None and self.selected in live.last_pos:
            sx, sy = p.to_screen(*live.last_pos[self.selected])
            pygame.draw.circle(screen, th.SELECT, (sx, sy), round(13 * self.ui_scale), 2)
        screen.set_clip(old_clip)

    def _draw_sites(self, screen: pygame.Surface) -> None:
        """Protected sites: a cyan disc with a white ring and cross."""
        p = self.proj
        for site in self.sc.area.protected_sites:
            c = p.to_screen(site.at.x, site.at.y)
            radius = max(int(7 * self.ui_scale), int(site.radius_km * p.scale))
            pygame.draw.circle(screen, th.PROTECTED, c, radius)
            pygame.draw.circle(screen, (255, 255, 255), c, radius, 2)
            arm = max(2, radius // 2)
            pygame.draw.line(screen, (255, 255, 255), (c[0] - arm, c[1]), (c[0] + arm, c[1]), 2)
            pygame.draw.line(screen, (255, 255, 255), (c[0], c[1] - arm), (c[0], c[1] + arm), 2)

    def _contact_labels(self, screen: pygame.Surface, contacts: list[dict[str, Any]],
                        xy: list[list[int]], truth: bool, occupied: list[pygame.Rect]) -> None:
        """Track numbers beside their symbols wherever one fits without touching another label
        (in a crowd only some get one; zoom in to see more)."""
        size = round(11 * self.ui_scale)
        bounds = self.proj.rect.inflate(-4, -4)
        cap = LABELS_MAX * 2
        for c, (sx, sy) in zip(contacts, xy, strict=True):
            if cap <= 0:
                break
            if not bounds.collidepoint(sx, sy):
                continue
            tag = str(c["track"])
            if truth and c["label"] and c["label"] != c["true_class"]:
                tag += "!"
            ink = self.text.ink(tag, size)
            for dx, dy in ((8, -14), (8, 4), (-8 - ink.right, -14), (-8 - ink.right, 4)):
                box = ink.move(sx + dx, sy + dy)
                if bounds.contains(box) and box.inflate(6, 2).collidelist(occupied) == -1:
                    self.text.blit(screen, tag, size, (sx + dx, sy + dy), th.DIM,
                                   within=self.proj.rect, layer="map")
                    occupied.append(box)
                    cap -= 1
                    break

    def pick(self, px: int, py: int, radius: int = 14) -> int | None:
        """The track nearest to a click, if one is drawn within ``radius`` pixels."""
        if not len(self._screen_tracks):
            return None
        d2 = ((self._screen_xy - np.array([px, py])) ** 2).sum(axis=1)
        i = int(np.argmin(d2))
        return self._screen_tracks[i] if d2[i] <= radius * radius else None


def _dashed_circle(surf: pygame.Surface, colour: tuple[int, int, int], centre: tuple[int, int],
                   radius: int, dash_deg: float = 6.0) -> None:
    n = int(360 / (dash_deg * 2))
    rect = pygame.Rect(0, 0, radius * 2, radius * 2)
    rect.center = centre
    for i in range(n):
        a0 = math.radians(i * dash_deg * 2)
        pygame.draw.arc(surf, colour, rect, a0, a0 + math.radians(dash_deg), 1)


def _legend_icon(view: MapView, surf: pygame.Surface, kind: str, c: tuple[int, int], r: int
                 ) -> None:
    """The map's symbol for ``kind``, drawn at ``c`` on the legend."""
    if kind in ("hostile", "civilian", "unknown", "unseen"):
        sym = view.symbol(None if kind == "unknown" else kind, None)
        surf.blit(sym, sym.get_rect(center=c))
    elif kind == "truth":
        pygame.draw.circle(surf, th.HOSTILE, c, r + 1, 2)
    elif kind == "site":
        pygame.draw.circle(surf, th.PROTECTED, c, r)
        pygame.draw.circle(surf, (255, 255, 255), c, r, 1)
    elif kind == "asset":
        pygame.draw.rect(surf, th.ASSET, pygame.Rect(c[0] - r, c[1] - r, 2 * r, 2 * r))
    elif kind == "sensor":
        pygame.draw.polygon(surf, th.SENSOR, [(c[0], c[1] - r), (c[0] + r, c[1] + r - 1),
                                             (c[0] - r, c[1] + r - 1)])
    elif kind in ("engage", "jam"):
        colour = th.ENGAGE_RANGE if kind == "engage" else th.JAM_RANGE
        pygame.draw.rect(surf, colour, pygame.Rect(c[0] - 4, c[1] - 4, 9, 9))
    elif kind == "range":
        _dashed_circle(surf, th.ENGAGE_RANGE, c, r + 1, dash_deg=20.0)
    else:
        pygame.draw.rect(surf, th.density_colour(3000)[:3],
                         pygame.Rect(c[0] - r, c[1] - r + 2, 2 * r, 2 * r - 4))
