"""The schema of a session file's lines, checked as untrusted input.

A session file may have been edited by hand, damaged by a disk or sent by someone else. Each line
kind - the header, a clock line, and one input per type - has a fixed set of keys with a type and
a range, and the whole file must describe inputs that a recorder could have written: time never
runs backwards and the same answer is not given twice. ``check_*`` return a problem as
``(key, message)`` or ``None``; ``hmt_sim.sessionfile`` adds the file and line.
"""

from __future__ import annotations

import math
import re
from typing import Any

from hmt_sim import actions
from hmt_sim.errors import InputError

FORMAT = "hmt-sim-session"
VERSION = 1
HEADER_KEYS = ("format", "version", "scenario", "scenario_id", "scenario_hash", "seed",
               "human_seats", "created")
# Keys a header may carry besides those (files of earlier releases lack them).
OPTIONAL_HEADER_KEYS = ("red_cell",)
MAX_SEED = 2**64 - 1
MAX_LABEL = 200
TIME_SLACK = 1e-6  # clock lines are rounded to 1 us; an input may sit just below one
# Inputs a recorder never writes twice in a row: the card is closed after an answer, and the
# visualiser skips a level or reliability that is already in force.
NO_REPEAT = ("decide", "set_levels", "set_reliability")
SEAT_RE = re.compile(r"operator(/[0-9]{1,6})?")
HASH_RE = re.compile(r"[0-9a-f]{64}")

Problem = tuple[str, str] | None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) \
        and math.isfinite(value)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_header(obj: dict[str, Any]) -> Problem:
    """The first line: what the run depends on besides the people (scenario checked later)."""
    missing = [k for k in HEADER_KEYS if k not in obj]
    if missing:
        return "header", f"lacks {', '.join(missing)}"
    unknown = sorted(set(obj) - set(HEADER_KEYS) - set(OPTIONAL_HEADER_KEYS))
    if unknown:
        return unknown[0], "unknown header key; allowed: " \
            f"{', '.join(HEADER_KEYS + OPTIONAL_HEADER_KEYS)}"
    if not isinstance(obj.get("red_cell", False), bool):
        return "red_cell", f"must be true or false, got {_show(obj['red_cell'])}"
    seed = obj["seed"]
    if not _is_int(seed) or not 0 <= seed <= MAX_SEED:
        return "seed", f"must be a whole number 0..2**64-1, got {_show(seed)}"
    seats = obj["human_seats"]
    if not isinstance(seats, list) or len(seats) > 1000:
        return "human_seats", f"must be a list of seats (operator, operator/N), got {_show(seats)}"
    for i, seat in enumerate(seats):
        if not isinstance(seat, str) or not SEAT_RE.fullmatch(seat):
            return f"human_seats.{i}", f"a seat is operator or operator/N, got {_show(seat)}"
    if not isinstance(obj["scenario"], dict):
        return "scenario", "must be the scenario as a mapping"
    if not isinstance(obj["scenario_id"], str) or not obj["scenario_id"]:
        return "scenario_id", f"must be the scenario's id, got {_show(obj['scenario_id'])}"
    if not isinstance(obj["scenario_hash"], str) or not HASH_RE.fullmatch(obj["scenario_hash"]):
        return "scenario_hash", "must be 64 hex digits (SHA-256)"
    if not isinstance(obj["created"], str) or len(obj["created"]) > 40:
        return "created", "must be a UTC time stamp"
    return None


def check_clock(obj: dict[str, Any]) -> Problem:
    """A ``{"clock": t}`` line: how far the run got."""
    if not _is_number(obj["clock"]) or obj["clock"] < 0:
        return "clock", f"must be a finite time >= 0 (seconds), got {_show(obj['clock'])}"
    return None


def _check_levels(levels: Any) -> Problem:
    if not isinstance(levels, dict) or not levels:
        return "levels", f"must map action classes to levels 1-10, got {_show(levels)}"
    known = actions.names()
    for action, level in levels.items():
        if action not in known:
            return f"levels.{action}", f"unknown action class; allowed: {', '.join(known)}"
        if not _is_int(level) or not 1 <= level <= 10:
            return f"levels.{action}", f"must be a whole number 1-10, got {_show(level)}"
    return None


