"""Helpers for the report tests: shared constants and a small HTML scanner (stdlib
``html.parser``; no third-party parser). A plain module, not conftest, so tests can import it."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CF_SEEDS = 4
CF_COMPARE = "autonomy.level=5,9"
# A small sweep grid the sweep-report tests (English and Dutch) run.
GRID = """\
scenario: airbase_swarm
set: {run.duration_s: 60}
factors:
  autonomy.level: [5, 8]
  ai.reliability: [0.6, 0.9]
seeds: {start: 1, count: 2}
"""


@dataclass
class Cell:
    attrs: dict[str, str]
    text: str = ""


@dataclass
class Scan:
    section_ids: list[str] = field(default_factory=list)
    metric_cells: dict[str, Cell] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)
    resource_urls: list[str] = field(default_factory=list)  # src/href values
    decision_rows: dict[int, list[str]] = field(default_factory=dict)  # id -> classes
    cf_blocks: dict[str, str] = field(default_factory=dict)  # metric -> text of its block


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scan = Scan()
        self._cell: tuple[str, Cell] | None = None
        self._cf: tuple[str, list[str], int] | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag not in ("img", "br", "meta", "link", "input"):
            self._depth += 1
        if tag == "section" and "id" in attrs:
            self.scan.section_ids.append(attrs["id"])
        if tag == "td" and "data-metric" in attrs and "data-raw" in attrs:
            self._cell = (attrs["data-metric"], Cell(attrs))
        if tag == "div" and "data-metric" in attrs and "cf" in attrs.get("class", ""):
            self._cf = (attrs["data-metric"], [], self._depth)
        if tag == "tr" and "data-decision" in attrs:
            self.scan.decision_rows[int(attrs["data-decision"])] = attrs.get("class", "").split()
        for key in ("src", "href"):
            if key in attrs:
                self.scan.resource_urls.append(attrs[key])
        if tag == "img":
            self.scan.images.append(attrs.get("src", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            key, cell = self._cell
            self.scan.metric_cells[key] = cell
            self._cell = None
        if self._cf is not None and tag == "div" and self._depth == self._cf[2]:
            self.scan.cf_blocks[self._cf[0]] = "".join(self._cf[1])
            self._cf = None
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[1].text += data
        if self._cf is not None:
            self._cf[1].append(data)


def scan(text: str) -> Scan:
    parser = _Parser()
    parser.feed(text)
    parser.close()
    return parser.scan
