"""``--operators FILE``: an ``operators:`` block (what ``hmt-sim calibrate`` writes, or one
written by hand) merged over a scenario's operators section.

The file is read with the scenario reader (``yamldoc``: size cap, safe YAML, positions) and its
block is validated on its own, as the operators section of a scenario, so a mistake is located
in this file (FILE:LINE:COL: error: operators.key: message). The block then becomes dotted
overrides of its leaves, applied before any ``--set``: a deep merge, every key the file does
not name keeps the scenario's value. The ``fit:`` block beside it is a record of the fit and
is ignored.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any

from hmt_sim.errors import InputError, Problem, ScenarioError
from hmt_sim.scenario.loader import load_document
from hmt_sim.scenario.yamldoc import Document, decode, describe, read_capped, read_document

TOP_KEYS = ("operators", "fit")


def operator_overrides(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The file's ``operators:`` block as dotted overrides (``operators.review_time.median_s``
    -> 6.2), after checking it as a scenario's operators section."""
    p = Path(path)
    shown = os.fspath(path)
    if not p.is_file():
        raise InputError(f"{shown}: no such operators file" if not p.exists()
                         else f"{shown}: is not a file")
    doc = read_document(decode(read_capped(p, shown), shown), shown)
    block = _block(doc)
    load_document(doc.with_data({"id": "operators_file", "title": "operators file",
                                 "operators": block}))
    return flatten(("operators",), block, doc)


def _block(doc: Document) -> dict[str, Any]:
    data = doc.data
    if not isinstance(data, dict):
        _fail(doc, (), "an operators file is a mapping with an operators: block (what hmt-sim "
              f"calibrate writes), got {describe(data)}")
    for key in data:
        if key not in TOP_KEYS:
            close = difflib.get_close_matches(str(key), TOP_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            _fail(doc, (key,), f"unknown key {key!r}{hint} (allowed: operators, fit)",
                  at_key=True)
    if "operators" not in data:
        _fail(doc, (), "no operators: block (the operator settings to merge over the "
              "scenario's)")
    block = data["operators"]
    if not isinstance(block, dict):
        _fail(doc, ("operators",), f"must be a mapping of operator settings, got "
              f"{describe(block)}")
    return block


def flatten(prefix: tuple[str, ...], block: dict[str, Any], doc: Document) -> dict[str, Any]:
    """Dotted paths of a mapping's leaves; an empty mapping changes nothing (a deep merge)."""
    out: dict[str, Any] = {}
    for key, value in block.items():
        path = (*prefix, str(key))
        if "." in str(key):
            _fail(doc, path, f"a key of an operators file cannot hold a dot, got {key!r}",
                  at_key=True)
        if isinstance(value, dict):
            out.update(flatten(path, value, doc))
        else:
            out[".".join(path)] = value
    return out


def _fail(doc: Document, path: tuple[Any, ...], message: str, at_key: bool = False) -> None:
    line, col = doc.where(path, at_key=at_key)
    raise ScenarioError([Problem(doc.filename, line, col, ".".join(map(str, path)), message)])
