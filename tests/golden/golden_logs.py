"""What the behaviour-preservation test compares: an event log with the fields that later
changes added (and nothing else) taken out, serialised exactly as ``events.jsonl`` is, hashed."""

from __future__ import annotations

import hashlib
from typing import Any

from hmt_sim.events import dumps
from hmt_sim.scenario.library import bundled_ids

SEEDS = (1, 2, 3)
# Every autonomy protocol, on scenarios that exercise gates, two-person rules and injects.
LEVEL_CASES = tuple((sid, level) for sid in ("airbase_swarm", "urban_nomination")
                    for level in range(1, 11))

# Fields added after the golden digests were taken, by event kind ("*": every kind). Only
# additions may appear here: a changed or removed field changes the digest and fails the test.
ADDED_FIELDS: dict[str, frozenset[str]] = {
    # issue 10: who authorised and the loop position, from the protocol table
    "engagement": frozenset({"loop", "protocol", "human_could_stop"}),
    # issue 10: which classifier and operator-policy plugins the run used
    "run_started": frozenset({"classifier", "operator_policy"}),
}


def scenario_ids() -> list[str]:
    """The bundled scenarios whose logs are pinned."""
    return bundled_ids()


def strip_added(event: dict[str, Any]) -> dict[str, Any]:
    """The event without the fields listed in ``ADDED_FIELDS`` (order kept)."""
    drop = ADDED_FIELDS.get("*", frozenset()) | ADDED_FIELDS.get(event["kind"], frozenset())
    if not drop:
        return event
    return {k: v for k, v in event.items() if k not in drop}


def stripped_digest(events: list[dict[str, Any]]) -> str:
    """SHA-256 of the stripped log written as JSON lines, byte for byte as events.jsonl."""
    h = hashlib.sha256()
    for event in events:
        h.update(dumps(strip_added(event)).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()
