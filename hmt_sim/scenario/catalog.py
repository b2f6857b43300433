"""The bundled scenarios with their titles, for ``hmt-sim list`` and the visualiser's menu.

Listing loads every file, so it sits above both ``library`` (where the files are) and ``loader``
(which resolves bundled names through ``library``): neither of those imports this module.
"""

from __future__ import annotations

from hmt_sim.errors import InputError, ScenarioError
from hmt_sim.scenario.library import SUFFIX, bundled_dir, bundled_ids
from hmt_sim.scenario.loader import load_scenario


def list_bundled() -> list[tuple[str, str, str]]:
    """``(id, title, description)`` of every bundled scenario, sorted by id.

    The id is the file stem (what ``resolve`` accepts). A file that does not load is listed with
    the title ``(cannot be loaded)`` and its first problem as the description, so one broken file
    neither hides the others nor crashes ``hmt-sim list``.
    """
    folder = bundled_dir()
    rows: list[tuple[str, str, str]] = []
    for scenario_id in bundled_ids():
        try:
            sc = load_scenario(folder / f"{scenario_id}{SUFFIX}")
        except ScenarioError as exc:
            rows.append((scenario_id, "(cannot be loaded)", str(exc.problems[0])))
            continue
        except InputError as exc:
            rows.append((scenario_id, "(cannot be loaded)", str(exc)))
            continue
        rows.append((scenario_id, sc.title, sc.description))
    return rows
