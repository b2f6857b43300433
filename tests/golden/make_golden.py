"""Write the SHA-256 of every bundled scenario's event log (seeds 1-3) as it stands now.

Run once before a change that must preserve behaviour; ``test_event_logs_unchanged.py`` then
compares every later log with these, after stripping the fields such a change adds.
Usage: ``python tests/golden/make_golden.py > tests/golden/event_log_sha256.json``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from golden_logs import LEVEL_CASES, SEEDS, scenario_ids, stripped_digest

from hmt_sim import load_scenario, simulate


def main() -> None:
    out: dict[str, str] = {}
    for sid in scenario_ids():
        sc = load_scenario(sid)
        for seed in SEEDS:
            out[f"{sid}/{seed}"] = stripped_digest(simulate(sc, seed=seed).events)
    for sid, level in LEVEL_CASES:
        sc = load_scenario(sid, overrides={"autonomy.level": level})
        out[f"{sid}@level={level}/1"] = stripped_digest(simulate(sc, seed=1).events)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
