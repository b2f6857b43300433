"""YAML text → validated ``Scenario``, with every problem located at FILE:LINE:COLUMN.

This is the one place raw scenario data is checked (DESIGN.md principle 5), so it is strict about
safety and generous with explanations:

* Bytes are checked first: a size cap (``MAX_BYTES``), UTF-8 only (UTF-16/32 and binary files get a
  message saying what they are), because YAML parser errors on such input are cryptic.
* YAML is *composed* (never constructed by PyYAML) with a ``SafeLoader`` subclass that caps nesting
  depth; the Python data is then built here, node by node, so that (1) no tag other than plain data
  is accepted — ``!!python/...`` can never build an object, (2) alias expansion is counted and a
  "billion laughs" document stops after ``MAX_NODES`` values, (3) duplicate keys are errors, and
  (4) the line and column of every key and value are recorded by key path.
* Validation errors from pydantic are turned into ``Problem`` objects whose message says what is
  allowed, with a "did you mean" for unknown keys; all problems are raised together.

Positions are 1-based. Problems that come from a ``--set KEY=VALUE`` override (see
``overrides.py``) are reported with the file name ``--set KEY`` and position ``0:0``, since they
have no place in any file.
"""

from __future__ import annotations

import difflib
import os
import re
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hmt_sim.errors import InputError, Problem, ScenarioError
from hmt_sim.scenario.schema import Scenario, reference_problems

MAX_BYTES = 2 * 1024 * 1024
"""Largest scenario file accepted. Real scenarios are a few kilobytes; the cap keeps a wrong file
(a log, a data dump) from tying up the parser."""

MAX_NODES = 20_000
"""Most values one document may expand to, counting each use of an alias again (alias bombs)."""

MAX_DEPTH = 50
"""Deepest nesting accepted; the schema needs about 6, and the composer recurses per level."""

Path_ = tuple[str | int, ...]
Overrides = Mapping[str, Any] | Sequence[str] | None

_YAML_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_YAML_TAG}{t}" for t in ("null", "bool", "int", "float", "str")}
_TIMESTAMP_TAG = f"{_YAML_TAG}timestamp"
_SEQ_TAG = f"{_YAML_TAG}seq"
_MAP_TAG = f"{_YAML_TAG}map"
_MERGE_TAG = f"{_YAML_TAG}merge"
_IDENTIFIER_PATTERN = r"^[a-z][a-z0-9_]*$"


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def load_scenario(source: str | os.PathLike[str], overrides: Overrides = None) -> Scenario:
    """Load a scenario from a file path or a bundled scenario id, apply overrides, validate.

    Raises ``ScenarioError`` (every problem, located) for a bad file and ``InputError`` for a
    source that cannot be found or read, or for a malformed override.
    """
    from hmt_sim.scenario.library import resolve

    path = resolve(source)
    shown = os.fspath(source) if Path(source).exists() else str(path)
    raw = _read_capped(path, shown)
    return _load_bytes(raw, shown, overrides)


def load_scenario_text(
    text: str, filename: str = "<string>", overrides: Overrides = None
) -> Scenario:
    """Like ``load_scenario`` for text already in memory (tests, the visualiser's editor)."""
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_BYTES:
        _fail(filename, 1, 1, "", _too_large(size))
    if text.startswith("\ufeff"):
        text = text[1:]
    return _load_str(text, filename, overrides)


def parse_yaml_value(text: str) -> Any:
    """Parse one YAML value (a ``--set`` right-hand side) with the same safety rules as files."""
    doc = _read_document(text, "<value>")
    return doc.data


# --------------------------------------------------------------------------------------------
# Bytes → text
# --------------------------------------------------------------------------------------------


