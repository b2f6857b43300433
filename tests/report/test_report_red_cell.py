"""The report's red-cell section: present when a red cell played, with its choices apart."""

from __future__ import annotations

from pathlib import Path

from hmt_sim import sessionfile
from hmt_sim.report import load_source
from hmt_sim.report.redcell import red_cell_section
from hmt_sim.scenario import load_scenario
from hmt_sim.scenario.library import resolve
from hmt_sim.session import Session


def _session_file(tmp_path: Path, red: bool) -> Path:
    sc = load_scenario(resolve("training_sandbox"))
    path = tmp_path / f"{'red' if red else 'plain'}.session.jsonl"
    s = Session(sc, seed=3, red_cell=red)
    with sessionfile.open(path, sc, 3, red_cell=red) as writer:
        if red:
            for t, step in ((1.0, "escalate"), (21.0, "hold"), (41.0, "de-escalate")):
                s.run_to(t)
                writer.append(s.red_choose(step))
        s.run_to_end()
        writer.clock(s.now)
    return path


def test_the_section_counts_the_red_cells_choices_apart(tmp_path: Path) -> None:
    src = load_source(_session_file(tmp_path, red=True))
    html = red_cell_section(src)
    assert '<section id="red-cell"' in html
    assert "It chose red&#x27;s step at 3 reactions: 1 up, 1 held, 1 down." in html
    model = src.metrics["escalation"]["red_model_steps"]
    assert f"the model moved red {model} time" in html
    assert html.count("<tr><td") == 3 and "0:20" in html and "0:40" in html
    assert "never counted as inadvertent" in html


def test_no_section_without_a_red_cell(tmp_path: Path) -> None:
    assert red_cell_section(load_source(_session_file(tmp_path, red=False))) == ""


def test_the_report_has_the_section_once_and_lists_it(tmp_path: Path) -> None:
    from hmt_sim.report.html import render

    html = render(load_source(_session_file(tmp_path, red=True)))
    assert html.count('<section id="red-cell"') == 1
    assert 'href="#red-cell"' in html
