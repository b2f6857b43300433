"""Small HTML pieces every report section uses: a clock, a facts table, a figure, a section.

Shared by the after-action report and the handouts, so both read alike.
"""

from __future__ import annotations

import base64
from html import escape


def img(png: bytes, alt: str) -> str:
    """An inline PNG (a ``data:`` URI: the file needs nothing beside it)."""
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def clock(t: float) -> str:
    """Simulation seconds as m:ss (runs last minutes, not hours)."""
    total = round(t)
    return f"{total // 60}:{total % 60:02d}"


def facts(rows: list[tuple[str, str]]) -> str:
    """A two-column table of labelled facts, every value escaped."""
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="facts">{body}</table>'


def section(sid: str, title: str, body: str, major: bool = False) -> str:
    """A titled section; a major one starts a new printed page."""
    cls = ' class="major"' if major else ""
    return f'<section id="{sid}"{cls}><h2>{escape(title)}</h2>\n{body}\n</section>\n'


def prose(text: str) -> str:
    """A scenario's briefing as HTML: blank lines separate paragraphs, lines within one are
    joined (YAML wraps them for the editor, not the reader), and lines that start with ``- ``
    become a list."""
    out = []
    for block in text.strip().split("\n\n"):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        words: list[str] = []
        items: list[str] = []
        for line in lines:
            if line.startswith("- "):
                if words:
                    out.append(f"<p>{escape(' '.join(words))}</p>")
                    words = []
                items.append(line[2:])
            elif items and not words and line[:1].islower():
                items[-1] += " " + line  # a list item wrapped onto the next line
            else:
                if items:
                    out.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items)
                               + "</ul>")
                    items = []
                words.append(line)
        if words:
            out.append(f"<p>{escape(' '.join(words))}</p>")
        if items:
            out.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>")
    return "".join(out)
