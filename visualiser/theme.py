"""Colours, fonts and the pygame_gui theme: one place, so a projector-friendly change is one edit.

Colours follow the usual tactical-display habits (hostile red diamond, civilian/neutral green
square, unknown yellow) on a dark background that survives a washed-out projector.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import pygame

BG = (14, 20, 30)
PANEL = (24, 32, 44)
PANEL_EDGE = (60, 74, 92)
TEXT = (225, 230, 236)
DIM = (140, 150, 165)
GRID = (32, 42, 56)

HOSTILE = (235, 60, 60)
CIVILIAN = (70, 205, 110)
UNKNOWN = (240, 210, 60)
UNSEEN = (120, 120, 130)
WRONG = (255, 60, 255)
SELECT = (255, 255, 255)

PROTECTED = (0, 200, 255)  # protected sites: a colour nothing else on the map uses
ASSET = (80, 140, 255)
SENSOR = (110, 170, 220)
ENGAGE_RANGE = (240, 140, 50)
JAM_RANGE = (170, 110, 240)

BLUE_SIDE = (80, 140, 255)
RED_SIDE = (235, 70, 70)
TRUST = (90, 200, 255)
ACCURACY = (250, 200, 80)

TONES = {
    "info": (170, 178, 190),
    "ai": (110, 210, 235),
    "human": (120, 225, 140),
    "warn": (250, 195, 70),
    "alarm": (255, 110, 100),
}

BURST = {
    "hit": (255, 170, 60),
    "miss": (200, 200, 200),
    "harm": (255, 40, 40),
    "impact": (255, 80, 40),
    "warn": (250, 230, 120),
}

LABEL_COLOURS = {"hostile": HOSTILE, "civilian": CIVILIAN, None: UNKNOWN}


def density_colour(density: float) -> tuple[int, int, int, int]:
    """Civilian density as a shade from slate (empty) to bright amber (dense city), so nested
    regions of different density stay distinguishable on a projector."""
    import math

    level = min(1.0, math.log10(1.0 + density) / 4.2)
    lo, hi = (45, 60, 75), (235, 145, 40)
    rgb = tuple(int(a + (b - a) * level) for a, b in zip(lo, hi, strict=True))
    return (rgb[0], rgb[1], rgb[2], int(50 + 130 * level))


def _font_path(bold: bool) -> str | None:
    name = "NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf"
    try:
        path = resources.files("pygame_gui.data") / name
        return str(path) if path.is_file() else None
    except (ModuleNotFoundError, FileNotFoundError):
        return None


@lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> pygame.font.Font:
    """A Noto Sans font (shipped with pygame_gui) or pygame's default when it is missing."""
    if not pygame.font.get_init():
        pygame.font.init()
    return pygame.font.Font(_font_path(bold), size)


