"""``serve --resume`` keeps the clock's speed the facilitator last set (stored beside the tokens
in ``<session>.room.json``); ``--speed`` on the resume command sets another."""

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

from hmt_sim.errors import InputError
from hmt_sim.room.keys import RoomKeys, keys_path

ROOT = Path(__file__).resolve().parents[2]


def _serve(args: list[str], cwd: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """Start ``hmt-sim serve``; its printed links by name once the clock line is out."""
    proc = subprocess.Popen([sys.executable, "-m", "hmt_sim.cli", "serve", *args, "--no-qr"],
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None
    links: dict[str, str] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"serve stopped: {proc.stderr.read() if proc.stderr else ''}")
        name, _sep, link = line.strip().partition(": ")
        if link.startswith("http"):
            links[name.split(" (")[0]] = link
        if line.startswith("the clock is"):
            return proc, links
    proc.kill()
    raise AssertionError("serve did not print its links in time")


def _ws(link: str) -> str:
    return link.replace("http://", "ws://").replace("/facilitator?", "/ws/facilitator?")


async def _speed(link: str, speed: float | None) -> float:
    """Connect as the facilitator, set ``speed`` (if given), return the speed the room shows."""
    async with connect(_ws(link)) as ws:
        if speed is not None:
            await ws.send(json.dumps({"kind": "speed", "speed": speed, "id": "s1"}))
        while True:
            msg: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 20))
            if msg["kind"] == "error":
                raise AssertionError(msg)
            if msg["kind"] == "state" and (speed is None or msg["speed"] == speed):
                return float(msg["speed"])


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    return out


def test_resume_runs_at_the_speed_last_set(tmp_path: Path) -> None:
    path = tmp_path / "room.jsonl"
    proc, links = _serve(["training_sandbox", "--port", "0", "--speed", "2", "--session",
                          str(path)], tmp_path)
    try:
        assert asyncio.run(_speed(links["Facilitator"], None)) == 2.0
        assert asyncio.run(_speed(links["Facilitator"], 10)) == 10.0
    finally:
        _stop(proc)
    assert RoomKeys.load(keys_path(path)).speed == 10.0
    proc, links = _serve(["--resume", str(path)], tmp_path)
    try:
        assert asyncio.run(_speed(links["Facilitator"], None)) == 10.0
    finally:
        _stop(proc)
    proc, links = _serve(["--resume", str(path), "--speed", "5"], tmp_path)
    try:
        assert asyncio.run(_speed(links["Facilitator"], None)) == 5.0  # named: it wins
    finally:
        _stop(proc)
    assert RoomKeys.load(keys_path(path)).speed == 5.0


def test_a_damaged_speed_in_the_room_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "s.room.json"
    keys = RoomKeys.create(1, False)
    keys.save(path)
    assert RoomKeys.load(path).speed is None  # never set: a resume starts at 1
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "speed": 500}))
    with pytest.raises(InputError, match="speed 500 is not from 1 to 60"):
        RoomKeys.load(path)
