"""Rooms served for real on 127.0.0.1 (uvicorn in a thread, a free port), and a browser.

``served(...)`` opens a room on a real session with a real session file in ``tmp_path``; the
clock runs at ``speed`` and pauses at ``stop_at`` so a test knows which cards are waiting. The
browser is Debian's chromium driven by playwright; without it the browser tests are skipped with
the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from room_testing import wait_for

from hmt_sim import sessionfile
from hmt_sim.room.core import RoomClock
from hmt_sim.room.start import ServedRoom, open_room
from hmt_sim.scenario import load_scenario, parse_overrides
from hmt_sim.seats import seat_names
from hmt_sim.session import Session

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Callable[..., ServedRoom]]:
    """``served(scenario, seats, red, speed, stop_at)`` -> a running room (stopped after)."""
    rooms: list[ServedRoom] = []

    def make(scenario: str = "overload", seats: int = 2, red: bool = False,
             speed: float = 60.0, stop_at: float | None = 15.0,
             overrides: tuple[str, ...] = ()) -> ServedRoom:
        sc = load_scenario(scenario, overrides=parse_overrides(list(overrides)))
        human = seat_names(sc.operators.count)[:seats]
        extra: dict[str, Any] = {"red_cell": True} if red else {}
        session = Session(sc, human_seats=human, **extra)
        writer = sessionfile.open(tmp_path / f"room{len(rooms)}.jsonl", sc, session.seed, human,
                                  **extra)
        room, server = open_room(session, writer, seats, red, "127.0.0.1", 0)
        clock = RoomClock(session, writer, speed=speed, paused=False)
        if stop_at is not None:
            clock.stop_at = stop_at
        room_ = ServedRoom(room, server, clock)
        room_.start()
        rooms.append(room_)
        if stop_at is not None:
            wait_for(lambda: clock.paused and session.now >= stop_at - 1e-6, 30,
                     f"the clock to reach {stop_at} s")
            wait_for(lambda: room.view("seat/1") is not None and room.view("seat/1")["paused"],
                     10, "a published view")
        return room_

    yield make
    for room in rooms:
        room.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless chromium (Debian's), shared by a module's tests."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()
