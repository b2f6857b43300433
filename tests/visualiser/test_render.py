"""Render every bundled scenario to PNG and look for what must be on screen."""

from __future__ import annotations

from pathlib import Path

import pygame
import pytest

from visualiser import theme as th

SCENARIOS = sorted(p.stem for p in (Path(__file__).parents[2] / "scenarios").glob("*.yaml"))


def _count(img: pygame.Surface, colour: tuple[int, int, int], rect: pygame.Rect) -> int:
    rect = rect.clip(img.get_rect())
    n = 0
    for x in range(rect.left, rect.right):
        for y in range(rect.top, rect.bottom):
            if tuple(img.get_at((x, y)))[:3] == colour:
                n += 1
    return n


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_render_scenario(make_app, tmp_path, scenario):
    app = make_app(scenario, seats=(), record=False)
    s = app.live.session
    app.live.step(min(s.duration, max(60.0, s.duration / 3)))
    app.live.truth = True
    app.frame(0.0)
    path = app.screenshot(tmp_path / f"{scenario}.png")
    img = pygame.image.load(str(path))
    assert img.get_size() == app.screen.get_size()
    colours = {tuple(img.get_at((x, y)))[:3] for x in range(0, img.get_width(), 7)
               for y in range(0, img.get_height(), 7)}
    assert len(colours) > 40, "the frame looks blank"
    proj = app.map.proj
    for site in s.scenario.area.protected_sites:
        cx, cy = proj.to_screen(site.at.x, site.at.y)
        box = pygame.Rect(cx - 12, cy - 12, 25, 25)
        assert _count(img, th.PROTECTED, box) >= 8, f"protected site {site.id} not drawn"
    a = s.scenario.blue.defended_asset
    ax, ay = proj.to_screen(a.x, a.y)
    assert _count(img, th.ASSET, pygame.Rect(ax - 8, ay - 8, 17, 17)) >= 10
    snap = s.snapshot()
    hostile = [c for c in snap["contacts"] if c["label"] == "hostile" and c["detected"]]
    if hostile:
        assert _count(img, th.HOSTILE, app.map_rect) >= 10
    assert _count(img, th.PANEL, app.panel_rect) > 1000  # the panels are drawn


def test_large_fonts_and_operator_card(make_app, tmp_path):
    app = make_app(large_fonts=True)
    live = app.live
    while not live.my_pending():
        live.step(1.0)
    app.frame(0.0)
    path = app.screenshot(tmp_path / "card.png")
    img = pygame.image.load(str(path))
    # the approve button's green is on screen where the button is
    approve = app.buttons["approve"].rect
    greens = sum(1 for x in range(approve.left, approve.right, 3)
                 for y in range(approve.top, approve.bottom, 3)
                 if img.get_at((x, y)).g > 100 and img.get_at((x, y)).r < 100)
    assert greens > 20