class TextCache:
    """Rendered text surfaces by (text, size, colour, bold): re-rendering every frame is the
    largest avoidable cost of a busy screen.

    Every text the screen shows is put through :meth:`blit`, which also records where the ink
    landed (and inside which box it was meant to stay) for the frame being drawn: the layout
    test reads :attr:`boxes` to prove that nothing is clipped and nothing overprints.
    """

    def __init__(self, limit: int = 4000) -> None:
        self.limit = limit
        self._cache: dict[tuple[str, int, tuple[int, ...], bool],
                          tuple[pygame.Surface, pygame.Rect]] = {}
        self.boxes: list[TextBox] = []

    def _entry(self, text: str, size: int, colour: tuple[int, ...], bold: bool
               ) -> tuple[pygame.Surface, pygame.Rect]:
        key = (text, size, colour, bold)
        entry = self._cache.get(key)
        if entry is None:
            if len(self._cache) >= self.limit:
                self._cache.clear()
            surf = font(size, bold).render(text, True, colour)
            entry = self._cache[key] = (surf, surf.get_bounding_rect())
        return entry

    def get(self, text: str, size: int, colour: tuple[int, ...] = TEXT, bold: bool = False
            ) -> pygame.Surface:
        """The rendered surface (cached)."""
        return self._entry(text, size, colour, bold)[0]

    def ink(self, text: str, size: int, bold: bool = False) -> pygame.Rect:
        """The rectangle the glyphs of ``text`` cover, relative to where it is blitted."""
        return self._entry(text, size, TEXT, bold)[1].copy()

    def blit(self, screen: pygame.Surface, text: str, size: int, pos: tuple[int, int],
             colour: tuple[int, ...] = TEXT, bold: bool = False,
             within: pygame.Rect | None = None, layer: str = "ui") -> pygame.Rect:
        """Draw ``text`` at ``pos`` and record its ink box (and the box it must stay inside)."""
        surf, ink = self._entry(text, size, colour, bold)
        screen.blit(surf, pos)
        box = ink.move(pos)
        if text.strip():
            self.boxes.append(TextBox(box, text, pygame.Rect(within or screen.get_rect()), layer))
        return box

    def record(self, box: pygame.Rect, text: str, within: pygame.Rect, layer: str) -> None:
        """Record text drawn elsewhere (the map's cached static layer) for this frame."""
        self.boxes.append(TextBox(pygame.Rect(box), text, pygame.Rect(within), layer))

    def occlude(self, rect: pygame.Rect) -> None:
        """An opaque box was drawn over ``rect``: texts under it are no longer visible."""
        self.boxes = [b for b in self.boxes if not b.rect.colliderect(rect)]

    def begin_frame(self) -> None:
        """Forget the previous frame's boxes."""
        self.boxes = []


class TextBox:
    """One drawn text: its ink rectangle, the text, the box it belongs in, and its layer."""

    __slots__ = ("layer", "rect", "text", "within")

    def __init__(self, rect: pygame.Rect, text: str, within: pygame.Rect, layer: str) -> None:
        self.rect, self.text, self.within, self.layer = rect, text, within, layer

    def __repr__(self) -> str:
        return f"TextBox({self.text!r}, {tuple(self.rect)}, within={tuple(self.within)})"


@lru_cache(maxsize=2048)
def fit_text(text: str, size: int, width: int, bold: bool = False) -> str:
    """``text`` cut with an ellipsis so it is at most ``width`` pixels wide."""
    f = font(size, bold)
    if f.size(text)[0] <= width:
        return text
    while text and f.size(text + "...")[0] > width:
        text = text[:-1]
    return text.rstrip() + "..." if text else ""


def gui_theme(scale: float) -> dict[str, Any]:
    """pygame_gui theme with font sizes scaled for the large-fonts option."""
    size = str(round(15 * scale))
    f = {"name": "noto_sans", "size": size, "bold": "0"}
    colours = {"normal_bg": "#2c3a4e", "hovered_bg": "#3d5170", "active_bg": "#4f6a92",
               "selected_bg": "#4f6a92", "normal_text": "#e6eaf0", "normal_border": "#5a6e8a"}
    return {
        "button": {"font": f, "colours": colours},
        "label": {"font": f},
        "horizontal_slider": {"colours": {"dark_bg": "#1b2430", "normal_bg": "#3d5170"}},
        "#approve": {"colours": {"normal_bg": "#2e7d32", "hovered_bg": "#43a047"},
                     "font": {"name": "noto_sans", "size": str(round(18 * scale)), "bold": "1"}},
        "#reject": {"colours": {"normal_bg": "#b71c1c", "hovered_bg": "#e53935"},
                    "font": {"name": "noto_sans", "size": str(round(18 * scale)), "bold": "1"}},
        "#inspect": {"colours": {"normal_bg": "#37474f", "hovered_bg": "#546e7a"},
                     "font": {"name": "noto_sans", "size": str(round(18 * scale)), "bold": "1"}},
    }
