"""What the agent in a seat sees: the card in front of it and its context, never ground truth.

An observation is a ``gymnasium.spaces.Dict`` of four bounded float32 vectors whose elements are
named in ``ObservationLayout.fields`` (docs/gymnasium.md lists them):

* ``card`` - the oldest card waiting for this seat: the recommended action, the AI's label and
  confidence, the protocol and level, the time left, whether it was inspected, how long it waited;
* ``track`` - the contact the card is about, as the sensors show it: position, distance to the
  defended asset, speed and closing speed since first detection, how long it has been tracked, the
  region it is in;
* ``context`` - the clock, cards waiting, the operators' queue, both escalation rungs, comms, the
  AI reliability setting, the autonomy level of every action class, contacts on the picture;
* ``recent`` - what happened in the last ``recent_s`` seconds: leakers that hit, uses of force,
  assessments that showed the AI right or wrong, decisions that ran out of time;
* ``inspection`` - once this seat has inspected the card (which costs its verification time),
  what ``Session.inspect`` showed: the AI's bias multiplier in the track's region, its drift,
  whether spoofing is active, how often it recommended action on the track, the ROE gates.

Everything comes from the ``Session`` API (cards, ``snapshot()``, the event log), and nothing an
operator could not know is read: no true class, no classification correctness, no AI accuracy.
Assessments are the exception by design: the engine reveals the truth about a track to the
operators after ``operators.assessment_delay_s``, and so does the observation.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from hmt_sim.events import Event
from hmt_sim.scenario import Scenario

LABELS = ("hostile", "civilian")
PROTOCOLS = ("manual", "approval", "veto")  # the protocols under which a person answers a card
RECENT = ("impacts", "engagements", "ai_right_revealed", "ai_wrong_revealed", "timeouts")
MAX_COUNT = 10_000.0  # bound of every count (cards, queue, contacts, recent events)
MAX_SPEED_MPS = 2_000.0  # bound of speeds; faster than any contact kind a scenario defines
MAX_FACTOR = 10.0  # bound of the inspection's bias multiplier and drift shift
OPEN_REGION = "open"  # the engine's name for a place outside every scenario region

Card = dict[str, Any]


@dataclass(frozen=True)
class ObservationLayout:
    """Names and bounds of every element of the four observation vectors of one scenario."""

    fields: dict[str, tuple[str, ...]]
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]

    @classmethod
    def for_scenario(cls, scenario: Scenario, actions: tuple[str, ...]) -> ObservationLayout:
        """The layout for a scenario: its area, regions, operators and action classes set the
        bounds and the one-hot vocabularies."""
        d = float(scenario.run.duration_s)
        w, h = float(scenario.area.width_km), float(scenario.area.height_km)
        regions = (*[r.id for r in scenario.area.regions], OPEN_REGION)
        parts: dict[str, list[tuple[str, float, float]]] = {
            "card": [
                ("has_card", 0, 1),
                *[(f"action.{a}", 0, 1) for a in actions],
                *[(f"label.{lb}", 0, 1) for lb in LABELS],
                ("confidence", 0, 1),
                *[(f"protocol.{p}", 0, 1) for p in PROTOCOLS],
                ("level", 0, 10), ("time_left_s", 0, d), ("inspected", 0, 1), ("waiting_s", 0, d),
            ],
            "track": [
                ("known", 0, 1), ("x_km", 0, w), ("y_km", 0, h),
                ("asset_distance_km", 0, math.hypot(w, h)),
                ("speed_mps", 0, MAX_SPEED_MPS), ("closing_mps", -MAX_SPEED_MPS, MAX_SPEED_MPS),
                ("tracked_s", 0, d), *[(f"region.{r}", 0, 1) for r in regions],
            ],
            "context": [
                ("time_fraction", 0, 1), ("my_cards", 0, MAX_COUNT), ("all_cards", 0, MAX_COUNT),
                ("queue", 0, MAX_COUNT), ("busy_operators", 0, scenario.operators.count),
                ("rung_blue", 0, 7), ("rung_red", 0, 7), ("comms_up", 0, 1),
                ("ai_reliability", 0, 1), *[(f"level.{a}", 0, 10) for a in actions],
                ("contacts_detected", 0, MAX_COUNT), ("contacts_labelled_hostile", 0, MAX_COUNT),
            ],
            "recent": [(name, 0, MAX_COUNT) for name in RECENT],
            "inspection": [
                ("shown", 0, 1), ("region_bias", 0, MAX_FACTOR), ("drift_shift", 0, MAX_FACTOR),
                ("spoofing_active", 0, 1), ("recommendations", 0, MAX_COUNT),
                ("gates_fired", 0, MAX_COUNT), ("gates_blocked", 0, MAX_COUNT),
            ],
        }
        return cls(
            fields={k: tuple(f[0] for f in v) for k, v in parts.items()},
            low={k: np.array([f[1] for f in v], dtype=np.float32) for k, v in parts.items()},
            high={k: np.array([f[2] for f in v], dtype=np.float32) for k, v in parts.items()},
        )

    def space(self) -> spaces.Dict:
        """The Gymnasium observation space (a fresh object each call)."""
        return spaces.Dict({k: spaces.Box(self.low[k], self.high[k], dtype=np.float32)
                            for k in self.fields})

    def encode(self, values: dict[str, dict[str, float]]) -> dict[str, np.ndarray]:
        """Named values -> the vectors, missing names as 0 and every value clipped to its
        bounds (a count beyond ``MAX_COUNT`` reads as ``MAX_COUNT``)."""
        out = {}
        for part, names in self.fields.items():
            given = values.get(part, {})
            vec = np.array([given.get(n, 0.0) for n in names], dtype=np.float32)
            out[part] = np.clip(vec, self.low[part], self.high[part])
        return out


class Observer:
    """Reads the event log as it grows (each event once) and builds observations.

    It keeps only what an operator console would: where each track was first seen, the region
    it was last placed in, the deadline of each review, and the recent outcome events.
    """

    def __init__(self, scenario: Scenario, layout: ObservationLayout, recent_s: float) -> None:
        self.scenario = scenario
        self.layout = layout
        self.recent_s = recent_s
        self.asset = (float(scenario.blue.defended_asset.x), float(scenario.blue.defended_asset.y))
        self.reset()

    def reset(self) -> None:
        """Forget the previous episode."""
        self._cursor = 0
        self._first_seen: dict[int, tuple[float, float, float]] = {}
        self._region: dict[int, str] = {}
        self._deadline: dict[tuple[int, int], float] = {}
        self._recent: deque[tuple[float, str]] = deque()

    def update(self, events: list[Event]) -> None:
        """Take in the events appended since the last call."""
        for e in events[self._cursor:]:
            kind = e["kind"]
            if kind == "detection":
                self._first_seen.setdefault(e["track"], (e["t"], e["x"], e["y"]))
                self._region[e["track"]] = e["region"]
            elif kind == "classification" and e.get("region") is not None:
                self._region[e["track"]] = e["region"]
            elif kind == "review_started" and e.get("deadline_s") is not None:
                self._deadline[(e["decision"], e["operator"])] = float(e["deadline_s"])
            elif kind == "impact":
                self._recent.append((e["t"], "impacts"))
            elif kind == "engagement":
                self._recent.append((e["t"], "engagements"))
            elif kind == "assessment":
                self._recent.append(
                    (e["t"], "ai_right_revealed" if e["ai_correct"] else "ai_wrong_revealed"))
            elif kind == "timeout":
                self._recent.append((e["t"], "timeouts"))
        self._cursor = len(events)

    def observe(self, now: float, seat: int, cards: list[Card], all_cards: int,
                snapshot: dict[str, Any], inspection: dict[str, Any] | None = None
                ) -> dict[str, np.ndarray]:
        """The observation of ``seat`` now; ``cards`` are the seat's own, oldest first, and
        ``inspection`` what ``Session.inspect`` returned for the first of them, if inspected."""
        while self._recent and self._recent[0][0] < now - self.recent_s:
            self._recent.popleft()
        card = cards[0] if cards else None
        contacts = [c for c in snapshot["contacts"] if c["detected"]]
        return self.layout.encode({
            "card": self._card(now, seat, card),
            "track": self._track(now, card, contacts),
            "context": self._context(now, len(cards), all_cards, snapshot, contacts),
            "recent": {name: float(sum(1 for _, n in self._recent if n == name))
                       for name in RECENT},
            "inspection": {} if card is None or inspection is None else _inspection(inspection),
        })

    def time_left(self, now: float, seat: int, card: Card) -> float:
        """Seconds until the card's deadline; on a veto card (whose ``time_left_s`` is None),
        until its window closes (the deadline of the seat's review)."""
        left = card["time_left_s"]
        if left is None:
            deadline = self._deadline.get((card["decision"], seat))
            left = 0.0 if deadline is None else max(0.0, deadline - now)
        return float(left)

    def _card(self, now: float, seat: int, card: Card | None) -> dict[str, float]:
        if card is None:
            return {}
        left = self.time_left(now, seat, card)
        return {
            "has_card": 1.0, f"action.{card['action']}": 1.0,
            **({f"label.{card['label']}": 1.0} if card["label"] in LABELS else {}),
            "confidence": float(card["confidence"]), f"protocol.{card['protocol']}": 1.0,
            "level": float(card["level"]), "time_left_s": float(left),
            "inspected": float(bool(card["inspected"])), "waiting_s": float(card["waiting_s"]),
        }

    def _track(self, now: float, card: Card | None, contacts: list[dict[str, Any]]
               ) -> dict[str, float]:
        if card is None:
            return {}
        track = card["track"]
        here = next((c for c in contacts if c["track"] == track), None)
        out: dict[str, float] = {}
        region = self._region.get(track)
        if region is not None:
            out[f"region.{region}"] = 1.0
        if here is None:  # gone from the picture (or never on it): only its last region
            return out
        x, y = float(here["x"]), float(here["y"])
        dist = math.hypot(x - self.asset[0], y - self.asset[1])
        out.update({"known": 1.0, "x_km": x, "y_km": y, "asset_distance_km": dist})
        seen = self._first_seen.get(track)
        if seen is not None and now > seen[0]:
            dt = now - seen[0]
            dist0 = math.hypot(seen[1] - self.asset[0], seen[2] - self.asset[1])
            out["speed_mps"] = math.hypot(x - seen[1], y - seen[2]) * 1000.0 / dt
            out["closing_mps"] = (dist0 - dist) * 1000.0 / dt
            out["tracked_s"] = dt
        return out

    def _context(self, now: float, mine: int, all_cards: int, snapshot: dict[str, Any],
                 contacts: list[dict[str, Any]]) -> dict[str, float]:
        out = {
            "time_fraction": now / float(self.scenario.run.duration_s),
            "my_cards": float(mine), "all_cards": float(all_cards),
            "queue": float(snapshot["queue"]), "busy_operators": float(snapshot["busy_operators"]),
            "rung_blue": float(snapshot["rung_blue"]), "rung_red": float(snapshot["rung_red"]),
            "comms_up": float(bool(snapshot["comms_up"])),
            "ai_reliability": float(snapshot["ai_reliability"]),
            "contacts_detected": float(len(contacts)),
            "contacts_labelled_hostile": float(sum(1 for c in contacts
                                                   if c["label"] == "hostile")),
        }
        out.update({f"level.{a}": float(lv) for a, lv in snapshot["levels"].items()})
        return out


def _inspection(shown: dict[str, Any]) -> dict[str, float]:
    """The numbers of an ``explain`` view (missing entries as 0)."""
    gates = shown.get("gates") or []
    return {
        "shown": 1.0,
        "region_bias": float(shown.get("region_bias") or 0.0),
        "drift_shift": float(shown.get("drift_shift") or 0.0),
        "spoofing_active": float(bool(shown.get("spoofing_active"))),
        "recommendations": float(len(shown.get("recommendations") or [])),
        "gates_fired": float(len(gates)),
        "gates_blocked": float(sum(1 for g in gates if g.get("outcome") == "blocked")),
    }
