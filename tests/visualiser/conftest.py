"""Headless pygame for every visualiser test, and helpers that drive the real UI."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("MPLBACKEND", "Agg")

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pygame
import pytest

from hmt_sim import sessionfile
from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session
from visualiser.app import App
from visualiser.controller import LiveRun

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


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Any]:
    apps: list[App] = []

    def build(scenario: str = "airbase_swarm", seats: tuple[str, ...] = ("operator",),
              seed: int = 7, record: bool = True, **kwargs: Any) -> App:
        sc = load_scenario(scenario, overrides=kwargs.pop("overrides", None))
        session = Session(sc, seed=seed, human_seats=list(seats))
        writer = None
        if record:
            writer = sessionfile.open(tmp_path / f"{sc.id}-{len(apps)}.jsonl", sc, seed,
                                      list(seats))
        live = LiveRun(session, writer, auto_slow=kwargs.pop("auto_slow", True))
        app = App(live, size=kwargs.pop("size", SIZE), screenshot_dir=tmp_path, settle_s=0.0,
                  error_log=tmp_path / "errors.log", **kwargs)
        apps.append(app)
        app.frame(0.0)
        return app

    yield build
    for app in apps:
        app.live.close()
    pygame.quit()
