"""``hmt-sim handout``: a printable briefing, role cards with join QR codes, and the questions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hmt_sim.cli import app
from hmt_sim.cli.options import AllowPlugins, Lang


@app.command(short_help="Write printable handouts: briefing, role cards, questions.")
def handout(
    scenario: Annotated[str, typer.Argument(help="scenario file or bundled id (hmt-sim list)")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="HTML file to write (default: "
                                             "SCENARIO_ID.handout.html here)")] = None,
    seats: Annotated[int | None, typer.Option(help="role cards for this many operator seats "
                                              "(default: one per join link, else the "
                                              "scenario's operators)")] = None,
    links: Annotated[Path | None, typer.Option(help="join links for the QR codes: the "
                                               "SESSION.room.json that hmt-sim serve writes, "
                                               "or a text file with one link per line, seat 1 "
                                               "first")] = None,
    red: Annotated[bool, typer.Option("--red", help="add the red cell's card (automatic when "
                                      "the links include the red cell's)")] = False,
    allow_plugins: AllowPlugins = False,
    lang: Lang = "en",
) -> None:
    """Write one self-contained HTML file to print (A4, one part per page): the briefing, one
    role card per seat with its join QR code, and the discussion questions. Without --links,
    each card says where its link will appear."""
    from hmt_sim.handout import build_handout
    from hmt_sim.i18n import use_language

    with use_language(lang):
        path = build_handout(scenario, out, seats, links, red)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
