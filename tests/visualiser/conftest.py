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
from ui_driver import SIZE

from hmt_sim import sessionfile
from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session
from visualiser.app import App
from visualiser.controller import LiveRun


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
