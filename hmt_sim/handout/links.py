"""Join links for the role cards, read from what ``hmt-sim serve`` leaves or from a text file.

Two formats are read (``--links FILE``):

- the room file ``hmt-sim serve`` writes beside the session (``SESSION.room.json``, format
  ``hmt-sim-room``): the links are built from its tokens, address and port exactly as the server
  prints them;
- a text file with one join link per line, in seat order (seat 1 first). A line may carry a label
  before the link, as ``hmt-sim serve`` prints it ("Seat 3: http://..."); blank lines and lines
  starting with ``#`` are skipped. A link whose path is ``/red`` is the red cell's.

A facilitator's link is refused: it opens the facilitator's controls and the truth view, and a
handout is for participants.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from hmt_sim.errors import InputError

URL = re.compile(r"https?://\S+")
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class JoinLinks:
    """One link per seat (seat 1 first) and the red cell's, if the room has one."""

    seats: tuple[str, ...] = ()
    red: str | None = None
    source: Path | None = None


def _role(link: str) -> str:
    path = urlsplit(link).path.rstrip("/")
    return path.rsplit("/", 1)[-1] if path else ""


def _from_room_file(path: Path) -> JoinLinks:
    from hmt_sim.room.keys import RoomKeys
    from hmt_sim.room.server import public_host

    keys = RoomKeys.load(path)
    if not keys.port:
        raise InputError(f"{path}: the room has no port yet (start it with hmt-sim serve "
                         "first, then make the handout)")
    base = f"http://{public_host(keys.bind)}:{keys.port}"
    seats = tuple(f"{base}/seat/{n}?t={keys.seats[n]}" for n in sorted(keys.seats))
    red = f"{base}/red?t={keys.red}" if keys.red else None
    return JoinLinks(seats, red, path)


def _from_text(path: Path, text: str) -> JoinLinks:
    seats: list[str] = []
    red: str | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        found = URL.search(line)
        if found is None:
            raise InputError(f"{path}:{number}: no link on this line (expected http://... or "
                             "https://..., one join link per line, seat 1 first)")
        link = found.group(0)
        role = _role(link)
        if role == "facilitator":
            raise InputError(f"{path}:{number}: this is the facilitator's link; it opens the "
                             "facilitator's controls and the truth view and does not belong "
                             "on a participant's handout")
        if role == "red":
            if red is not None:
                raise InputError(f"{path}:{number}: a second red cell link; a room has one")
            red = link
        else:
            seats.append(link)
    if not seats and red is None:
        raise InputError(f"{path}: no join links in the file (one link per line, seat 1 first)")
    return JoinLinks(tuple(seats), red, path)


def read_links(path: str | os.PathLike[str]) -> JoinLinks:
    """The join links in ``path`` (a room file of ``hmt-sim serve`` or a text file)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"--links {p}: no such file (give the SESSION.room.json that hmt-sim "
                         "serve writes, or a text file with one join link per line)")
    if p.stat().st_size > MAX_BYTES:
        raise InputError(f"--links {p}: larger than {MAX_BYTES:,} bytes; not a links file")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"--links {p}: not UTF-8 text") from None
    if text.lstrip().startswith("{"):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"--links {p}:{error.lineno}: not valid JSON ({error.msg})") from None
        if isinstance(obj, dict) and obj.get("format") == "hmt-sim-room":
            return _from_room_file(p)
        raise InputError(f"--links {p}: a JSON file that is not a room file of hmt-sim serve "
                         "(format hmt-sim-room); give that file or a text file of links")
    return _from_text(p, text)