def _read_capped(path: Path, shown: str) -> bytes:
    """Read at most ``MAX_BYTES + 1`` bytes so a huge file is refused without reading it all."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            _fail(shown, 1, 1, "", _too_large(size))
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise InputError(f"{shown}: is a directory, not a scenario file") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        _fail(shown, 1, 1, "", _too_large(len(raw)))
    return raw


def _too_large(size: int) -> str:
    return (
        f"file is too large ({size / 1024 / 1024:.1f} MiB); the limit is "
        f"{MAX_BYTES // (1024 * 1024)} MiB"
    )


def _load_bytes(raw: bytes, filename: str, overrides: Overrides) -> Scenario:
    return _load_str(_decode(raw, filename), filename, overrides)


def _decode(raw: bytes, filename: str) -> str:
    """UTF-8 only: name the encoding we see instead of letting YAML report odd characters."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        _fail(filename, 1, 1, "", "file is UTF-32 encoded; save it as UTF-8")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(raw):
        _fail(filename, 1, 1, "", "file is UTF-16 encoded; save it as UTF-8")
    if b"\x00" in raw:
        line, col = _byte_position(raw, raw.index(b"\x00"))
        _fail(
            filename, line, col, "", "file contains NUL bytes: it is a binary file, not YAML text"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _byte_position(raw, exc.start)
        _fail(
            filename,
            line,
            col,
            "",
            f"not valid UTF-8 text (byte 0x{raw[exc.start]:02x}); is it a binary file? "
            "Scenario files must be saved as UTF-8",
        )
    raise AssertionError("unreachable")  # pragma: no cover


def _looks_utf16(raw: bytes) -> bool:
    """UTF-16 without a BOM: ASCII text with a NUL in every other byte."""
    sample = raw[:200]
    if len(sample) < 4:
        return False
    even, odd = sample[0::2], sample[1::2]
    return even.count(0) > 0.8 * len(even) or odd.count(0) > 0.8 * len(odd)


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters, as far as they decode) of a byte offset."""
    line_start = raw.rfind(b"\n", 0, offset) + 1
    col = len(raw[line_start:offset].decode("utf-8", errors="replace")) + 1
    return raw.count(b"\n", 0, offset) + 1, col


# --------------------------------------------------------------------------------------------
# Text → plain data with positions
# --------------------------------------------------------------------------------------------


class _LimitExceeded(Exception):
    """A resource limit was hit while composing or building; carries the place it happened."""

    def __init__(self, message: str, mark: yaml.Mark | None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class _DepthLimitedLoader(yaml.SafeLoader):
    """SafeLoader whose composer refuses to nest deeper than ``MAX_DEPTH``.

    PyYAML's composer recurses once per nesting level, so ``[[[[...`` would otherwise end in a
    ``RecursionError`` (a traceback) rather than a message.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._composed = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._depth += 1
        self._composed += 1  # count here too, so a long flat list stops before it is all parsed
        try:
            if self._depth > MAX_DEPTH:
                raise _LimitExceeded(
                    f"nesting is deeper than {MAX_DEPTH} levels", self.peek_event().start_mark
                )
            if self._composed > MAX_NODES:
                raise _LimitExceeded(
                    f"the document has more than {MAX_NODES:,} values; the limit is "
                    f"{MAX_NODES:,}",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


@dataclass
class _Document:
    """Plain data from one YAML document plus where each key and value was written."""

    filename: str
    data: Any
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    value_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_, *, at_key: bool = False) -> tuple[int, int]:
        """Position of a key (or its value); walks up to the nearest recorded ancestor."""
        marks = self.key_marks if at_key else self.value_marks
        if path in marks:
            return marks[path]
        for cut in range(len(path) - 1, -1, -1):
            if path[:cut] in self.value_marks:
                return self.value_marks[path[:cut]]
        return (1, 1)


def _pos(mark: yaml.Mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML_TAG) :] if tag.startswith(_YAML_TAG) else tag


