"""Typed event records, the log, and JSONL read/write.

The event log is the single source of truth of a run (DESIGN.md principle 2): metrics, time series,
the debrief, the report and the replay are computed from it. An event is a flat JSON object with
``t`` (simulation seconds), ``seq`` (its order), ``kind`` (snake_case), ``track`` where a contact is
concerned, and the fields its kind declares in ``EVENT_KINDS``.

Events are plain dicts rather than class instances: a run appends tens of thousands of them and the
log is written as JSON, so a dict is both the cheapest record and the serialised form. The schema
lives in ``EVENT_KINDS`` and is enforced by ``EventLog.emit`` (unknown kinds and missing fields are
programming errors, caught at once).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from typing import Any

from hmt_sim.fileio import atomic_open

Event = dict[str, Any]

# kind -> (required fields besides t/seq/kind, one-line meaning). Optional fields may be added.
EVENT_KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "run_started": (("scenario", "seed", "version"), "a run began"),
    "spawn": (("track", "contact_kind", "true_class", "x", "y"), "a contact entered the area"),
    "detection": (("track", "sensor", "x", "y", "region"), "a sensor first saw a contact"),
    "classification": (
        ("track", "label", "confidence", "correct", "accuracy"),
        "the AI labelled a track (correct and accuracy are ground truth, hidden from players)",
    ),
    "recommendation": (
        ("track", "decision", "action", "label", "confidence", "level", "protocol"),
        "the AI recommended an action; level and protocol say who decides",
    ),
    "review_started": (("track", "decision", "operator"), "an operator started a review"),
    "review_ended": (
        ("track", "decision", "operator", "duration_s"),
        "an operator finished a review (any outcome); busy time for utilisation",
    ),
    "verification": (("track", "decision", "operator", "duration_s"), "an operator verified"),
    "approval": (
        ("track", "decision", "operator", "review_s", "verified", "by"),
        "a human approved (by: model or person)",
    ),
    "veto": (
        ("track", "decision", "operator", "review_s", "verified", "by"),
        "a human rejected (level <= 5) or vetoed (level 6) a recommendation",
    ),
    "timeout": (("track", "decision", "outcome"), "no human answer in time; outcome follows"),
    "inform": (("track", "decision"), "the AI informed the operator after acting (level 7/9)"),
    "gate": (("track", "decision", "rule", "outcome"), "an ROE/governance gate fired"),
    "engagement": (
        ("track", "decision", "action", "effector", "authorised_by", "level"),
        "force or a warning was used (authorised_by: human or ai)",
    ),
    "effect": (("track", "action", "success", "civilian_harm"), "the result of an engagement"),
    "impact": (("track", "damage"), "a hostile reached its target (a leaker)"),
    "exit": (("track",), "a contact left the area or its route ended"),
    "missed_threat": (("track", "noticed"), "the AI called a hostile civilian; noticed or not"),
    "assessment": (
        ("track", "true_class", "ai_label", "ai_correct"),
        "ground truth became known to the operators",
    ),
    "trust": (("operators", "trust"),
              "the trust of the seats sharing one trust record (one type) after an assessment"),
    "escalation_step": (
        ("side", "from_rung", "to_rung", "causes", "inadvertent"),
        "a side moved on the escalation ladder; causes are event seqs",
    ),
    "red_cell": (("step", "from_rung", "to_rung"), "a red cell chose red's step at a reaction"),
    "inject": (("inject", "label"), "a scripted or facilitator inject took effect"),
    "input": (("input",), "a person's input was applied (decision, parameter change, bookmark)"),
    "autonomy_change": (("levels", "reason"), "autonomy levels changed"),
    "sample": (
        ("trust", "utilisation", "queue", "ai_accuracy", "rung_blue", "rung_red"),
        "periodic state sample for time series",
    ),
    "run_ended": (("duration_s",), "the run finished"),
}

_REQUIRED = {kind: frozenset(spec[0]) for kind, spec in EVENT_KINDS.items()}
"""The fields each event kind must carry, as sets (checked on every emit)."""


class EventLog:
    """Append-only list of events with a strictly increasing ``seq``."""

    __slots__ = ("_last_t", "_last_t_rounded", "_on_append", "events")

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._on_append: list[Any] = []
        # The last time given and its rounding: a third of the events fall at the instant of
        # the one before, and rounding to 6 places is a decimal conversion, the dearest part
        # of an emit.
        self._last_t: object = None
        self._last_t_rounded = 0.0

    def emit(self, t: float, kind: str, track: int | None = None, **fields: Any) -> Event:
        required = _REQUIRED.get(kind)
        if required is None:
            raise KeyError(f"unknown event kind {kind!r}")
        events = self.events
        if t is self._last_t or (t == self._last_t and t != 0):  # (0 and -0 round apart)
            rounded = self._last_t_rounded
        else:
            rounded = self._last_t_rounded = round(float(t), 6)
            self._last_t = t
        # one dict literal, in the log's key order (t, seq, kind, track, fields)
        event: Event = (
            {"t": rounded, "seq": len(events), "kind": kind, **fields}
            if track is None else
            {"t": rounded, "seq": len(events), "kind": kind, "track": track, **fields})
        if not event.keys() >= required:
            missing = [name for name in EVENT_KINDS[kind][0] if name not in event]
            raise KeyError(f"event {kind!r} lacks field {missing[0]!r}")
        events.append(event)
        if self._on_append:
            for callback in self._on_append:
                callback(event)
        return event

    def subscribe(self, callback: Any) -> None:
        """Call ``callback(event)`` on every append (the session's live writer uses this)."""
        self._on_append.append(callback)

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)


def dumps(event: Event) -> str:
    """One event as one JSON line (sorted keys would reorder t/seq/kind, so insertion order)."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def write_jsonl(events: Iterable[Event], path: str | os.PathLike[str]) -> None:
    """Write atomically: a temp file in the same folder, flushed and synced, then renamed."""
    with atomic_open(path) as fh:
        for event in events:
            fh.write(dumps(event))
            fh.write("\n")


def read_jsonl(path: str | os.PathLike[str]) -> list[Event]:
    """Read an event log; a torn last line (a crash mid-write) is dropped, nothing else."""
    events: list[Event] = []
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            if number >= len(lines) - 1:
                break
            raise ValueError(f"{path}:{number}: not a JSON event line") from None
    return events
