"""What each role may send over its websocket: kinds, sizes and rates.

Every message is a JSON object with a ``kind`` from the role's whitelist and, for inputs, a
client-chosen ``id`` so a message resent after a dropped connection is answered again, not
applied twice. A bad message gets an error back naming what is allowed; nothing is applied.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from hmt_sim.room.keys import MAX_SPEED, MIN_SPEED

MAX_BYTES = 4096
"""The largest message a client may send (a decision is under 100 bytes)."""
RATE_PER_S = 8.0
"""Sustained messages per second per seat (all its connections); a burst of ``BURST``."""
BURST = 24.0
MESSAGE_CHARS = 280
"""The longest facilitator message to a seat."""

KINDS: dict[str, tuple[str, ...]] = {
    "seat": ("decide", "inspect", "ping"),
    "red": ("red_choose", "ping"),
    "facilitator": ("pause", "resume", "speed", "message", "reassign", "ping"),
}
CHOICES = ("approve", "reject")
RED_STEPS = ("escalate", "hold", "de-escalate", "model")
SPEEDS = (1, 2, 5, 10, 30, 60)
"""The facilitator menu's speeds; any speed from MIN_SPEED to MAX_SPEED is accepted."""


class BadMessage(ValueError):
    """A message a role may not send, or a malformed one; the text says what is allowed."""


@dataclass
class RateLimit:
    """A token bucket per seat: ``BURST`` messages at once, ``RATE_PER_S`` sustained."""

    rate: float = RATE_PER_S
    burst: float = BURST
    tokens: float = BURST
    at: float = field(default_factory=time.monotonic)

    def allow(self) -> bool:
        """Take one token if there is one."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


def _int(msg: dict[str, Any], key: str, low: int, high: int) -> int:
    value = msg.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadMessage(f"'{key}' must be a whole number from {low} to {high}, got "
                         f"{value!r:.40}")
    return value


def parse(role: str, text: str | bytes) -> dict[str, Any]:
    """Check one message from ``role`` (``seat``, ``red`` or ``facilitator``); returns the
    cleaned message holding only the keys its kind uses."""
    if isinstance(text, bytes):
        raise BadMessage("send text (JSON), not binary data")
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise BadMessage(f"message too large ({len(text)} characters; at most {MAX_BYTES} "
                         "bytes)")
    try:
        msg = json.loads(text)
    except ValueError:
        raise BadMessage("not JSON; send an object such as {\"kind\": \"ping\"}") from None
    if not isinstance(msg, dict):
        raise BadMessage("send a JSON object with a 'kind'")
    kind = msg.get("kind")
    allowed = KINDS[role]
    if kind not in allowed:
        raise BadMessage(f"kind {kind!r:.40} is not allowed here; allowed: {', '.join(allowed)}")
    out: dict[str, Any] = {"kind": kind}
    if "id" in msg:
        mid = msg["id"]
        if not isinstance(mid, str) or not 0 < len(mid) <= 64:
            raise BadMessage("'id' must be a string of 1 to 64 characters")
        out["id"] = mid
    if kind in ("decide", "inspect"):
        out["decision"] = _int(msg, "decision", 0, 10**9)
    if kind == "decide":
        if msg.get("choice") not in CHOICES:
            raise BadMessage(f"'choice' must be one of {', '.join(CHOICES)}, got "
                             f"{msg.get('choice')!r:.40}")
        out["choice"] = msg["choice"]
    elif kind == "red_choose":
        if msg.get("step") not in RED_STEPS:
            raise BadMessage(f"'step' must be one of {', '.join(RED_STEPS)}, got "
                             f"{msg.get('step')!r:.40}")
        out["step"] = msg["step"]
    elif kind == "speed":
        # Any speed the command line accepts (--speed 20 shows in the menu beside SPEEDS).
        speed = msg.get("speed")
        if isinstance(speed, bool) or not isinstance(speed, int | float) \
                or not MIN_SPEED <= speed <= MAX_SPEED:
            raise BadMessage(f"'speed' must be a number from {MIN_SPEED:g} to {MAX_SPEED:g} "
                             f"(the menu offers {', '.join(map(str, SPEEDS))})")
        out["speed"] = float(speed)
    elif kind == "message":
        text_ = msg.get("text")
        if not isinstance(text_, str) or not text_.strip() or len(text_) > MESSAGE_CHARS:
            raise BadMessage(f"'text' must be 1 to {MESSAGE_CHARS} characters")
        out["text"] = text_.strip()
        seat = msg.get("seat", 0)
        out["seat"] = _int({"seat": seat}, "seat", 0, 10**4)  # 0: every seat
    elif kind == "reassign":
        out["seat"] = _int(msg, "seat", 1, 10**4)
    return out