def _check_inject(item: dict[str, Any]) -> Problem:
    from hmt_sim.injects import parse_inject  # the engine's own inject schema

    inject = item.get("inject")
    if not isinstance(inject, dict):
        return "inject", "must be a mapping with the inject's kind and parameters"
    if not isinstance(inject.get("kind"), str):
        return "inject.kind", f"must name the inject's kind, got {_show(inject.get('kind'))}"
    if "source" in item and not isinstance(item["source"], str):
        return "source", f"must be text, got {_show(item['source'])}"
    try:
        parse_inject({**inject, "at_s": item["t"]})
    except InputError as error:
        return "inject", str(error)
    return None


def _decision(item: dict[str, Any]) -> Problem:
    decision = item.get("decision")
    if not isinstance(decision, int) or isinstance(decision, bool) or decision < 0:
        return "decision", f"must be a decision id >= 0, got {_show(decision)}"
    operator = item.get("operator")
    if operator is not None and (not _is_int(operator) or not 0 <= operator < 10_000):
        return "operator", f"must be an operator seat number >= 0, got {_show(operator)}"
    return None


INPUT_KEYS: dict[str, tuple[set[str], set[str]]] = {  # type -> (required, optional) keys
    "decide": ({"decision", "choice"}, {"operator"}),
    "inspect": ({"decision"}, {"operator"}),
    "inject": ({"inject"}, {"source"}),
    "set_levels": ({"levels"}, set()),
    "set_reliability": ({"reliability"}, set()),
    "bookmark": ({"label"}, set()),
    "red_choose": ({"step"}, set()),
}


def check_input(item: dict[str, Any]) -> Problem:
    """One input line: its time, its type and exactly the keys that type takes."""
    from hmt_sim.session import CHOICES, RED_CHOICES

    t: Any = item.get("t")
    if not _is_number(t) or t < 0:
        return "t", f"must be a finite time >= 0 (seconds), got {_show(t)}"
    kind = item.get("type")
    if not isinstance(kind, str) or kind not in INPUT_KEYS:
        return "type", f"unknown input type {_show(kind)}; allowed: {', '.join(INPUT_KEYS)}"
    required, optional = INPUT_KEYS[kind]
    missing = sorted(required - set(item))
    if missing:
        return missing[0], f"a {kind} input needs it"
    unknown = sorted(set(item) - required - optional - {"t", "type"})
    if unknown:
        return unknown[0], f"not a key of a {kind} input; allowed: " \
            f"{', '.join(sorted(required | optional))}"
    if kind in ("decide", "inspect") and (problem := _decision(item)):
        return problem
    if kind == "decide" and (not isinstance(item["choice"], str)
                             or item["choice"] not in CHOICES):
        return "choice", f"must be one of {', '.join(CHOICES)}, got {_show(item['choice'])}"
    if kind == "set_levels":
        return _check_levels(item["levels"])
    if kind == "set_reliability" and (not _is_number(item["reliability"])
                                      or not 0 <= item["reliability"] <= 1):
        return "reliability", f"must be within 0..1, got {_show(item['reliability'])}"
    if kind == "bookmark" and (not isinstance(item["label"], str)
                               or len(item["label"]) > MAX_LABEL):
        return "label", f"must be text of at most {MAX_LABEL} characters"
    if kind == "inject":
        return _check_inject(item)
    if kind == "red_choose" and (not isinstance(item["step"], str)
                                 or item["step"] not in RED_CHOICES):
        return "step", f"must be one of {', '.join(RED_CHOICES)}, got {_show(item['step'])}"
    return None


class Sequence:
    """Whether the lines so far could have been recorded: time moves forward, no repeats."""

    def __init__(self) -> None:
        self.latest = 0.0
        self.latest_line = 1
        self.previous: dict[str, Any] | None = None

    def _forward(self, key: str, t: float, line: int) -> Problem:
        if t < self.latest - TIME_SLACK:
            return key, f"time goes backwards ({t:g} s here, {self.latest:g} s on line " \
                f"{self.latest_line}); a recorder never writes that (the file was edited)"
        if t >= self.latest:
            self.latest, self.latest_line = t, line
        return None

    def clock(self, t: float, line: int) -> Problem:
        """A clock line at ``t``; a problem if time went backwards."""
        return self._forward("clock", t, line)

    def input(self, item: dict[str, Any], line: int) -> Problem:
        """An input line; a problem if it goes back in time or repeats the one before."""
        t = float(item["t"])
        if item["type"] in NO_REPEAT and item == self.previous:
            return "type", f"the same {item['type']} input twice in a row at t={t:g}; a " \
                "recorder never writes that (the file was edited)"
        problem = self._forward("t", t, line)
        self.previous = item
        return problem
