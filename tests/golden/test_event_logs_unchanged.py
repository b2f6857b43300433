"""Behaviour is preserved across refactors: every bundled scenario x 3 seeds, and two scenarios
at every autonomy level, give the event log they gave before (digests in event_log_sha256.json),
once the fields added since are stripped (``golden_logs.ADDED_FIELDS``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hmt_sim import load_scenario, simulate
from tests.golden.golden_logs import LEVEL_CASES, SEEDS, scenario_ids, stripped_digest

DIGESTS = json.loads((Path(__file__).parent / "event_log_sha256.json").read_text())

CASES = [(sid, seed, None) for sid in scenario_ids() for seed in SEEDS] + [
    (sid, 1, level) for sid, level in LEVEL_CASES
]


def test_every_bundled_scenario_is_pinned() -> None:
    pinned = {key.split("/")[0] for key in DIGESTS if "@" not in key}
    assert pinned == set(scenario_ids())


@pytest.mark.parametrize(("sid", "seed", "level"), CASES,
                         ids=[f"{s}-{n}" + (f"-L{lv}" if lv else "") for s, n, lv in CASES])
def test_event_log_matches_the_pinned_digest(sid: str, seed: int, level: int | None) -> None:
    overrides = {"autonomy.level": level} if level is not None else None
    sc = load_scenario(sid, overrides=overrides)
    key = f"{sid}@level={level}/{seed}" if level is not None else f"{sid}/{seed}"
    assert stripped_digest(simulate(sc, seed=seed).events) == DIGESTS[key]
