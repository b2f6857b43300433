"""Seat, facilitator and red-cell tokens, kept beside the session file.

A token is ``secrets.token_urlsafe(16)`` (128 random bits), carried in the join link. The tokens
live in ``<session>.room.json`` (mode 0600, never written through a link) so that a room resumed
after a crash (even ``kill -9``) keeps every link valid and phones reconnect to their seats.
Comparison is constant-time.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hmt_sim.errors import InputError

FACILITATOR = "facilitator"
RED = "red"
FORMAT = "hmt-sim-room"
MIN_SPEED, MAX_SPEED = 1.0, 60.0  # simulated seconds per wall second a room may run at


def new_token() -> str:
    """An unguessable token (128 bits, URL-safe)."""
    return secrets.token_urlsafe(16)


def keys_path(session_path: Path) -> Path:
    """Where the tokens of the room recorded in ``session_path`` are kept."""
    return session_path.with_name(session_path.stem + ".room.json")


@dataclass
class RoomKeys:
    """The tokens of one room: one per seat (by seat number, 1-based), the facilitator's, and
    the red cell's when the room has one. ``port``/``bind`` are remembered so resumed links
    stay the same, and ``speed`` (the clock's speed the facilitator last set; None: not yet)
    so a resumed room runs as it did."""

    seats: dict[int, str]
    facilitator: str
    red: str | None = None
    bind: str = "127.0.0.1"
    port: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    speed: float | None = None

    @classmethod
    def create(cls, seats: int, red: bool) -> RoomKeys:
        """Fresh tokens for ``seats`` seats (and a red cell)."""
        return cls({n: new_token() for n in range(1, seats + 1)}, new_token(),
                   new_token() if red else None)

    def role_of(self, role: str, token: str | None) -> bool:
        """Does ``token`` open ``role`` (``"seat/N"``, ``"facilitator"`` or ``"red"``)?"""
        if not token or not isinstance(token, str) or len(token) > 64:
            return False
        expected: str | None
        if role == FACILITATOR:
            expected = self.facilitator
        elif role == RED:
            expected = self.red
        elif role.startswith("seat/") and role[5:].isdigit():
            expected = self.seats.get(int(role[5:]))
        else:
            expected = None
        return expected is not None and secrets.compare_digest(expected.encode(),
                                                               token.encode())

    def reissue(self, seat: int) -> str:
        """A new token for ``seat`` (the old link stops working): give the seat to another
        device."""
        if seat not in self.seats:
            raise InputError(f"no seat {seat}; seats are 1..{len(self.seats)}")
        self.seats[seat] = new_token()
        return self.seats[seat]

    def to_json(self) -> dict[str, Any]:
        """The file's content."""
        return {"format": FORMAT, "seats": {str(k): v for k, v in self.seats.items()},
                "facilitator": self.facilitator, "red": self.red, "bind": self.bind,
                "port": self.port, "speed": self.speed}

    def save(self, path: Path) -> None:
        """Write the tokens with mode 0600, replacing the file atomically, never through a
        link."""
        data = json.dumps(self.to_json(), indent=1).encode()
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(tmp, flags, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> RoomKeys:
        """Read the tokens written by ``save``; damage is an error naming the file."""
        if path.is_symlink():
            raise InputError(f"{path}: a symbolic link; hmt-sim does not read room keys "
                             "through links")
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{path}: no room keys beside the session file (was it served "
                             "with hmt-sim serve?)") from None
        except (OSError, ValueError) as error:
            raise InputError(f"{path}: cannot read the room keys ({error})") from None
        try:
            if obj.get("format") != FORMAT:
                raise ValueError("not a room keys file")
            seats = {int(k): str(v) for k, v in obj["seats"].items()}
            keys = cls(seats, str(obj["facilitator"]),
                       None if obj.get("red") is None else str(obj["red"]),
                       str(obj.get("bind", "127.0.0.1")), int(obj.get("port", 0)))
            speed = obj.get("speed")
            if speed is not None:
                if not isinstance(speed, int | float) or not MIN_SPEED <= speed <= MAX_SPEED:
                    raise ValueError(f"speed {speed!r} is not from {MIN_SPEED:g} to "
                                     f"{MAX_SPEED:g}")
                keys.speed = float(speed)
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            raise InputError(f"{path}: damaged room keys ({error})") from None
        return keys
