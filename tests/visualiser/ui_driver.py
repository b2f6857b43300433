"""Synthetic mouse and keyboard input for the real visualiser window (used by the UI tests)."""

from __future__ import annotations

from typing import Any

import pygame

from visualiser.app import App

SIZE = (1280, 800)


def click(app: App, pos: tuple[int, int], button: int = 1, frames: int = 2) -> None:
    """A real mouse click: button down and up at ``pos``, then frames to process them."""
    pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0),
                                         buttons=(0, 0, 0)))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=button))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=button))
    for _ in range(frames):
        app.frame(0.0)


def key(app: App, k: int, mod: int = 0, frames: int = 1) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode="",
                                         scancode=0))
    pygame.event.post(pygame.event.Event(pygame.KEYUP, key=k, mod=mod, unicode="", scancode=0))
    for _ in range(frames):
        app.frame(0.0)


def until_card(app: App, limit_s: float = 600.0) -> dict[str, Any]:
    """Step the simulation until a decision waits for the human seat; return its card."""
    live = app.live
    while not live.my_pending():
        assert live.session.now < limit_s, "no decision reached the human seat"
        live.step(1.0)
    app.frame(0.0)
    return live.my_pending()[0]
