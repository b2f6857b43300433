"""Session files: a live exercise written down as it happens, so it survives a crash.

A session file is JSON Lines. The first line is a header naming everything a run depends on
besides the people (DESIGN.md principle 1)::

    {"format": "hmt-sim-session", "version": 1, "scenario": {...full scenario...},
     "scenario_id": "...", "scenario_hash": "...", "seed": 7, "human_seats": ["operator"],
     "created": "2024-...Z"}

and ``"red_cell": true`` when people play the adversary's command (files without the key, from
earlier releases too, have no red cell).

Every following line is one input exactly as ``Session.inputs`` holds it (``{"t": ..., "type":
...}``), appended and flushed to disk (fsync) the moment it is made. A line ``{"clock": t}`` records
how far the simulation got, so a resume lands where the room left off and not at the last input.
A crash can tear only the last line; ``read`` drops it (``SessionRecord.torn_notice`` says so)
and ``resume`` cuts it off before appending.

A session file is untrusted input (``hmt_sim.sessionlines`` holds the schema of each line kind):
any other damage is an ``InputError`` located as ``FILE:LINE: error: key: message``, never a
traceback, and an input that the engine refuses on replay is located the same way. Files are
created and reopened without following links (``hmt_sim.fileio``); a failed write (disk full)
is cut back to the last whole line, so the file can always be resumed.

Nothing here knows a screen: the visualiser and the CLI both use these helpers.
"""

from __future__ import annotations

import json
import os
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from hmt_sim import sessionlines
from hmt_sim.errors import InputError
from hmt_sim.fileio import create_with, open_existing, user_error
from hmt_sim.scenario.schema import Scenario
from hmt_sim.session import INPUT_TYPES, Session
from hmt_sim.sessionlines import FORMAT, HEADER_KEYS, VERSION

__all__ = ["FORMAT", "HEADER_KEYS", "MAX_BYTES", "VERSION", "SessionRecord", "SessionWriter",
           "append", "make_header", "open", "read", "replay_session", "replay_to", "resume"]

MAX_BYTES = 256 * 2**20  # days of clock lines; a bigger file is not one hmt-sim wrote
MAX_LINE = 8 * 2**20  # the header holds the whole scenario (YAML files are capped at 2 MiB)
REPLAY_ERRORS = (InputError, KeyError, ValueError, TypeError, OverflowError)


def _hash(sc: Scenario) -> str:
    from hmt_sim.rundir import scenario_hash  # rundir imports session; keep this module light

    return scenario_hash(sc)


def _line(obj: dict[str, Any]) -> bytes:
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _where(path: Path, line: int, key: str, message: str) -> InputError:
    return InputError(f"{path}:{line}: error: {key}: {message}" if key
                      else f"{path}:{line}: error: {message}")


