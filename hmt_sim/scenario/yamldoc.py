"""YAML bytes → plain Python data with the line and column of every key and value.

The safe reading half of the scenario loader, shared by everything that reads a YAML input file
(scenarios, ``--set`` values, sweep specs), so each gets the same protections and error format:

* Bytes are checked first: a size cap (``MAX_BYTES``), UTF-8 only (UTF-16/32 and binary files get a
  message saying what they are), because YAML parser errors on such input are cryptic.
* YAML is *composed* (never constructed by PyYAML) with a ``SafeLoader`` subclass that caps nesting
  depth; the Python data is then built here, node by node, so that (1) no tag other than plain data
  is accepted — ``!!python/...`` can never build an object, (2) alias expansion is counted and a
  "billion laughs" document stops after ``MAX_NODES`` values, (3) duplicate keys are errors, and
  (4) the line and column of every key and value are recorded by key path (``Document``).

Positions are 1-based. Every problem is raised as a ``ScenarioError`` carrying a located
``Problem``. This module knows no schema: checking the data is the caller's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hmt_sim.errors import InputError, Problem, ScenarioError

MAX_BYTES = 2 * 1024 * 1024
"""Largest scenario file accepted. Real scenarios are a few kilobytes; the cap keeps a wrong file
(a log, a data dump) from tying up the parser."""

MAX_NODES = 20_000
"""Most values one document may expand to, counting each use of an alias again (alias bombs)."""

MAX_DEPTH = 50
"""Deepest nesting accepted; the schema needs about 6, and the composer recurses per level."""

Path_ = tuple[str | int, ...]
"""A place in the data: mapping keys and list indexes from the top (``("red", "waves", 0)``)."""

_YAML_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_YAML_TAG}{t}" for t in ("null", "bool", "int", "float", "str")}
_TIMESTAMP_TAG = f"{_YAML_TAG}timestamp"
_SEQ_TAG = f"{_YAML_TAG}seq"
_MAP_TAG = f"{_YAML_TAG}map"
_MERGE_TAG = f"{_YAML_TAG}merge"


def parse_yaml_value(text: str) -> Any:
    """Parse one YAML value (a ``--set`` right-hand side) with the same safety rules as files."""
    doc = read_document(text, "<value>")
    return doc.data


def read_capped(path: Path, shown: str) -> bytes:
    """Read at most ``MAX_BYTES + 1`` bytes so a huge file is refused without reading it all."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            fail(shown, 1, 1, "", too_large(size))
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise InputError(f"{shown}: is a directory, not a scenario file") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        fail(shown, 1, 1, "", too_large(len(raw)))
    return raw


def too_large(size: int) -> str:
    """The message for a file over ``MAX_BYTES``."""
    return (
        f"file is too large ({size / 1024 / 1024:.1f} MiB); the limit is "
        f"{MAX_BYTES // (1024 * 1024)} MiB"
    )


