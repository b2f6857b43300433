"""Printable handouts for a tabletop exercise (``hmt-sim handout SCENARIO -o handout.html``).

One self-contained HTML file: the briefing, one role card per seat (with its join QR code when
the join links are known), and the discussion questions. It prints to A4 from any browser with
one part per page and two role cards to a page. ``links`` reads the join links; ``page`` makes
the HTML; ``css`` is its style sheet.
"""

from __future__ import annotations

import os
from pathlib import Path

from hmt_sim.errors import InputError
from hmt_sim.handout.links import JoinLinks, read_links
from hmt_sim.handout.page import render_handout

MAX_SEATS = 200


def seat_count(given: int | None, links: JoinLinks | None, default: int) -> int:
    """How many role cards: ``--seats``, else one per link, else the scenario's operators.

    More links than seats would leave a link off the handouts; fewer links than seats would
    print cards without one: both are refused, naming the numbers."""
    if given is not None and not 1 <= given <= MAX_SEATS:
        raise InputError(f"--seats {given}: expected 1..{MAX_SEATS}")
    if links is None:
        return given if given is not None else default
    if given is None:
        if not links.seats:
            raise InputError(f"--links {links.source}: no seat links (only the red cell's); "
                             "give --seats N for seat cards without links")
        return len(links.seats)
    if given != len(links.seats):
        raise InputError(f"--seats {given}, but --links {links.source} has links for "
                         f"{len(links.seats)} seat(s); give the same number, or leave out "
                         "--seats")
    return given


def build_handout(scenario: str, out: str | os.PathLike[str] | None = None,
                  seats: int | None = None, links_file: str | os.PathLike[str] | None = None,
                  red: bool = False) -> Path:
    """Write the handout of ``scenario`` (a bundled id or a file) and return its path."""
    from hmt_sim.fileio import write_text_atomic
    from hmt_sim.scenario import load_scenario

    sc = load_scenario(scenario)
    links = read_links(links_file) if links_file is not None else None
    n = seat_count(seats, links, sc.operators.count)
    path = Path(out) if out is not None else Path(f"{sc.id}.handout.html")
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give a file name such as handout.html")
    if not path.parent.exists():
        raise InputError(f"{path.parent}: no such directory for the handout")
    with_red = red or (links is not None and links.red is not None)
    write_text_atomic(path, render_handout(sc, n, with_red, links))
    return path


__all__ = ["JoinLinks", "build_handout", "read_links", "render_handout", "seat_count"]