class SessionWriter:
    """An open session file. Every ``append`` reaches the disk before it returns; a write that
    fails (disk full) is cut back to the last whole line, and the writer then refuses more
    lines, so the file stays a readable, resumable prefix of the session."""

    def __init__(self, path: Path, fh: IO[bytes], header: dict[str, Any]) -> None:
        self.path = path
        self.header = header
        self._fh = fh
        self._size = fh.seek(0, os.SEEK_END)
        self._broken: str | None = None
        self.last_clock = 0.0

    def _write(self, obj: dict[str, Any]) -> None:
        if self._broken is not None:
            raise OSError(5, f"not written: an earlier write failed ({self._broken}); the file "
                          "holds the session up to then (resume it with --resume)",
                          str(self.path))
        data = _line(obj)
        try:
            self._fh.write(data)
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError as error:
            self._broken = error.strerror or str(error)
            self._cut_back()
            raise user_error(error, self.path) from None
        self._size += len(data)

    def _cut_back(self) -> None:
        """Drop a partly written line so the file ends with a whole one."""
        try:
            os.ftruncate(self._fh.fileno(), self._size)
            self._fh.seek(self._size)
        except (OSError, ValueError):
            pass  # the reader drops a torn last line anyway

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
        """Close the file (every line is already on disk)."""
        if not self._fh.closed:
            with suppress(OSError):  # a buffered flush after a failed write; nothing pends
                self._fh.close()

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_header(scenario: Scenario, seed: int, human_seats: list[str] | tuple[str, ...],
                red_cell: bool = False) -> dict[str, Any]:
    """The first line of a session file: everything the run depends on besides the people.
    ``red_cell`` is written only when a red cell plays (files without it read as before)."""
    header = {
        "format": FORMAT,
        "version": VERSION,
        "scenario": scenario.model_dump(mode="json"),
        "scenario_id": scenario.id,
        "scenario_hash": _hash(scenario),
        "seed": int(seed),
        "human_seats": list(human_seats),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if red_cell:
        header["red_cell"] = True
    return header


def open(path: str | os.PathLike[str], scenario: Scenario, seed: int,
         human_seats: list[str] | tuple[str, ...] = (), force: bool = False,
         red_cell: bool = False) -> SessionWriter:
    """Start a new session file (refuses to overwrite one unless ``force``).

    The file appears with its header already on disk, so a full disk leaves nothing behind;
    a link at ``path`` (even a dangling one) is refused, or replaced with ``force``, never
    written through."""
    p = Path(path)
    exists = os.path.lexists(p)
    if exists and not force:
        raise _exists(p)
    if p.parent and not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    header = make_header(scenario, seed, human_seats, red_cell=red_cell)
    try:
        fh = create_with(p, _line(header), replace=force)
    except FileExistsError:
        raise _exists(p) from None
    return SessionWriter(p, fh, header)


def _exists(p: Path) -> InputError:
    if p.is_symlink():
        return InputError(f"{p}: a symbolic link is in the way (hmt-sim does not write through "
                          "links); remove it, choose another name, or replace it with --force")
    return InputError(f"{p}: a session file already exists; resume it with --resume {p}, or "
                      "choose another name")


def append(writer: SessionWriter, item: dict[str, Any]) -> None:
    """Append one input to an open session file (flushed and synced)."""
    writer.append(item)


@dataclass
class SessionRecord:
    """What a session file holds: its header, inputs (with their line numbers), how far it
    ran, and whether the last line was torn (a crash mid-write)."""

    path: Path
    header: dict[str, Any]
    inputs: list[dict[str, Any]] = field(default_factory=list)
    clock: float = 0.0
    torn: bool = False
    good_bytes: int = 0
    lines: list[int] = field(default_factory=list)
    torn_line: int | None = None
    clock_line: int = 1

    @property
    def seed(self) -> int:
        """The run's seed (checked: a whole number >= 0)."""
        return int(self.header["seed"])

    @property
    def human_seats(self) -> list[str]:
        """The seats people held (checked: operator or operator/N)."""
        return list(self.header.get("human_seats", []))

    @property
    def red_cell(self) -> bool:
        """Whether a red cell played the adversary (checked: true or false; absent: no)."""
        return bool(self.header.get("red_cell", False))

    @property
    def resume_time(self) -> float:
        """Where the run stood when the file was last written."""
        last_input = max((float(i["t"]) for i in self.inputs), default=0.0)
        return max(self.clock, last_input)

    def torn_notice(self, action: str = "resumes") -> str | None:
        """What to tell the user about a torn last line (None when there is none)."""
        if self.torn_line is None:
            return None
        return (f"{self.path}:{self.torn_line}: warning: the last line is incomplete (the "
                f"program stopped while writing it); it is ignored and the session {action} "
                f"up to the line before it (t={self.resume_time:g} s)")

    def scenario(self) -> Scenario:
        """The scenario as it was when the session started (validated, hash-checked)."""
        try:
            sc = Scenario.model_validate(self.header["scenario"])
        except ValidationError as error:  # the file was edited or is from a newer hmt-sim
            first = error.errors()[0]
            where = ".".join(str(p) for p in ("scenario", *first["loc"]))
            raise _where(self.path, 1, where, f"{first['msg']} (the header's scenario is not "
                         f"valid with this version of hmt-sim; {error.error_count()} problem"
                         f"{'s' if error.error_count() != 1 else ''})") from None
        if _hash(sc) != self.header.get("scenario_hash"):
            raise _where(self.path, 1, "scenario_hash", "the scenario in the header does not "
                         "match its hash; the file was edited")
        if sc.id != self.header.get("scenario_id"):
            raise _where(self.path, 1, "scenario_id", f"{self.header.get('scenario_id')!r} "
                         f"is not the id of the header's scenario ({sc.id!r})")
        end = sc.run.duration_s + sessionlines.TIME_SLACK
        late = [(n, "t", i["t"]) for n, i in zip(self.lines, self.inputs, strict=True)
                if i["t"] > end] + ([(self.clock_line, "clock", self.clock)]
                                    if self.clock > end else [])
        if late:
            line, key, t = min(late)
            raise _where(self.path, line, key, f"{t:g} s is after the end of the run "
                         f"({sc.run.duration_s:g} s); a recorder never writes that")
        return sc

    def session(self, scenario: Scenario | None = None) -> Session:
        """A fresh session at t=0 that will apply the inputs at their times."""
        sc = self.scenario() if scenario is None else scenario
        try:
            return Session(sc, seed=self.seed, human_seats=self.human_seats,
                           inputs=self.inputs, red_cell=self.red_cell)
        except InputError as error:
            raise _where(self.path, 1, "human_seats", str(error)) from None


def read(path: str | os.PathLike[str]) -> SessionRecord:
    """Read a session file, dropping a torn last line; any other damage is a located error."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such session file")
    if p.stat().st_size > MAX_BYTES:
        raise InputError(f"{p}: {p.stat().st_size} bytes; a session file is at most "
                         f"{MAX_BYTES // 2**20} MiB")
    data = p.read_bytes()
    lines = data.split(b"\n")
    record: SessionRecord | None = None
    order = sessionlines.Sequence()
    offset = 0
    for number, raw in enumerate(lines, 1):
        end = offset + len(raw) + 1
        final = number == len(lines)  # no newline after it: a write may have stopped inside
        if not raw.strip():
            offset = end
            continue
        obj = _parse(p, number, raw)
        if obj is None:
            if final and record is not None:
                record.torn, record.torn_line = True, number
                break
            raise InputError(f"{p}:{number}: not a session line (JSON object expected): "
                             "error: not valid JSON; the line was damaged or edited")
        if record is None:
            record = _header(p, obj)
        else:
            _body_line(p, number, obj, record, order)
        record.good_bytes = min(end, len(data))  # the last line may lack its newline
        offset = end
    if record is None:
        raise InputError(f"{p}:1: error: empty session file (no header)")
    return record


def _parse(p: Path, number: int, raw: bytes) -> dict[str, Any] | None:
    """The line's JSON object, or None when it is not JSON (a torn or damaged line)."""
    if len(raw) > MAX_LINE:
        raise _where(p, number, "", f"a line of {len(raw)} bytes; at most {MAX_LINE}")
    try:
        obj = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(obj, dict):
        raise _where(p, number, "", f"a session line is a JSON object, got {type(obj).__name__}")
    return obj


def _header(p: Path, obj: dict[str, Any]) -> SessionRecord:
    if obj.get("format") != FORMAT:
        raise InputError(f"{p}:1: error: not an hmt-sim session file (header with "
                         f"format {FORMAT!r} expected)")
    if obj.get("version") != VERSION:
        raise _where(p, 1, "version", f"session format version {obj.get('version')!r}; this "
                     f"hmt-sim reads version {VERSION}")
    problem = sessionlines.check_header(obj)
    if problem:
        raise _where(p, 1, *problem)
    return SessionRecord(p, obj)


def _body_line(p: Path, number: int, obj: dict[str, Any], record: SessionRecord,
               order: sessionlines.Sequence) -> None:
    if "clock" in obj:
        if len(obj) != 1:
            raise _where(p, number, "clock", "a clock line holds only the clock")
        problem = sessionlines.check_clock(obj) or order.clock(float(obj["clock"]), number)
        if problem:
            raise _where(p, number, *problem)
        if float(obj["clock"]) >= record.clock:
            record.clock, record.clock_line = float(obj["clock"]), number
        return
    if "type" not in obj:
        raise _where(p, number, "", f"not an input (allowed types: {', '.join(INPUT_TYPES)}) "
                     "nor a clock line")
    problem = sessionlines.check_input(obj) or order.input(obj, number)
    if problem:
        raise _where(p, number, *problem)
    record.inputs.append(obj)
    record.lines.append(number)


def replay_to(session: Session, record: SessionRecord, t: float) -> float:
    """Run ``session`` to ``t`` applying the recorded inputs; an input the engine refuses is
    a located error (its line in the file), not a traceback."""
    try:
        return session.run_to(t)
    except REPLAY_ERRORS as error:
        index = len(session.inputs)  # inputs apply in file order; this one failed
        line = record.lines[index] if index < len(record.lines) else 1
        raise _where(record.path, line, "", f"this input cannot be replayed: {error}") from None


def resume(path: str | os.PathLike[str], scenario: Scenario | None = None,
           run: bool = True) -> tuple[Session, SessionRecord, SessionWriter]:
    """Rebuild the session of ``path`` at the time it reached, and reopen the file for appending.

    ``scenario``, when given, must be the one the session started with (same hash): a changed
    scenario file would silently replay a different exercise. A torn last line is cut off.
    The file is reopened without following a link.
    """
    record = read(path)
    saved = record.scenario()
    if scenario is not None and _hash(scenario) != record.header["scenario_hash"]:
        raise InputError(
            f"{record.path}: this session was recorded with a different version of scenario "
            f"{record.header['scenario_id']!r} (the file changed since); resume with "
            f"`hmt-sim play --resume {record.path}` to use the recorded copy"
        )
    session = record.session(saved)
    fh = open_existing(record.path)
    try:
        if run:
            replay_to(session, record, record.resume_time)
        fh.truncate(record.good_bytes)
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) != b"\n":
            fh.write(b"\n")  # a whole last line that lost only its newline
        fh.flush()
        os.fsync(fh.fileno())
    except BaseException:
        fh.close()
        raise
    writer = SessionWriter(record.path, fh, record.header)
    writer.last_clock = record.clock
    return session, record, writer


def replay_session(path: str | os.PathLike[str], check: bool = True
                   ) -> tuple[Session, SessionRecord]:
    """A fresh session at t=0 that will re-apply the file's inputs at their times (read-only).

    With ``check`` the inputs are first replayed once to where the file ends, so an input the
    engine refuses is reported at its line before anything is shown."""
    record = read(path)
    scenario = record.scenario()
    if check:
        replay_to(record.session(scenario), record, record.resume_time)
    return record.session(scenario), record