class _Builder:
    """Builds Python data from a composed node tree, recording marks and enforcing limits."""

    def __init__(self, loader: yaml.SafeLoader, doc: _Document) -> None:
        self.loader = loader
        self.doc = doc
        self.count = 0
        self.active: set[int] = set()
        self.problems: list[Problem] = []

    def build(self, node: Node, path: Path_) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _LimitExceeded(
                f"the document expands to more than {MAX_NODES:,} values (an alias bomb?); "
                f"the limit is {MAX_NODES:,}",
                node.start_mark,
            )
        if len(path) > MAX_DEPTH:
            raise _LimitExceeded(f"nesting is deeper than {MAX_DEPTH} levels", node.start_mark)
        self.doc.value_marks.setdefault(path, _pos(node.start_mark))
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if id(node) in self.active:
            raise _LimitExceeded("an alias refers to the node that contains it", node.start_mark)
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return self._sequence(node, path)
            assert isinstance(node, MappingNode)  # the composer makes only these three kinds
            return self._mapping(node, path)
        finally:
            self.active.discard(id(node))

    def _bad_tag(self, node: Node, path: Path_) -> None:
        self.problems.append(
            self._problem(
                node.start_mark,
                path,
                f"tag {_show_tag(node.tag)!r} is not allowed: scenario files hold plain data "
                "only (no Python objects or custom tags)",
            )
        )

    def _problem(self, mark: yaml.Mark, path: Path_, message: str) -> Problem:
        line, col = _pos(mark)
        return Problem(self.doc.filename, line, col, _dotted(path), message)

    def _scalar(self, node: ScalarNode, path: Path_) -> Any:
        if node.tag == _TIMESTAMP_TAG:
            return node.value  # no field is a date; keep what was written
        if node.tag not in _SCALAR_TAGS:
            self._bad_tag(node, path)
            return None
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, IndexError, yaml.YAMLError):  # e.g. `!!int fast`, `!!int ""`
            self.problems.append(
                self._problem(
                    node.start_mark, path, f"cannot read {node.value!r} as {_show_tag(node.tag)}"
                )
            )
            return None

    def _sequence(self, node: SequenceNode, path: Path_) -> list[Any]:
        if node.tag != _SEQ_TAG:
            self._bad_tag(node, path)
            return []
        return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]

    def _mapping(self, node: MappingNode, path: Path_) -> dict[str, Any]:
        if node.tag != _MAP_TAG:
            self._bad_tag(node, path)
            return {}
        out: dict[str, Any] = {}
        seen: dict[str, yaml.Mark] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
                continue
            if not isinstance(key_node, ScalarNode):
                self.problems.append(
                    self._problem(key_node.start_mark, path, "keys must be plain names")
                )
                continue
            # Keys are names: keep them as written, so `no:` or `1:` do not become False or 1.
            key = str(key_node.value)
            if key in seen:
                line, col = _pos(seen[key])
                self.problems.append(
                    self._problem(
                        key_node.start_mark,
                        (*path, key),
                        f"duplicate key {key!r} (first defined at line {line}, column {col})",
                    )
                )
                continue
            seen[key] = key_node.start_mark
            self.doc.key_marks[(*path, key)] = _pos(key_node.start_mark)
            out[key] = self.build(value_node, (*path, key))
        for merge in merges:
            self._merge(merge, path, out)
        return out

    def _merge(self, node: Node, path: Path_, out: dict[str, Any]) -> None:
        """YAML merge keys (``<<: *defaults``): explicit keys win over merged ones."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, MappingNode):
                self.problems.append(
                    self._problem(source.start_mark, path, "'<<' must merge a mapping")
                )
                continue
            merged = self.build(source, path)
            for key, value in merged.items():
                out.setdefault(key, value)


def _read_document(text: str, filename: str) -> _Document:
    """Compose and build one YAML document; raise ``ScenarioError`` on syntax or limit errors."""
    doc = _Document(filename, None)
    try:
        loader = _DepthLimitedLoader(text)  # the reader checks for non-printable text here
    except yaml.reader.ReaderError as exc:
        _fail(filename, *_char_position(text, exc.position), "", _reader_message(exc))
    try:
        node = loader.get_single_node()
        if node is not None:
            builder = _Builder(loader, doc)
            doc.data = builder.build(node, ())
            if builder.problems:
                raise ScenarioError(builder.problems)
            doc.value_marks[()] = _pos(node.start_mark)
    except _LimitExceeded as exc:
        line, col = _pos(exc.mark) if exc.mark else (1, 1)
        _fail(filename, line, col, "", exc.message)
    except yaml.MarkedYAMLError as exc:
        line, col = _pos(exc.problem_mark) if exc.problem_mark else (1, 1)
        _fail(filename, line, col, "", _yaml_message(exc))
    except yaml.reader.ReaderError as exc:
        _fail(filename, *_char_position(text, exc.position), "", _reader_message(exc))
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error above carries a mark
        _fail(filename, 1, 1, "", f"invalid YAML: {exc}")
    finally:
        loader.dispose()
    return doc


def _reader_message(exc: yaml.reader.ReaderError) -> str:
    if isinstance(exc.character, int):
        return (
            f"contains the non-printable character #x{exc.character:04x}; "
            "is it a binary file? Scenario files are UTF-8 text"
        )
    return "contains bytes that are not valid text"


def _char_position(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    """PyYAML's problem and context, plus a hint for the usual cause (indentation)."""
    message = f"invalid YAML: {exc.problem}"
    if exc.context:
        message += f" ({exc.context}"
        if exc.context_mark is not None:
            line, col = _pos(exc.context_mark)
            message += f" at line {line}, column {col}"
        message += ")"
    lowered = message.lower()
    if "block end" in lowered or "mapping values are not allowed" in lowered:
        message += "; check the indentation"
    if "found character '\\t'" in lowered:
        message += "; use spaces, not tabs, to indent"
    return message


# --------------------------------------------------------------------------------------------
# Plain data → Scenario
# --------------------------------------------------------------------------------------------


def _load_str(text: str, filename: str, overrides: Overrides) -> Scenario:
    doc = _read_document(text, filename)
    if doc.data is None:
        _fail(filename, 1, 1, "", "file is empty; a scenario needs at least id and title")
    if not isinstance(doc.data, dict):
        line, col = doc.where(())
        _fail(
            filename,
            line,
            col,
            "",
            "the top level must be a mapping of keys (id: ..., title: ...), "
            f"got {_describe(doc.data)}",
        )
    origins: dict[Path_, str] = {}
    if overrides:
        from hmt_sim.scenario.overrides import apply_overrides_tracked, normalise_overrides

        doc.data, origins = apply_overrides_tracked(doc.data, normalise_overrides(overrides))
    return _validate(doc, origins)


