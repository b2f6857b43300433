"""YAML text → validated ``Scenario``, with every problem located at FILE:LINE:COLUMN.

This is the one place raw scenario data is checked (DESIGN.md principle 5), so it is strict about
safety and generous with explanations. Reading is ``yamldoc``'s job (size cap, UTF-8 only, no
Python tags, alias-bomb and depth limits, duplicate keys, positions by key path); this module
applies overrides to the plain data and validates it:

* Validation errors from pydantic are turned into ``Problem`` objects whose message says what is
  allowed, with a "did you mean" for unknown keys; all problems are raised together.

Positions are 1-based. Problems that come from a ``--set KEY=VALUE`` override (see
``overrides.py``) are reported with the file name ``--set KEY`` and line 0, shown as
``--set KEY: error: ...``, since they have no place in any file.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from hmt_sim.errors import Problem, ScenarioError
from hmt_sim.plugins.registry import allow_entry_points
from hmt_sim.scenario.library import resolve
from hmt_sim.scenario.overrides import apply_overrides_tracked, normalise_overrides
from hmt_sim.scenario.schema import Scenario, reference_problems
from hmt_sim.scenario.yamldoc import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_NODES,
    Document,
    Path_,
    decode,
    describe,
    dotted,
    fail,
    parse_yaml_value,
    read_capped,
    read_document,
    too_large,
)

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "Overrides",
    "load_document",
    "load_scenario",
    "load_scenario_bytes",
    "load_scenario_text",
    "parse_yaml_value",
    "shown_name",
]

Overrides = Mapping[str, Any] | Sequence[str] | None

_IDENTIFIER_PATTERN = r"^[a-z][a-z0-9_]*$"


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def load_scenario(source: str | os.PathLike[str], overrides: Overrides = None, *,
                  allow_plugins: bool = False, match_file_name: bool = False) -> Scenario:
    """Load a scenario from a file path or a bundled scenario id, apply overrides, validate.

    Raises ``ScenarioError`` (every problem, located) for a bad file and ``InputError`` for a
    source that cannot be found or read, or for a malformed override. ``allow_plugins=True``
    trusts plugin code installed distributions offer (docs/plugins.md), for this process.
    ``match_file_name=True`` (what the command line does) also refuses a ``.yaml`` file whose
    ``id`` is not its file name, together with the other problems.
    """
    if allow_plugins:
        allow_entry_points()
    path = resolve(source)
    shown = shown_name(source, path)
    return load_scenario_bytes(read_capped(path, shown), path, shown, overrides,
                               match_file_name=match_file_name)


def shown_name(source: str | os.PathLike[str], path: Path) -> str:
    """The name problems are reported under: ``source`` as given when it is a path, else the
    bundled file ``resolve`` found for it."""
    return os.fspath(source) if Path(source).exists() else str(path)


def load_scenario_bytes(raw: bytes, path: Path, shown: str, overrides: Overrides = None, *,
                        match_file_name: bool = False) -> Scenario:
    """``load_scenario`` for the bytes of the file ``path`` (at most ``MAX_BYTES``), already
    read: the command line's scenario cache (``hmt_sim.cli.runcache``) keys an entry on the
    very bytes that were validated, so an edit made meanwhile cannot slip under the old key."""
    doc = read_document(decode(raw, shown), shown, keep_going=True)
    named = match_file_name and path.suffix.lower() in (".yaml", ".yml")
    stem = path.stem if named else None
    return load_document(doc, overrides, file_stem=stem)


def load_scenario_text(
    text: str, filename: str = "<string>", overrides: Overrides = None, *,
    allow_plugins: bool = False,
) -> Scenario:
    """Like ``load_scenario`` for text already in memory (tests, the visualiser's editor)."""
    if allow_plugins:
        allow_entry_points()
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_BYTES:
        fail(filename, 1, 1, "", too_large(size))
    if text.startswith("\ufeff"):
        text = text[1:]
    return load_document(read_document(text, filename, keep_going=True), overrides)


def load_document(doc: Document, overrides: Overrides = None, *,
                  file_stem: str | None = None) -> Scenario:
    """Validate a document already read by ``yamldoc.read_document``, with overrides applied.

    ``doc`` is left unchanged, so a caller that loads one text with many sets of overrides (a
    sweep) reads and parses it once and calls this once per set. Problems the reader kept
    (``doc.problems``: duplicate keys) are raised with the validation's, all at once.
    ``file_stem``: the name of the ``.yaml`` file the document was read from, which its ``id``
    must equal (``hmt-sim run night_raid`` finds ``night_raid.yaml`` by that name).
    """
    found = [*doc.problems, *_id_problems(doc, file_stem)]
    try:
        scenario = _load_document(doc, overrides)
    except ScenarioError as exc:
        if not found:
            raise
        raise ScenarioError(_together(found, exc.problems)) from None
    if found:
        raise ScenarioError(found)
    return scenario


def _id_problems(doc: Document, file_stem: str | None) -> list[Problem]:
    """The file's ``id`` against its file name (a missing or malformed id is the schema's)."""
    written = doc.data.get("id") if isinstance(doc.data, dict) else None
    if file_stem is None or not isinstance(written, str) or written == file_stem:
        return []
    line, col = doc.where(("id",))
    return [Problem(doc.filename, line, col, "id",
                    f"must equal the file name without .yaml, {file_stem!r}, got {written!r}: "
                    f"rename the file to {written}.yaml or set id: {file_stem}")]


def _together(first: Sequence[Problem], more: Sequence[Problem]) -> list[Problem]:
    """The reader's and the validator's problems in one list: the file's in the order of the
    file, then those of ``--set`` overrides (line 0) as the validator ordered them."""
    in_file = sorted([p for p in [*first, *more] if p.line > 0],
                     key=lambda p: (p.line, p.column))
    return in_file + [p for p in more if p.line <= 0]


def _load_document(doc: Document, overrides: Overrides) -> Scenario:
    filename = doc.filename
    if doc.data is None:
        fail(filename, 1, 1, "", "file is empty; a scenario needs at least id and title")
    if not isinstance(doc.data, dict):
        line, col = doc.where(())
        fail(
            filename,
            line,
            col,
            "",
            "the top level must be a mapping of keys (id: ..., title: ...), "
            f"got {describe(doc.data)}",
        )
    origins: dict[Path_, str] = {}
    data = doc.data
    if overrides:
        data, origins = apply_overrides_tracked(data, normalise_overrides(overrides))
    return _validate(doc.with_data(data), origins)


# --------------------------------------------------------------------------------------------
# Plain data → Scenario
# --------------------------------------------------------------------------------------------


def _validate(doc: Document, origins: Mapping[Path_, str]) -> Scenario:
    try:
        scenario = Scenario.model_validate(doc.data, context={"skip_references": True})
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems = _convert_errors(doc, errors) + _references_despite(doc, errors)
        raise ScenarioError(_finish(doc.filename, problems, origins)) from None
    problems = [_reference_problem(doc, loc, msg) for loc, msg in reference_problems(scenario)]
    if problems:
        raise ScenarioError(_finish(doc.filename, problems, origins)) from None
    return scenario


def _references_despite(doc: Document, errors: list[Any]) -> list[_Located]:
    """Names that point at nothing, found even when other values are wrong, so that every
    problem is reported at once rather than in passes.

    The values the errors are about (and unknown keys) are removed, so their defaults apply,
    and the rest is validated again; when that works, its reference problems are added. When
    it does not (a required key is among them), only the first pass is reported.
    """
    data = copy.deepcopy(doc.data)
    for err in errors:
        path, rest, _ = _walk(data, err["loc"])
        if rest or not path or not isinstance(_value_at(data, path[:-1]), dict):
            return []
        if err["type"] != "extra_forbidden" and isinstance(_value_at(data, path), dict | list):
            return []  # a whole section is wrong: removing it would invent missing names
        del _value_at(data, path[:-1])[path[-1]]
    try:
        scenario = Scenario.model_validate(data, context={"skip_references": True})
    except ValidationError:
        return []
    return [_reference_problem(doc, loc, msg) for loc, msg in reference_problems(scenario)]


@dataclass(frozen=True)
class _Located:
    """A problem before it is tied to a file or an override: its data path and position."""

    path: Path_
    at_key: bool
    message: str
    line: int
    column: int


def _finish(filename: str, located: list[_Located], origins: Mapping[Path_, str]) -> list[Problem]:
    """Attribute each problem to the file or to the override that set its value; de-duplicate."""
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    file_problems: list[Problem] = []
    override_problems: list[Problem] = []
    for item in located:
        origin = _origin_of(item.path, origins)
        if origin is None:
            file_problems.append(
                Problem(filename, item.line, item.column, dotted(item.path), item.message)
            )
        elif (origin, item.message) not in seen:
            seen.add((origin, item.message))
            override_problems.append(
                Problem(f"--set {origin}", 0, 0, dotted(item.path), item.message)
            )
    file_problems.sort(key=lambda p: (p.line, p.column))
    problems.extend(file_problems)
    problems.extend(override_problems)
    return problems


def _origin_of(path: Path_, origins: Mapping[Path_, str]) -> str | None:
    for cut in range(len(path), -1, -1):
        if path[:cut] in origins:
            return origins[path[:cut]]
    return None


def _convert_errors(doc: Document, errors: list[Any]) -> list[_Located]:
    out: list[_Located] = []
    handled_unions: set[Path_] = set()
    for err in errors:
        if err["type"] == "value_error":
            path, _, _ = _walk(doc.data, err["loc"])
            out.extend(_model_value_errors(doc, path, err))
            continue
        located = _convert_error(doc, err, handled_unions)
        if located is not None:
            out.append(located)
    return out


def _walk(data: Any, loc: Sequence[str | int]) -> tuple[Path_, list[str | int], bool]:
    """Split a pydantic location into the real data path and what is left over.

    Pydantic inserts segments that are not in the data (a union member's tag or type name,
    ``[key]`` for a dict key); they are skipped. Returns (path, trailing unmatched, at_key).
    """
    path: list[str | int] = []
    node = data
    rest: list[str | int] = []
    at_key = False
    for i, seg in enumerate(loc):
        if seg == "[key]":
            at_key = True
        elif _has(node, seg):
            path.append(seg)
            node = node[seg]
        elif i == len(loc) - 1:
            rest.append(seg)
    return tuple(path), rest, at_key


def _has(node: Any, seg: str | int) -> bool:
    """Whether ``seg`` is a real key of a mapping or index of a list in the data."""
    if isinstance(node, dict):
        return isinstance(seg, str) and seg in node
    if isinstance(node, list):
        return isinstance(seg, int) and 0 <= seg < len(node)
    return False


def _value_at(data: Any, path: Path_) -> Any:
    for seg in path:
        data = data[seg]
    return data


def _convert_error(doc: Document, err: Mapping[str, Any], unions: set[Path_]) -> _Located | None:
    kind: str = err["type"]
    path, rest, at_key = _walk(doc.data, err["loc"])
    slot = _slot_for(doc.data, path)
    if kind == "missing" and rest:
        return _missing(doc, path, rest[0], slot)
    if kind == "union_tag_not_found":
        line, col = doc.where(path)
        allowed = ", ".join(_union_tags(slot))
        return _Located(
            (*path, "kind"),
            False,
            f"missing required key 'kind' (allowed kinds: {allowed})",
            line,
            col,
        )
    if kind == "union_tag_invalid":
        return _bad_tag_value(doc, path, err, slot)
    if kind == "extra_forbidden":
        line, col = doc.where(path, at_key=True)
        return _Located(path, True, _unknown_key(doc.data, path), line, col)
    if slot is not None and _is_scalar_union(slot.tp):
        if path in unions:
            return None
        unions.add(path)
        message = f"expected {_type_name(slot.tp)}, got {describe(err['input'])}"
    else:
        message = _message(kind, err, slot)
    line, col = doc.where(path, at_key=at_key)
    return _Located(path, at_key, message, line, col)


def _missing(doc: Document, path: Path_, name: str | int, slot: _Slot | None) -> _Located:
    """A missing field is reported at the mapping that should contain it."""
    line, col = doc.where(path)
    if isinstance(name, int):  # a fixed-length list (e.g. rect) with too few items
        expected = len(get_args(slot.tp)) if slot is not None else name + 1
        got = len(_value_at(doc.data, path))
        return _Located(path, False, f"expected {expected} items, got {got}", line, col)
    return _Located((*path, name), False, f"missing required key {name!r}", line, col)


def _bad_tag_value(
    doc: Document, path: Path_, err: Mapping[str, Any], slot: _Slot | None
) -> _Located:
    tag = str(err.get("ctx", {}).get("tag", ""))
    tags = _union_tags(slot)
    message = f"unknown kind {tag!r}"
    close = difflib.get_close_matches(tag, tags, n=1)
    if close:
        message += f"; did you mean {close[0]!r}?"
    message += f" (allowed kinds: {', '.join(tags)})"
    line, col = doc.where((*path, "kind"))
    return _Located((*path, "kind"), False, message, line, col)


def _model_value_errors(doc: Document, path: Path_, err: Mapping[str, Any]) -> list[_Located]:
    """A model validator's message, one problem per line of it (a validator that finds several
    problems, such as duplicate ids, reports them all at once)."""
    exc = err.get("ctx", {}).get("error")
    message = str(exc) if exc is not None else str(err["msg"]).removeprefix("Value error, ")
    return [_model_value_error(doc, path, line) for line in message.splitlines() if line]


def _model_value_error(doc: Document, path: Path_, message: str) -> _Located:
    """One validator message, pointed at the field or key it names when it names one.

    A message may start with a relative dotted path of two or more segments
    (``regions.2.id: duplicate id``): when that path exists in the data the problem is placed
    there and the prefix dropped.
    """
    value = _value_at(doc.data, path)
    prefix, sep, rest = message.partition(": ")
    if sep and "." in prefix and " " not in prefix:
        sub = _data_path(value, prefix.split("."))
        if sub is not None:
            line, col = doc.where((*path, *sub))
            return _Located((*path, *sub), False, rest, line, col)
    at_key = False
    first = message.split(" ", 1)[0].rstrip(":")
    if isinstance(value, dict) and first in value:
        path = (*path, first)
    elif isinstance(value, dict):
        named = _named_key(message, value)
        if named:
            path, at_key = (*path, *named), True
    line, col = doc.where(path, at_key=at_key)
    return _Located(path, at_key, message, line, col)


def _data_path(node: Any, segments: Sequence[str]) -> Path_ | None:
    """The data path ``segments`` spell (digits index lists), or None if it is not there."""
    path: list[str | int] = []
    for seg in segments:
        key: str | int = int(seg) if seg.isdigit() and isinstance(node, list) else seg
        if not _has(node, key):
            return None
        path.append(key)
        node = node[key]
    return tuple(path)


def _named_key(message: str, mapping: dict[str, Any]) -> tuple[str, ...]:
    """The key a message quotes (``unknown action class 'engag'``), here or one level down."""
    for name in re.findall(r"'([^']+)'", message):
        if name in mapping:
            return (name,)
        for key, child in mapping.items():
            if isinstance(child, dict) and name in child:
                return (key, name)
    return ()


def _reference_problem(doc: Document, loc: Sequence[str | int], message: str) -> _Located:
    """Reference errors point at a free-form mapping's key, or at a field's value."""
    path = tuple(loc)
    parent = _slot_for(doc.data, path[:-1])
    at_key = parent is not None and get_origin(parent.tp) is dict
    line, col = doc.where(path, at_key=at_key)
    return _Located(path, at_key, message, line, col)


def _unknown_key(data: Any, path: Path_) -> str:
    key = str(path[-1])
    parent = _slot_for(data, path[:-1])
    names = list(parent.tp.model_fields) if parent and _is_model(parent.tp) else []
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    if close:
        return f"unknown key {key!r}; did you mean {close[0]!r}?"
    if names:
        return f"unknown key {key!r} (allowed: {', '.join(names)})"
    return f"unknown key {key!r}"


# --------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------


def _message(kind: str, err: Mapping[str, Any], slot: _Slot | None) -> str:
    got = describe(err["input"])
    ctx: Mapping[str, Any] = err.get("ctx") or {}
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        return f"must be {_bounds(slot, kind) or _ctx_bounds(ctx)}, got {got}"
    if kind == "finite_number":
        return f"must be a finite number, got {got}"
    if kind in {"float_type", "float_parsing"}:
        return f"expected a number, got {got}"
    if kind in {"int_type", "int_parsing", "int_from_float", "int_parsing_size"}:
        return f"expected a whole number, got {got}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"expected true or false, got {got}"
    if kind in {"string_type", "string_unicode"}:
        return f"expected text, got {got} (put it in quotes)"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == _IDENTIFIER_PATTERN:
            return (
                "must be a lower-case name (letters a-z, digits and _, starting with a letter), "
                f"got {got}"
            )
        return f"must match the pattern {ctx.get('pattern')!r}, got {got}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters, got {len(err['input'])}"
    if kind == "literal_error":
        return _literal_message(err["input"], slot, ctx)
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return f"expected a mapping (key: value pairs), got {got}"
    if kind in {"list_type", "tuple_type", "sequence_type", "iterable_type"}:
        return f"expected a list, got {got}"
    if kind == "too_long":
        return f"expected at most {ctx.get('max_length')} items, got {ctx.get('actual_length')}"
    if kind == "too_short":
        return f"expected at least {ctx.get('min_length')} items, got {ctx.get('actual_length')}"
    return f"{str(err['msg']).rstrip('.')}, got {got}"


def _literal_message(value: Any, slot: _Slot | None, ctx: Mapping[str, Any]) -> str:
    allowed = [str(a) for a in get_args(slot.tp)] if slot and _is_literal(slot.tp) else []
    if not allowed:
        return f"must be {ctx.get('expected')}, got {describe(value)}"
    message = f"must be one of: {', '.join(allowed)}; got {describe(value)}"
    close = difflib.get_close_matches(str(value), allowed, n=1)
    return f"{message}; did you mean {close[0]!r}?" if close else message


def _bounds(slot: _Slot | None, kind: str = "") -> str:
    """The range a value must lie in. A negative value for a key that is zero or positive on a
    wide range (its top above 10, such as a duration's physical limit) is told only the lower
    bound it missed; small scales (probabilities, levels), ranges that do not start at zero and
    values above the range are told the whole range."""
    if slot is None:
        return ""
    parts: list[tuple[str, str]] = []
    top = None
    for m in slot.meta:
        for cls, attr, op in (
            (annotated_types.Gt, "gt", ">"),
            (annotated_types.Ge, "ge", ">="),
            (annotated_types.Lt, "lt", "<"),
            (annotated_types.Le, "le", "<="),
        ):
            if isinstance(m, cls):
                parts.append((attr, f"{op} {getattr(m, attr)}"))
                if attr in ("lt", "le"):
                    top = getattr(m, attr)
    if kind in ("greater_than", "greater_than_equal") and top is not None and top > 10 and (
            all(getattr(m, "gt", getattr(m, "ge", 0)) == 0 for m in slot.meta)):
        parts = [p for p in parts if p[0] in ("gt", "ge")]
    return " and ".join(text for _, text in parts)


def _ctx_bounds(ctx: Mapping[str, Any]) -> str:
    ops = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
    return " and ".join(f"{op} {ctx[k]}" for k, op in ops.items() if k in ctx)


def _type_name(tp: Any) -> str:
    if _is_union(tp):
        names = [_type_name(a) for a in get_args(tp)]
        return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
    return {
        float: "a number",
        int: "a whole number",
        bool: "true/false",
        str: "text",
        type(None): "null",
    }.get(tp, "a mapping" if _is_model(tp) or get_origin(tp) is dict else "a list")


# --------------------------------------------------------------------------------------------
# Walking the schema (for allowed keys, bounds and literal values at a data path)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Slot:
    """The declared type at a place in the data, with its constraints (ge, le, ...)."""

    tp: Any
    meta: tuple[Any, ...] = ()


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _is_literal(tp: Any) -> bool:
    return get_origin(tp) is Literal


def _is_scalar_union(tp: Any) -> bool:
    return _is_union(tp) and not any(_is_model(a) for a in get_args(tp))


def _resolve(tp: Any, meta: Sequence[Any], data: Any) -> _Slot:
    """Strip Annotated and Optional; pick a tagged union's member by the data's ``kind``."""
    flat = list(meta)
    while True:
        if get_origin(tp) is Annotated:
            tp, *extra = get_args(tp)
            for m in extra:
                flat.extend(m.metadata if isinstance(m, FieldInfo) else [m])
            continue
        if _is_union(tp):
            members = [a for a in get_args(tp) if a is not type(None)]
            if len(members) == 1:
                tp = members[0]
                continue
            if all(_is_model(m) for m in members) and isinstance(data, dict):
                for m in members:
                    kind_field = m.model_fields.get("kind")
                    if kind_field and data.get("kind") in get_args(kind_field.annotation):
                        return _Slot(m, tuple(flat))
        return _Slot(tp, tuple(flat))


def _child(slot: _Slot, seg: str | int, data: Any) -> _Slot | None:
    tp = slot.tp
    if _is_model(tp):
        info = tp.model_fields.get(seg) if isinstance(seg, str) else None
        return _resolve(info.annotation, info.metadata, data) if info else None
    origin, args = get_origin(tp), get_args(tp)
    if origin is dict and len(args) == 2:
        return _resolve(args[1], (), data)
    if origin in (tuple, list) and isinstance(seg, int):
        if origin is list or (len(args) == 2 and args[1] is Ellipsis):
            return _resolve(args[0], (), data)
        return _resolve(args[seg], (), data) if seg < len(args) else None
    return None


def _slot_for(data: Any, path: Path_) -> _Slot | None:
    slot: _Slot | None = _resolve(Scenario, (), data)
    for seg in path:
        if slot is None:
            return None
        data = data[seg] if _has(data, seg) else None
        slot = _child(slot, seg, data)
    return slot


def _union_tags(slot: _Slot | None) -> list[str]:
    """The ``kind`` values a tagged union accepts, found from the schema at that place."""
    if slot is None or not _is_union(slot.tp):
        return []
    tags: list[str] = []
    for member in get_args(slot.tp):
        kind_field = member.model_fields.get("kind") if _is_model(member) else None
        if kind_field:
            tags.extend(str(a) for a in get_args(kind_field.annotation))
    return tags
