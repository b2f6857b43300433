"""``kill -9`` of a ``hmt-sim serve`` mid-exercise, then ``serve --resume``: the same state
(clock, pending cards, event log), the same seat links, and a seat reconnects and plays on."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

from hmt_sim import sessionfile
from hmt_sim.room import views

ROOT = Path(__file__).resolve().parents[2]


def _start(args: list[str], cwd: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen([sys.executable, "-m", "hmt_sim.cli", "serve", *args, "--no-qr"],
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    links: dict[str, str] = {}
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"serve stopped: {proc.stderr.read() if proc.stderr else ''}")
        if line.startswith("Seat "):
            name, _, link = line.strip().partition(": ")
            links[name] = link
        if line.startswith("the clock is"):
            return proc, links
    proc.kill()
    raise AssertionError("serve did not print its links in time")


def _ws(link: str) -> str:
    return link.replace("http://", "ws://").replace("/seat/", "/ws/seat/")


async def _play_then_watch(link: str, until_t: float) -> dict[str, Any]:
    """Answer seat 1's first card, then watch until the clock passes ``until_t``."""
    async with connect(_ws(link)) as ws:
        answered = None
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 20))
            if msg["kind"] == "state" and answered is None and msg["cards"]:
                answered = msg["cards"][0]["decision"]
                await ws.send(json.dumps({"kind": "decide", "decision": answered,
                                          "choice": "reject", "id": "a1"}))
            elif msg["kind"] == "done":
                assert msg["id"] == "a1"
            elif msg["kind"] == "state" and answered is not None and msg["t"] >= until_t:
                return msg


async def _first_state(link: str) -> dict[str, Any]:
    async with connect(_ws(link)) as ws:
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 20))
            if msg["kind"] == "state":
                return msg


def _cards(view: dict[str, Any]) -> list[tuple[int, str, int]]:
    return [(c["decision"], c["action"], c["level"]) for c in view["cards"]]


def _replayed_view(path: Path, t: float) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    record = sessionfile.read(path)
    session = record.session()
    sessionfile.replay_to(session, record, t)
    view = views.seat_view(session, session.snapshot(), session.pending_decisions(), 1, {})
    return view, list(session.events)


@pytest.mark.slow
def test_kill_9_then_resume_keeps_state_links_and_seats(tmp_path: Path) -> None:
    path = tmp_path / "room.jsonl"
    proc, links = _start(["overload", "--seats", "2", "--port", "0", "--start", "--speed",
                          "30", "--session", str(path)], tmp_path)
    try:
        seen = asyncio.run(_play_then_watch(links["Seat 1"], 60.0))
        time.sleep(0.8)  # the clock line of at least t=60 reaches the disk
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    record = sessionfile.read(path)
    assert [i["type"] for i in record.inputs] == ["decide"]
    # what the seat saw before the kill is what the file re-creates at that time
    at_seen, _ = _replayed_view(path, seen["t"])
    assert _cards(at_seen) == _cards(seen)
    expected, events = _replayed_view(path, record.resume_time)
    assert record.resume_time >= 60.0

    proc2, links2 = _start(["--resume", str(path)], tmp_path)
    try:
        assert links2 == links  # same tokens, same port: every printed link still works
        resumed = asyncio.run(_first_state(links["Seat 1"]))
        assert resumed["paused"] is True and resumed["t"] == pytest.approx(record.resume_time)
        assert _cards(resumed) == _cards(expected)
        assert resumed["tracks"] == expected["tracks"]
    finally:
        proc2.send_signal(signal.SIGTERM)
        out, err = proc2.communicate(timeout=20)
    assert proc2.returncode == 0, err
    assert f"resume with: hmt-sim serve --resume {path}" in out
    _, again = _replayed_view(path, record.resume_time)
    assert again == events  # the event log up to the crash is re-created exactly