def _validate(doc: _Document, origins: Mapping[Path_, str]) -> Scenario:
    try:
        scenario = Scenario.model_validate(doc.data, context={"skip_references": True})
    except ValidationError as exc:
        problems = _convert_errors(doc, exc.errors(include_url=False))
        raise ScenarioError(_finish(doc.filename, problems, origins)) from None
    problems = [_reference_problem(doc, loc, msg) for loc, msg in reference_problems(scenario)]
    if problems:
        raise ScenarioError(_finish(doc.filename, problems, origins)) from None
    return scenario


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
                Problem(filename, item.line, item.column, _dotted(item.path), item.message)
            )
        elif (origin, item.message) not in seen:
            seen.add((origin, item.message))
            override_problems.append(
                Problem(f"--set {origin}", 0, 0, _dotted(item.path), item.message)
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


def _convert_errors(doc: _Document, errors: list[Any]) -> list[_Located]:
    out: list[_Located] = []
    handled_unions: set[Path_] = set()
    for err in errors:
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


def _convert_error(doc: _Document, err: Mapping[str, Any], unions: set[Path_]) -> _Located | None:
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
    if kind == "value_error":
        return _model_value_error(doc, path, err)
    if slot is not None and _is_scalar_union(slot.tp):
        if path in unions:
            return None
        unions.add(path)
        message = f"expected {_type_name(slot.tp)}, got {_describe(err['input'])}"
    else:
        message = _message(kind, err, slot)
    line, col = doc.where(path, at_key=at_key)
    return _Located(path, at_key, message, line, col)


def _missing(doc: _Document, path: Path_, name: str | int, slot: _Slot | None) -> _Located:
    """A missing field is reported at the mapping that should contain it."""
    line, col = doc.where(path)
    if isinstance(name, int):  # a fixed-length list (e.g. rect) with too few items
        expected = len(get_args(slot.tp)) if slot is not None else name + 1
        got = len(_value_at(doc.data, path))
        return _Located(path, False, f"expected {expected} items, got {got}", line, col)
    return _Located((*path, name), False, f"missing required key {name!r}", line, col)


def _bad_tag_value(
    doc: _Document, path: Path_, err: Mapping[str, Any], slot: _Slot | None
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


def _model_value_error(doc: _Document, path: Path_, err: Mapping[str, Any]) -> _Located:
    """A model validator's message, pointed at the field or key it names when it names one."""
    exc = err.get("ctx", {}).get("error")
    message = str(exc) if exc is not None else str(err["msg"]).removeprefix("Value error, ")
    value = _value_at(doc.data, path)
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


def _named_key(message: str, mapping: dict[str, Any]) -> tuple[str, ...]:
    """The key a message quotes (``unknown action class 'engag'``), here or one level down."""
    for name in re.findall(r"'([^']+)'", message):
        if name in mapping:
            return (name,)
        for key, child in mapping.items():
            if isinstance(child, dict) and name in child:
                return (key, name)
    return ()


def _reference_problem(doc: _Document, loc: Sequence[str | int], message: str) -> _Located:
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
    got = _describe(err["input"])
    ctx: Mapping[str, Any] = err.get("ctx") or {}
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        bounds = _bounds(slot) or _ctx_bounds(ctx)
        return f"must be {bounds}, got {got}"
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
        return f"must be {ctx.get('expected')}, got {_describe(value)}"
    message = f"must be one of: {', '.join(allowed)}; got {_describe(value)}"
    close = difflib.get_close_matches(str(value), allowed, n=1)
    return f"{message}; did you mean {close[0]!r}?" if close else message


def _bounds(slot: _Slot | None) -> str:
    if slot is None:
        return ""
    parts = []
    for m in slot.meta:
        for cls, attr, op in (
            (annotated_types.Gt, "gt", ">"),
            (annotated_types.Ge, "ge", ">="),
            (annotated_types.Lt, "lt", "<"),
            (annotated_types.Le, "le", "<="),
        ):
            if isinstance(m, cls):
                parts.append(f"{op} {getattr(m, attr)}")
    return " and ".join(parts)


def _ctx_bounds(ctx: Mapping[str, Any]) -> str:
    ops = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
    return " and ".join(f"{op} {ctx[k]}" for k, op in ops.items() if k in ctx)


def _describe(value: Any) -> str:
    """A value as the user wrote it, in YAML spelling."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


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


def _dotted(path: Path_) -> str:
    return ".".join(str(seg) for seg in path)


def _fail(filename: str, line: int, col: int, path: str, message: str) -> None:
    raise ScenarioError([Problem(filename, line, col, path, message)]) from None


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
