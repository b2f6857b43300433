"""The report in Dutch (``--lang nl``), and the red cell's section in its place.

Real runs of bundled scenarios, rendered through the CLI: the page says it is Dutch, its headings,
the scenario's own briefing, questions and inject labels come in Dutch, numbers carry decimal
commas, and nothing of the English text of those parts is left.
"""

from __future__ import annotations

import re
from html import escape, unescape
from pathlib import Path

import pytest
from report_helpers import GRID, scan

from hmt_sim.cli import main
from hmt_sim.i18n import language
from hmt_sim.rundir import write_run
from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session


@pytest.fixture(scope="module")
def dutch(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("nl") / "rapport.html"
    assert main(["report", str(run_dir), "-o", str(out), "--lang", "nl"]) == 0
    assert language() == "en"  # the command restores the language it found
    return out.read_text(encoding="utf-8")


def test_the_page_is_dutch(dutch: str) -> None:
    assert '<html lang="nl">' in dutch
    for heading in ("Evaluatie na afloop", "Overzicht van de maten", "Beslissingen",
                    "Hoe dit rapport is gemaakt", "Discussievragen"):
        assert heading in dutch
    for english in ("Metrics summary", "How this report was made", "Discussion questions",
                    "lower is better", "Reproduce:"):
        assert english not in dutch


def test_the_scenario_speaks_dutch_too(dutch: str) -> None:
    sc = load_scenario("airbase_swarm")
    nl = sc.text("nl")
    assert nl.questions and nl.briefing and nl.injects
    for question in nl.questions:
        assert escape(question) in dutch
    for question in sc.questions:
        assert escape(question) not in dutch
    assert escape(" ".join(nl.briefing.split()[:8])) in dutch
    injects = unescape(dutch.split('id="injects"')[1].split("</section>")[0])
    assert nl.injects[0] in injects
    assert sc.injects[0].label not in injects


def test_numbers_carry_decimal_commas(dutch: str) -> None:
    cells = scan(dutch).metric_cells
    share = cells["control.meaningful_review_rate"].text
    assert re.fullmatch(r"\d+,\d%|n\.v\.t\.", share), share
    assert not any(re.search(r"\d\.\d", c.text) for c in cells.values())


def test_a_red_cell_gets_its_own_section_after_the_escalation(tmp_path: Path) -> None:
    session = Session(load_scenario("training_sandbox"), seed=7, red_cell=True)
    for step in ("escalate", "hold", "de-escalate"):
        session.advance(40.0)
        session.red_choose(step)
    run = tmp_path / "run"
    run.mkdir()
    write_run(session.run_to_end(), run)
    out = tmp_path / "r.html"
    assert main(["report", str(run), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    ids = scan(text).section_ids
    assert ids[ids.index("escalation") + 1] == "red-cell"
    assert '<a href="#red-cell">' in text
    section = unescape(text.split('id="red-cell"')[1].split("</section>")[0])
    assert "chose red's step at 3 reactions: 1 up, 1 held, 1 down" in section


def test_the_sweep_report_in_dutch(tmp_path: Path) -> None:
    from hmt_sim.report.sweep import SECTIONS
    from hmt_sim.sweep import run_sweep

    spec = tmp_path / "grid.yaml"
    spec.write_text(GRID, encoding="utf-8")
    run_sweep(spec, tmp_path / "grid", workers=2)
    out = tmp_path / "sweep.html"
    assert main(["report", str(tmp_path / "grid"), "-o", str(out), "--lang", "nl",
                 "--where", "harm.civilian_casualties >= 1"]) == 0
    text = out.read_text(encoding="utf-8")
    assert '<html lang="nl">' in text
    for heading in ("Wat is gevarieerd", "Belangrijkste bevindingen", "Hoofdeffecten",
                    "Begrippenlijst", "Autonomieniveau"):
        assert heading in text
    for _sid, english in SECTIONS:
        assert f">{english}<" not in text
    assert "does not allow sensitivity indices" not in text
    assert "die geen gevoeligheidsindices toelaat" in text


def test_briefings_reflow_their_lines_and_keep_their_lists() -> None:
    from hmt_sim.report.parts import prose

    text = ("Blue defends\nan airbase.\n\nEach minute:\n- at 1:30 <spoofing>,\n  over town\n"
            "- at 2:00 x.\nPause.")
    assert prose(text) == ("<p>Blue defends an airbase.</p><p>Each minute:</p><ul>"
                           "<li>at 1:30 &lt;spoofing&gt;, over town</li><li>at 2:00 x.</li>"
                           "</ul><p>Pause.</p>")
