"""Small helpers shared by the metric groups: indexing a log and honest ratios."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from hmt_sim.actions import is_lethal
from hmt_sim.events import Event


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when nothing was there to count (never a fake 0)."""
    if denominator == 0:
        return None
    return numerator / denominator


def mean(values: Iterable[float]) -> float | None:
    vals = list(values)
    return sum(vals) / len(vals) if vals else None


class LogIndex:
    """One pass over a log: events by kind and by decision, and the run's parameters."""

    def __init__(self, events: list[Event]) -> None:
        self.events = events
        self.by_kind: dict[str, list[Event]] = defaultdict(list)
        self.by_decision: dict[int, dict[str, list[Event]]] = defaultdict(lambda: defaultdict(list))
        for e in events:
            self.by_kind[e["kind"]].append(e)
            d = e.get("decision")
            if d is not None:
                self.by_decision[d][e["kind"]].append(e)
        started = self.by_kind.get("run_started")
        self.params: dict[str, Any] = started[0].get("params", {}) if started else {}
        # Rules of engagement change mid-run (roe_change injects): keep when each change came.
        self._roe_changes = [(e["t"], e.get("params", {}).get("changes", {}))
                             for e in self.by_kind.get("inject", [])
                             if e["inject"] == "roe_change"]
        ended = self.by_kind.get("run_ended")
        self.duration = ended[-1]["duration_s"] if ended else (events[-1]["t"] if events else 0.0)

    def roe_at(self, key: str, t: float) -> Any:
        """The value of ROE parameter ``key`` in force at time ``t``."""
        value = self.params.get(key)
        for when, changes in self._roe_changes:
            if when <= t and key in changes:
                value = changes[key]
        return value

    def kind(self, name: str) -> list[Event]:
        return self.by_kind.get(name, [])

    def uof(self) -> list[Event]:
        """Uses of force: kinetic engagements (jamming and warnings are not force), by the
        action table's ``lethal`` attribute."""
        return [e for e in self.kind("engagement") if is_lethal(e["action"])]

    def recommendation(self, decision: int) -> Event | None:
        recs = self.by_decision.get(decision, {}).get("recommendation")
        return recs[0] if recs else None

    def approval(self, decision: int) -> Event | None:
        ap = self.by_decision.get(decision, {}).get("approval")
        return ap[-1] if ap else None

