"""``hmt-sim play --room-view`` opens the projector's room view from the first frame."""

from __future__ import annotations

from pathlib import Path

import pygame
from typer.testing import CliRunner

import visualiser
from hmt_sim.cli import app as cli
from hmt_sim.scenario import load_scenario

ARGS = ["play", "training_sandbox", "--autoplay", "--until", "20", "--no-record",
        "--size", "1024x768"]


def _pixels(path: Path) -> bytes:
    return pygame.image.tobytes(pygame.image.load(str(path)), "RGB")


def _differ(a: bytes, b: bytes) -> float:
    """Share of pixels that differ between two RGB images of one size."""
    assert len(a) == len(b)
    return sum(a[i:i + 3] != b[i:i + 3] for i in range(0, len(a), 3)) / (len(a) // 3)


def test_play_room_view_starts_in_the_room_view(tmp_path: Path) -> None:
    runner = CliRunner()
    shots = {}
    for name, extra in (("room", ["--room-view"]), ("console", [])):
        shots[name] = tmp_path / f"{name}.png"
        result = runner.invoke(cli, [*ARGS, *extra, "--screenshot", str(shots[name])])
        assert result.exit_code == 0, result.output
    direct = visualiser.play(scenario=load_scenario("training_sandbox"), autoplay=True,
                             until=20.0, record=False, size=(1024, 768), room_view=True,
                             screenshot=tmp_path / "direct.png")
    assert direct["room"] is True
    room, console = _pixels(shots["room"]), _pixels(shots["console"])
    # the same picture as the room view opened directly (a blinking contact may differ), far
    # from the console's (buttons, sliders, legend)
    assert _differ(room, _pixels(tmp_path / "direct.png")) < 0.01
    assert _differ(room, console) > 0.2


def test_play_serve_room_view_starts_the_served_screen_in_the_room_view() -> None:
    served = visualiser.play(scenario=load_scenario("training_sandbox"), autoplay=True,
                             until=5.0, record=False, size=(1024, 768), room_view=True,
                             serve={"bind": "127.0.0.1", "port": 0, "codes": False})
    assert served["room"] is True
