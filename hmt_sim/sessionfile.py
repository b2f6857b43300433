"""Session files: a live exercise written down as it happens, so it survives a crash.

A session file is JSON Lines. The first line is a header naming everything a run depends on
besides the people (DESIGN.md principle 1)::

    {"format": "hmt-sim-session", "version": 1, "scenario": {...full scenario...},
     "scenario_id": "...", "scenario_hash": "...", "seed": 7, "human_seats": ["operator"],
     "created": "2024-...Z"}

Every following line is one input exactly as ``Session.inputs`` holds it (``{"t": ..., "type":
...}``), appended and flushed to disk (fsync) the moment it is made. A line ``{"clock": t}`` records
how far the simulation got, so a resume lands where the room left off and not at the last input.
A crash can tear only the last line; ``read`` drops it and ``resume`` cuts it off before appending.

Nothing here knows a screen: the visualiser and the CLI both use these helpers.
"""

from __future__ import annotations

import builtins
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from hmt_sim.errors import InputError
from hmt_sim.scenario.schema import Scenario
from hmt_sim.session import INPUT_TYPES, Session

FORMAT = "hmt-sim-session"
VERSION = 1
HEADER_KEYS = ("format", "version", "scenario", "scenario_id", "scenario_hash", "seed",
               "human_seats", "created")


def _hash(sc: Scenario) -> str:
    from hmt_sim.rundir import scenario_hash  # rundir imports session; keep this module light

    return scenario_hash(sc)


def _line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n"


class SessionWriter:
    """An open session file. Every ``append`` reaches the disk before it returns."""

    def __init__(self, path: Path, fh: IO[str], header: dict[str, Any]) -> None:
        self.path = path
        self.header = header
        self._fh = fh
        self.last_clock = 0.0

    def _write(self, obj: dict[str, Any]) -> None:
        self._fh.write(_line(obj))
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def append(self, item: dict[str, Any]) -> None:
        """Append one input (a dict from ``Session.inputs``)."""
        if item.get("type") not in INPUT_TYPES or "t" not in item:
            raise InputError(f"not a session input: {item!r}")
        self._write(item)

    def clock(self, t: float) -> None:
        """Record that the simulation reached ``t`` (a resume point between inputs)."""
        self.last_clock = round(float(t), 6)
        self._write({"clock": self.last_clock})

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_header(scenario: Scenario, seed: int, human_seats: list[str] | tuple[str, ...]
                ) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "scenario": scenario.model_dump(mode="json"),
        "scenario_id": scenario.id,
        "scenario_hash": _hash(scenario),
        "seed": int(seed),
        "human_seats": list(human_seats),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def open(path: str | os.PathLike[str], scenario: Scenario, seed: int,
         human_seats: list[str] | tuple[str, ...] = (), force: bool = False) -> SessionWriter:
    """Start a new session file (refuses to overwrite one unless ``force``)."""
    p = Path(path)
    if p.exists() and not force:
        raise InputError(f"{p}: a session file already exists; resume it with "
                         f"--resume {p}, or choose another name")
    if p.parent and not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    header = make_header(scenario, seed, human_seats)
    fh = builtins.open(p, "w", encoding="utf-8")  # noqa: SIM115 (the writer owns it)
    writer = SessionWriter(p, fh, header)
    writer._write(header)
    return writer


def append(writer: SessionWriter, item: dict[str, Any]) -> None:
    """Append one input to an open session file (flushed and synced)."""
    writer.append(item)


@dataclass
class SessionRecord:
    """What a session file holds: its header, inputs, how far it ran, and whether the last
    line was torn (a crash mid-write)."""

    path: Path
    header: dict[str, Any]
    inputs: list[dict[str, Any]] = field(default_factory=list)
    clock: float = 0.0
    torn: bool = False
    good_bytes: int = 0

    @property
    def seed(self) -> int:
        return int(self.header["seed"])

    @property
    def human_seats(self) -> list[str]:
        return list(self.header.get("human_seats", []))

    @property
    def resume_time(self) -> float:
        """Where the run stood when the file was last written."""
        last_input = max((float(i["t"]) for i in self.inputs), default=0.0)
        return max(self.clock, last_input)

    def scenario(self) -> Scenario:
        """The scenario as it was when the session started (hash-checked)."""
        try:
            sc = Scenario.model_validate(self.header["scenario"])
        except Exception as error:  # pydantic ValidationError: the file was edited or is newer
            raise InputError(f"{self.path}: the header's scenario is not valid with this "
                             f"version of hmt-sim: {error}") from None
        if _hash(sc) != self.header.get("scenario_hash"):
            raise InputError(f"{self.path}: the scenario in the header does not match its hash; "
                             "the file was edited")
        return sc


