"""What a token opens and what a connection may send, over real sockets on 127.0.0.1: origin
and host checks, size and rate limits with a clear error, the facilitator's actions, a new link
that shuts the old one out, and tokens kept with mode 0600."""

from __future__ import annotations

import asyncio
import json
import stat
import urllib.error
import urllib.request
from typing import Any

import pytest
from room_testing import wait_for
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from hmt_sim.room import protocol
from hmt_sim.room.keys import RoomKeys, keys_path
from hmt_sim.room.web import MAX_CONNECTIONS


def _url(room: Any, who: str, token: str) -> str:
    return f"ws://127.0.0.1:{room.server.port}/ws/{who}?t={token}"


async def _exchange(url: str, messages: list[Any], origin: str | None = None,
                    want: int | None = None) -> list[dict[str, Any]]:
    """Send ``messages`` and collect the non-state replies (``want`` of them)."""
    got: list[dict[str, Any]] = []
    async with connect(url, origin=origin) as ws:  # type: ignore[arg-type]
        for m in messages:
            await ws.send(m if isinstance(m, str) else json.dumps(m))
        while len(got) < (len(messages) if want is None else want):
            msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if msg["kind"] != "state":
                got.append(msg)
    return got


def test_a_page_of_another_origin_cannot_open_a_seat(served: Any) -> None:
    room = served()
    url = _url(room, "seat/1", room.room.keys.seats[1])
    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(_exchange(url, [{"kind": "ping"}], origin="http://evil.example"))
    assert refused.value.response.status_code == 403
    ok = asyncio.run(_exchange(url, [{"kind": "ping"}],
                               origin=f"http://127.0.0.1:{room.server.port}"))
    assert ok == [{"kind": "pong"}]


def test_another_host_name_is_refused(served: Any) -> None:
    """DNS rebinding: a page served under another name reaches this address but names its own
    host; it gets nothing."""
    room = served()
    request = urllib.request.Request(room.room.link("seat/1"), headers={"Host": "evil.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 421


def test_bad_messages_get_clear_errors_and_change_nothing(served: Any) -> None:
    room = served()
    url = _url(room, "seat/1", room.room.keys.seats[1])
    big = json.dumps({"kind": "ping", "pad": "x" * protocol.MAX_BYTES})
    got = asyncio.run(_exchange(url, [big, "not json", [1], {"kind": "decide"},
                                      {"kind": "decide", "decision": 1, "choice": "maybe"},
                                      {"kind": "inject", "inject": {}}]))
    messages = [g["message"] for g in got]
    assert all(g["kind"] == "error" for g in got)
    assert "too large" in messages[0] and "not JSON" in messages[1]
    assert "JSON object" in messages[2] and "'decision'" in messages[3]
    assert "approve, reject" in messages[4] and "allowed: decide, inspect, ping" in messages[5]
    assert room.clock.session.inputs == []


def test_a_flood_is_slowed_down_not_lost(served: Any) -> None:
    room = served()
    url = _url(room, "seat/1", room.room.keys.seats[1])
    n = int(protocol.BURST) + 10
    got = asyncio.run(_exchange(url, [{"kind": "ping"}] * n))
    limited = [g for g in got if g["kind"] == "error"]
    assert limited and all(g["retry"] for g in limited)
    assert len([g for g in got if g["kind"] == "pong"]) >= protocol.BURST


def test_the_rate_limit_is_the_seats_not_each_connections(served: Any) -> None:
    room = served()
    url = _url(room, "seat/2", room.room.keys.seats[2])
    half = int(protocol.BURST) // 2 + 4

    async def two_devices() -> list[dict[str, Any]]:
        a, b = await asyncio.gather(_exchange(url, [{"kind": "ping"}] * half),
                                    _exchange(url, [{"kind": "ping"}] * half))
        return a + b

    got = asyncio.run(two_devices())
    assert any(g["kind"] == "error" and g["retry"] for g in got)


def test_the_facilitator_pauses_messages_and_gives_a_seat_a_new_link(served: Any) -> None:
    room = served(stop_at=None, speed=1.0)
    fac = _url(room, "facilitator", room.room.keys.facilitator)
    old = room.room.keys.seats[2]
    got = asyncio.run(_exchange(fac, [{"kind": "pause"}, {"kind": "speed", "speed": 5},
                                      {"kind": "message", "seat": 2, "text": "Look north"},
                                      {"kind": "reassign", "seat": 2}]))
    assert [g["kind"] for g in got] == ["done"] * 4
    assert room.clock.paused and room.clock.speed == 5.0
    new = room.room.keys.seats[2]
    assert new != old and got[3]["link"].endswith(f"/seat/2?t={new}")
    assert RoomKeys.load(keys_path(room.clock.writer.path)).seats[2] == new  # survives a crash
    refused = asyncio.run(_exchange(_url(room, "seat/2", old), [], want=1))
    assert refused[0]["kind"] == "refused"

    async def messages() -> list[dict[str, Any]]:
        async with connect(_url(room, "seat/2", new)) as ws:
            while True:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if msg["kind"] == "state" and msg["messages"]:
                    return list(msg["messages"])

    assert [m["text"] for m in asyncio.run(messages())] == ["Look north"]


def test_tokens_are_kept_private_beside_the_session(served: Any) -> None:
    room = served()
    path = keys_path(room.clock.writer.path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    keys = RoomKeys.load(path)
    assert keys.seats == room.room.keys.seats and keys.port == room.server.port
    assert len({*keys.seats.values(), keys.facilitator}) == 3
    assert all(len(t) >= 22 for t in keys.seats.values())  # 128 bits, URL-safe


def test_one_link_opens_a_bounded_number_of_connections(served: Any) -> None:
    room = served()
    url = _url(room, "seat/1", room.room.keys.seats[1])

    async def flood() -> list[dict[str, Any]]:
        opened = [await connect(url) for _ in range(MAX_CONNECTIONS)]
        try:
            await asyncio.sleep(0.3)
            return await _exchange(url, [], want=1)
        finally:
            for ws in opened:
                await ws.close()

    got = asyncio.run(flood())
    wait_for(lambda: room.room.connections("seat/1") == 0, 5, "the connections to close")
    assert got[0]["kind"] == "refused" and "too many devices" in got[0]["message"]
    assert asyncio.run(_exchange(url, [{"kind": "ping"}])) == [{"kind": "pong"}]


def test_the_facilitator_may_set_any_speed_the_command_line_takes() -> None:
    """A room started with --speed 20 shows 20x in the menu; choosing it again, or any speed
    from 1 to 60, is accepted; other values are refused with the range."""
    for good in (20, 2.5, 1, 60):
        message = json.dumps({"kind": "speed", "speed": good})
        assert protocol.parse("facilitator", message)["speed"] == good
    for bad in (0.5, 61, True, "10", None):
        with pytest.raises(protocol.BadMessage, match="from 1 to 60"):
            protocol.parse("facilitator", json.dumps({"kind": "speed", "speed": bad}))