def decode(raw: bytes, filename: str) -> str:
    """UTF-8 only: name the encoding we see instead of letting YAML report odd characters."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        fail(filename, 1, 1, "", "file is UTF-32 encoded; save it as UTF-8")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(raw):
        fail(filename, 1, 1, "", "file is UTF-16 encoded; save it as UTF-8")
    if b"\x00" in raw:
        line, col = _byte_position(raw, raw.index(b"\x00"))
        fail(
            filename, line, col, "", "file contains NUL bytes: it is a binary file, not YAML text"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _byte_position(raw, exc.start)
        fail(
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
class Document:
    """Plain data from one YAML document plus where each key and value was written."""

    filename: str
    data: Any
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    value_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    """Problems that left the data usable (a duplicate key: the first one is kept), kept by
    ``read_document(..., keep_going=True)`` so the caller reports them with its own."""

    def where(self, path: Path_, *, at_key: bool = False) -> tuple[int, int]:
        """Position of a key (or its value); walks up to the nearest recorded ancestor."""
        marks = self.key_marks if at_key else self.value_marks
        if path in marks:
            return marks[path]
        for cut in range(len(path) - 1, -1, -1):
            if path[:cut] in self.value_marks:
                return self.value_marks[path[:cut]]
        return (1, 1)

    def with_data(self, data: Any) -> Document:
        """The same positions with other data (the data after overrides); marks are shared,
        so a parsed document can be reused for many sets of overrides without copying."""
        return Document(self.filename, data, self.key_marks, self.value_marks, self.problems)


def _pos(mark: yaml.Mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML_TAG) :] if tag.startswith(_YAML_TAG) else tag


class _Builder:
    """Builds Python data from a composed node tree, recording marks and enforcing limits."""

    def __init__(self, loader: yaml.SafeLoader, doc: Document) -> None:
        self.loader = loader
        self.doc = doc
        self.count = 0
        self.active: set[int] = set()
        self.problems: list[Problem] = []
        self.recoverable: list[Problem] = []  # the data is still whole: duplicate keys

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
        return Problem(self.doc.filename, line, col, dotted(path), message)

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
                self.recoverable.append(
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


def read_document(text: str, filename: str, *, keep_going: bool = False) -> Document:
    """Compose and build one YAML document; raise ``ScenarioError`` on syntax or limit errors.

    A duplicate key is an error too. With ``keep_going`` it is not raised here but kept in
    ``Document.problems`` (the first value is kept), so that a caller that validates the data
    can report it together with the other problems, in one pass.
    """
    doc = Document(filename, None)
    try:
        loader = _DepthLimitedLoader(text)  # the reader checks for non-printable text here
    except yaml.reader.ReaderError as exc:
        fail(filename, *_char_position(text, exc.position), "", _reader_message(exc))
    try:
        node = loader.get_single_node()
        if node is not None:
            builder = _Builder(loader, doc)
            doc.data = builder.build(node, ())
            if builder.problems or (builder.recoverable and not keep_going):
                raise ScenarioError(sorted([*builder.problems, *builder.recoverable],
                                           key=lambda p: (p.line, p.column)))
            doc.problems = builder.recoverable
            doc.value_marks[()] = _pos(node.start_mark)
    except _LimitExceeded as exc:
        line, col = _pos(exc.mark) if exc.mark else (1, 1)
        fail(filename, line, col, "", exc.message)
    except yaml.MarkedYAMLError as exc:
        line, col = _pos(exc.problem_mark) if exc.problem_mark else (1, 1)
        fail(filename, line, col, "", _yaml_message(exc, text))
    except yaml.reader.ReaderError as exc:
        fail(filename, *_char_position(text, exc.position), "", _reader_message(exc))
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error above carries a mark
        fail(filename, 1, 1, "", f"invalid YAML: {exc}")
    finally:
        loader.dispose()
    return doc


_KEY = re.compile(r"[ \t]*(?:-[ \t]+)?([^\s#'\"{\[][^:#]*?):[ \t]")
"""The start of a line ``key: value`` (maybe a list item ``- key: value``), up to the value."""


def _quoted_value(text: str, mark: yaml.Mark | None) -> str | None:
    """``key: "value: more"`` when the colon PyYAML stopped at is inside the plain value of a
    ``key: value`` line (``title: Air defence: night``), else None (an indentation problem)."""
    if mark is None:
        return None
    lines = text.splitlines()
    if not 0 <= mark.line < len(lines):
        return None
    line = lines[mark.line]
    match = _KEY.match(line)
    if match is None:
        return None
    rest = line[match.end():]
    written = rest.split(" #", 1)[0].strip()  # a comment is not part of the value
    start = match.end() + len(rest) - len(rest.lstrip())
    if not written or written[0] in "'\"{[|>&*!" or start > mark.column:
        return None  # the bad colon is not inside a plain value of this line's key
    value = written.replace("\\", "\\\\").replace('"', '\\"')
    if len(value) > 60:  # a long value is shown by its start
        value = value[:40].rstrip() + " ..."
    return f'{match[1].strip()}: "{value}"'


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


def _yaml_message(exc: yaml.MarkedYAMLError, text: str = "") -> str:
    """PyYAML's problem and context, plus a hint for the usual cause: a value holding ``: ``
    that needs quotes, else the indentation."""
    message = f"invalid YAML: {exc.problem}"
    if exc.context:
        message += f" ({exc.context}"
        if exc.context_mark is not None:
            line, col = _pos(exc.context_mark)
            message += f" at line {line}, column {col}"
        message += ")"
    lowered = message.lower()
    quoted = _quoted_value(text, exc.problem_mark) if "mapping values" in lowered else None
    if quoted is not None:
        message += (f"; a value that contains ': ' must be quoted, e.g. {quoted}")
    elif "block end" in lowered or "mapping values are not allowed" in lowered:
        message += "; check the indentation"
    if "found character '\\t'" in lowered:
        message += "; use spaces, not tabs, to indent"
    return message



def describe(value: Any) -> str:
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



def dotted(path: Path_) -> str:
    """A data path as users write it: ``red.waves.0.count``."""
    return ".".join(str(seg) for seg in path)


def fail(filename: str, line: int, col: int, path: str, message: str) -> None:
    """Raise one located problem as a ``ScenarioError`` (a clean traceback: ``from None``)."""
    raise ScenarioError([Problem(filename, line, col, path, message)]) from None

