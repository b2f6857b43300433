"""Twenty seats on loopback, each in a bounded loop of inspect + decide over a real websocket:
every acknowledged input is in the session file exactly once (a resent message is answered
again, not applied twice), nothing is lost, and the reply latency is printed (median, p99)."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections import Counter
from typing import Any

import pytest
from websockets.asyncio.client import connect

from hmt_sim import sessionfile

SEATS = 20
CARDS_PER_SEAT = 2
WALL_LIMIT_S = 30.0


async def _reply(ws: Any, mid: str) -> dict[str, Any]:
    while True:
        msg = json.loads(await ws.recv())
        if msg.get("id") == mid:
            return msg


async def _seat(url: str, n: int, acked: list[tuple[str, int, int]],
                refused: list[tuple[str, int, int]], latencies: list[float],
                deadline: float) -> int:
    answered: set[int] = set()
    async with connect(url, origin=None, max_size=2**20) as ws:
        while len(answered) < CARDS_PER_SEAT and time.monotonic() < deadline:
            try:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 2))
            except TimeoutError:
                continue  # nothing changed (paused or ended): look at the deadline again
            if msg["kind"] != "state":
                continue
            if msg["finished"]:
                break
            cards = [c for c in msg["cards"] if c["decision"] not in answered]
            if not cards:
                continue
            d = cards[0]["decision"]
            for kind, extra in (("inspect", {}), ("decide", {"choice": "approve"})):
                mid = f"{n}-{kind}-{d}"
                started = time.perf_counter()
                await ws.send(json.dumps({"kind": kind, "decision": d, "id": mid, **extra}))
                reply = await asyncio.wait_for(_reply(ws, mid), 15)
                latencies.append(time.perf_counter() - started)
                if reply["kind"] == "error":  # the card left (timed out) before it arrived
                    assert "not awaiting" in reply["detail"], reply
                    refused.append((kind, d, n - 1))
                    break
                assert reply["kind"] in ("inspected", "done"), reply
                acked.append((kind, d, n - 1))
            else:
                # a resend after a "dropped" reply: answered again, never applied twice
                await ws.send(json.dumps({"kind": "decide", "decision": d,
                                          "choice": "approve", "id": f"{n}-decide-{d}"}))
                again = await asyncio.wait_for(_reply(ws, f"{n}-decide-{d}"), 15)
                assert again["kind"] == "done"
            answered.add(d)
    return len(answered)


@pytest.mark.slow
def test_twenty_seats_lose_and_duplicate_nothing(served: Any) -> None:
    room = served(seats=SEATS, speed=30.0, stop_at=None,
                  overrides=(f"operators.count={SEATS}",))
    port = room.server.port

    refused: list[tuple[str, int, int]] = []

    async def main() -> tuple[list[int], list[tuple[str, int, int]], list[float]]:
        acked: list[tuple[str, int, int]] = []
        latencies: list[float] = []
        deadline = time.monotonic() + WALL_LIMIT_S
        counts = await asyncio.gather(*[
            _seat(f"ws://127.0.0.1:{port}/ws/seat/{n}?t={room.room.keys.seats[n]}", n, acked,
                  refused, latencies, deadline) for n in range(1, SEATS + 1)])
        return counts, acked, latencies

    counts, acked, latencies = asyncio.run(main())
    room.room.submit("facilitator", {"kind": "pause"}).result(10)
    inputs = sessionfile.read(room.clock.writer.path).inputs
    recorded = Counter((i["type"], i["decision"], i["operator"]) for i in inputs)
    assert all(v == 1 for v in recorded.values()), "an input was recorded twice"
    assert set(recorded) == set(acked) and len(acked) == len(set(acked))
    assert not set(refused) & set(recorded)
    assert len(refused) <= len(acked) // 4, f"too many cards left before the answer: {refused}"
    assert sum(counts) >= SEATS, f"too few cards reached the seats: {counts}"
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    print(f"\n{SEATS} seats, {len(ms)} inputs answered ({len(acked)} recorded, "
          f"{len(refused)} refused: the card had left): reply latency "
          f"median {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, max {ms[-1]:.1f} ms")
