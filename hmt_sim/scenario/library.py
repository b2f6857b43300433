"""The bundled scenarios: where they live, what they are called, and name → file resolution.

Listing them with their titles needs the loader, which needs ``resolve``: that lives one level
up, in ``catalog.py``, so this module imports no other part of the scenario package.

``load_scenario("airbase_swarm")`` and ``hmt-sim run airbase_swarm`` both go through ``resolve``,
so a facilitator can name a bundled scenario without knowing where the package is installed.
Set ``HMT_SIM_SCENARIOS`` to use another folder (a workshop's own set of scenarios).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from hmt_sim.errors import InputError

ENV_VAR = "HMT_SIM_SCENARIOS"
SUFFIX = ".yaml"


def bundled_dir() -> Path:
    """The folder of bundled scenarios: ``$HMT_SIM_SCENARIOS``, else ``hmt_sim/bundled``.

    The files ship inside the package (package data), so an installed wheel finds them. In a
    source checkout ``scenarios/`` is a symlink to that folder; it is returned under that name,
    the one the docs and error messages use, only when it really is the same folder.
    """
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    package_dir = Path(__file__).resolve().parent.parent / "bundled"
    checkout_link = package_dir.parent.parent / "scenarios"
    if checkout_link.is_dir() and checkout_link.resolve() == package_dir:
        return checkout_link
    return package_dir


def bundled_ids() -> list[str]:
    """Ids (file stems) of the bundled scenarios, sorted."""
    folder = bundled_dir()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob(f"*{SUFFIX}") if p.is_file())


def looks_like_id(source: str) -> bool:
    """A bare name (no folder, no .yaml/.yml) that may name a bundled scenario."""
    return (
        "/" not in source
        and os.sep not in source
        and not source.endswith((".yaml", ".yml"))
        and bool(source.strip())
    )


def resolve(source: str | os.PathLike[str]) -> Path:
    """The file for ``source``: an existing path as given, else a bundled scenario id.

    Raises ``InputError`` naming the bundled ids, with a did-you-mean, for an unknown name.
    """
    path = Path(source)
    if path.is_file():
        return path
    text = os.fspath(source)
    if path.exists():
        raise InputError(f"{text}: is not a scenario file")
    if looks_like_id(text):
        candidate = bundled_dir() / f"{text}{SUFFIX}"
        if candidate.is_file():
            return candidate
        ids = bundled_ids()
        message = f"unknown scenario {text!r}: no such file and no bundled scenario of that name"
        close = difflib.get_close_matches(text, ids, n=1)
        if close:
            message += f"; did you mean {close[0]!r}?"
        listed = ", ".join(ids) if ids else f"none found in {bundled_dir()}"
        raise InputError(f"{message} (bundled scenarios: {listed})")
    raise InputError(f"scenario file not found: {text}")
