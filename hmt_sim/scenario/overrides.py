"""``--set KEY=VALUE`` overrides: dotted paths into the raw scenario mapping, before validation.

Overrides are applied to the plain data read from YAML and then validated together with it, so an
override is checked exactly like a line in the file (unknown keys get a "did you mean", values
their allowed range). Problems caused by an override are reported as ``--set KEY: error: ...``
because they have no place in any file.

Aliases, for the sweeps researchers run most:

* ``autonomy.level=N`` sets the level of every action class (``ACTION_CLASSES``) to N;
* ``autonomy.levels.engage=N`` sets one class (an unknown class is refused with a did-you-mean).

Integer segments index into lists: ``red.waves.0.count=5``.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from hmt_sim import actions
from hmt_sim.errors import InputError, Problem, ScenarioError
from hmt_sim.scenario.yamldoc import parse_yaml_value

PathT = tuple[str | int, ...]

ALL_LEVELS_KEY = "autonomy.level"


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """Turn ``["autonomy.level=7", "ai.reliability=0.6"]`` into ``{"autonomy.level": 7, ...}``.

    Values follow YAML scalar rules (``7`` → 7, ``0.6`` → 0.6, ``true`` → True, ``null`` → None,
    ``[1, 2]`` → a list), read with the same safe reader as scenario files.
    """
    if isinstance(items, str):
        items = [items]
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(
                f"bad override {item!r}: expected KEY=VALUE, for example autonomy.level=7"
            )
        _check_key(key)
        try:
            out[key] = parse_yaml_value(text)
        except ScenarioError as exc:
            detail = exc.problems[0].message if exc.problems else str(exc)
            raise InputError(f"bad override {item!r}: {detail}") from None
    return out


def normalise_overrides(overrides: Mapping[str, Any] | Sequence[str]) -> dict[str, Any]:
    """Accept either form the API takes: a mapping, or ``KEY=VALUE`` strings."""
    if isinstance(overrides, Mapping):
        for key in overrides:
            if not isinstance(key, str):
                raise InputError(f"override keys must be dotted strings, got {key!r}")
            _check_key(key)
        return dict(overrides)
    return parse_overrides(overrides)


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of ``data`` with the overrides set (``data`` itself is left unchanged)."""
    result, _ = apply_overrides_tracked(data, overrides)
    return result


def apply_overrides_tracked(
    data: dict[str, Any], overrides: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[PathT, str]]:
    """Like ``apply_overrides``, also returning which override set (or created) each path.

    The loader uses the second value to report a validation problem against the override that
    caused it rather than against a file line that never held the value.
    """
    result = copy.deepcopy(data)
    origins: dict[PathT, str] = {}
    for key, value in overrides.items():
        for segments in _expand(key):
            _set(result, key, segments, copy.deepcopy(value), origins)
    _drop_stale_translations(data, result)
    return result, origins


def _drop_stale_translations(before: dict[str, Any], after: dict[str, Any]) -> None:
    """Translated inject labels and questions, and the questions' conditions
    (``question_when``), follow the scenario's own by position. An override that changes how
    many there are (``injects: []`` in a sweep, a workshop's own questions) leaves them pointing
    at nothing: they are dropped, so the overridden scenario shows its own texts and asks its
    own questions, instead of the override being refused for a mismatch the user never wrote.
    A ``question_when`` the override itself sets is kept (and checked)."""
    for key in ("injects", "questions"):
        old, new = before.get(key), after.get(key)
        if old is new or (isinstance(old, list | tuple) and isinstance(new, list | tuple)
                          and len(old) == len(new)):
            continue
        translations = after.get("translations")
        for text in translations.values() if isinstance(translations, dict) else ():
            if isinstance(text, dict):
                text.pop(key, None)
        if key == "questions" and after.get("question_when") == before.get("question_when"):
            after.pop("question_when", None)


def _check_key(key: str) -> None:
    if any(not seg.strip() for seg in key.split(".")):
        raise InputError(f"bad override key {key!r}: expected a dotted path such as ai.reliability")


def _expand(key: str) -> list[list[str]]:
    """The dotted paths an override key stands for (aliases set several)."""
    if key == ALL_LEVELS_KEY:
        return [["autonomy", "levels", action] for action in actions.names()]
    segments = [seg.strip() for seg in key.split(".")]
    if segments[:2] == ["autonomy", "levels"] and len(segments) == 3:
        action = segments[2]
        if action not in actions.names():
            message = f"unknown action class {action!r}"
            close = difflib.get_close_matches(action, actions.names(), n=1)
            if close:
                message += f"; did you mean {close[0]!r}?"
            message += f" (allowed: {', '.join(actions.names())})"
            _fail(key, key, message)
    return [segments]


def _set(
    data: dict[str, Any], key: str, segments: list[str], value: Any, origins: dict[PathT, str]
) -> None:
    """Set one dotted path, creating missing mappings on the way and recording their origin."""
    node: Any = data
    path: PathT = ()
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if isinstance(node, list):
            index = _index(key, path, seg, len(node))
            path = (*path, index)
            if last:
                node[index] = value
            else:
                node = node[index]
            continue
        if not isinstance(node, dict):
            _fail(
                key,
                _dotted(path),
                f"cannot set {'.'.join(segments[i:])!r}: {_dotted(path)} is not a mapping",
            )
        path = (*path, seg)
        if last:
            node[seg] = value
            origins[path] = key
        elif seg not in node or node[seg] is None:
            node[seg] = {}
            origins.setdefault(path, key)
            node = node[seg]
        else:
            node = node[seg]
    origins.setdefault(path, key)


def _index(key: str, path: PathT, seg: str, length: int) -> int:
    if not seg.isdigit():
        _fail(key, _dotted(path), f"is a list; use an item number (0 to {length - 1}), not {seg!r}")
    index = int(seg)
    if index >= length:
        _fail(
            key,
            _dotted((*path, index)),
            f"no item {index}: {_dotted(path)} has {length} item{'s' if length != 1 else ''}",
        )
    return index


def _dotted(path: PathT) -> str:
    return ".".join(str(seg) for seg in path)


def _fail(key: str, path: str, message: str) -> None:
    raise ScenarioError([Problem(f"--set {key}", 0, 0, path, message)]) from None
