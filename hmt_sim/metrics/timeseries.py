"""Time series sampled on the run's fixed interval, built from ``sample`` events and the
cumulative counts of harm and leakers up to each sample time."""

from __future__ import annotations

import pandas as pd

from hmt_sim.actions import is_force
from hmt_sim.events import Event

COLUMNS = ("t", "rung_blue", "rung_red", "civilian_harm_cum", "leakers_cum",
           "neutralised_cum", "trust", "ai_accuracy", "utilisation", "queue")


def timeseries(events: list[Event]) -> pd.DataFrame:
    rows = []
    harm = leakers = neutralised = 0
    for e in events:
        kind = e["kind"]
        if kind == "effect":
            harm += e["civilian_harm"]
            neutralised += 1 if e["success"] and not e["target_civilian"] and is_force(
                e["action"]) else 0
        elif kind == "impact":
            leakers += 1
        elif kind == "sample":
            rows.append((e["t"], e["rung_blue"], e["rung_red"], harm, leakers, neutralised,
                         e["trust"], e["ai_accuracy"], e["utilisation"], e["queue"]))
    return pd.DataFrame(rows, columns=list(COLUMNS))