def read(path: str | os.PathLike[str]) -> SessionRecord:
    """Read a session file, dropping a torn last line; anything else malformed is an error."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such session file")
    data = p.read_bytes()
    lines = data.split(b"\n")
    record: SessionRecord | None = None
    offset = 0
    for number, raw in enumerate(lines, 1):
        end = offset + len(raw) + 1
        last = number == len(lines) or (number == len(lines) - 1 and lines[-1] == b"")
        if not raw.strip():
            offset = end
            continue
        try:
            obj = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            if last and record is not None:
                record.torn = True
                break
            raise InputError(f"{p}:{number}: not a session line (JSON object expected)") from None
        if record is None:
            if not isinstance(obj, dict) or obj.get("format") != FORMAT:
                raise InputError(f"{p}:1: not an hmt-sim session file (header with "
                                 f"format {FORMAT!r} expected)")
            if obj.get("version") != VERSION:
                raise InputError(f"{p}:1: session format version {obj.get('version')!r}; "
                                 f"this hmt-sim reads version {VERSION}")
            missing = [k for k in HEADER_KEYS if k not in obj]
            if missing:
                raise InputError(f"{p}:1: header lacks {', '.join(missing)}")
            record = SessionRecord(p, obj)
        elif isinstance(obj, dict) and "clock" in obj and len(obj) == 1:
            record.clock = max(record.clock, float(obj["clock"]))
        elif isinstance(obj, dict) and obj.get("type") in INPUT_TYPES and "t" in obj:
            record.inputs.append(obj)
        else:
            raise InputError(f"{p}:{number}: not an input (allowed types: "
                             f"{', '.join(INPUT_TYPES)}) nor a clock line")
        record.good_bytes = min(end, len(data))  # the last line may lack its newline
        offset = end
    if record is None:
        raise InputError(f"{p}: empty session file (no header)")
    return record


def resume(path: str | os.PathLike[str], scenario: Scenario | None = None,
           run: bool = True) -> tuple[Session, SessionRecord, SessionWriter]:
    """Rebuild the session of ``path`` at the time it reached, and reopen the file for appending.

    ``scenario``, when given, must be the one the session started with (same hash): a changed
    scenario file would silently replay a different exercise. A torn last line is cut off.
    """
    record = read(path)
    saved = record.scenario()
    if scenario is not None and _hash(scenario) != record.header["scenario_hash"]:
        raise InputError(
            f"{record.path}: this session was recorded with a different version of scenario "
            f"{record.header['scenario_id']!r} (the file changed since); resume with "
            f"`hmt-sim play --resume {record.path}` to use the recorded copy"
        )
    session = Session(saved, seed=record.seed, human_seats=record.human_seats,
                      inputs=record.inputs)
    if run:
        session.run_to(record.resume_time)
    with builtins.open(record.path, "r+b") as fh:
        fh.truncate(record.good_bytes)
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) != b"\n":
            fh.write(b"\n")  # a whole last line that lost only its newline
    fh2 = builtins.open(record.path, "a", encoding="utf-8")  # noqa: SIM115
    writer = SessionWriter(record.path, fh2, record.header)
    writer.last_clock = record.clock
    return session, record, writer


def replay_session(path: str | os.PathLike[str]) -> tuple[Session, SessionRecord]:
    """A fresh session at t=0 that will re-apply the file's inputs at their times (read-only)."""
    record = read(path)
    session = Session(record.scenario(), seed=record.seed, human_seats=record.human_seats,
                      inputs=record.inputs)
    return session, record
