"""The report of the bundled default scenario: sections, numbers, images, no network."""

from __future__ import annotations

import base64
import io
import json
import re
from html import escape
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from report_helpers import scan

from hmt_sim.cli import main
from hmt_sim.events import read_jsonl
from hmt_sim.metrics import flatten
from hmt_sim.report.glossary import KEY_METRICS, METRICS, format_value, info
from hmt_sim.report.html import SECTIONS
from hmt_sim.rundir import write_run
from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session


@pytest.fixture(scope="module")
def text(report_file: Path) -> str:
    return report_file.read_text(encoding="utf-8")


def test_every_section_is_present_in_order(text: str) -> None:
    assert scan(text).section_ids == [sid for sid, _ in SECTIONS]


def test_scenario_briefing_and_questions_are_shown(text: str) -> None:
    sc = load_scenario("airbase_swarm")
    assert escape(sc.title) in text
    for question in sc.questions:
        assert escape(question) in text
    first_words = " ".join(sc.briefing.split()[:8])
    assert escape(first_words) in text


def test_summary_numbers_equal_metrics_json(run_dir: Path, text: str) -> None:
    expected = flatten(json.loads((run_dir / "metrics.json").read_text()))
    cells = scan(text).metric_cells
    assert set(cells) == set(expected)
    for key, value in expected.items():
        cell = cells[key]
        assert cell.attrs["data-raw"] == repr(value), key
        assert cell.text == format_value(key, value), key
    # The plain-reading numbers, spelled out for two of them.
    casualties = expected["harm.civilian_casualties"]
    assert cells["harm.civilian_casualties"].text == str(casualties)
    rate = expected["control.meaningful_review_rate"]
    assert cells["control.meaningful_review_rate"].text == (
        "n/a" if rate is None else f"{100 * rate:.1f}%")


def test_none_reads_na_and_every_metric_is_explained(run_dir: Path) -> None:
    assert format_value("control.veto_opportunity_ratio", None) == "n/a"
    flat = flatten(json.loads((run_dir / "metrics.json").read_text()))
    for key in flat:
        meta = info(key)
        assert meta.meaning != "No description yet", f"{key} has no plain-language entry"
        assert meta.sentence().endswith("is better).") or "neither" in meta.sentence()
    for key in KEY_METRICS:
        assert key in METRICS


def test_images_are_embedded_decodable_and_not_trivial(text: str) -> None:
    images = scan(text).images
    assert len(images) >= 3  # escalation, trust, workload
    for src in images:
        assert src.startswith("data:image/png;base64,")
        raw = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert raw[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(raw) > 10_000
        img = np.asarray(Image.open(io.BytesIO(raw)).convert("L"), dtype=float)
        assert img.shape[0] > 200 and img.shape[1] > 400
        assert img.std() > 10  # something is drawn, not a blank canvas


def test_no_resource_needs_the_network(text: str) -> None:
    urls = scan(text).resource_urls
    assert all(u.startswith(("data:", "#")) for u in urls), urls
    assert not re.search(r"https?://", text)
    assert "@import" not in text and "url(" not in text


def test_decision_and_gate_tables_cover_the_log(run_dir: Path, text: str) -> None:
    events = read_jsonl(run_dir / "events.jsonl")
    recs = {e["decision"] for e in events if e["kind"] == "recommendation"}
    assert set(scan(text).decision_rows) == recs
    gates = [e for e in events if e["kind"] == "gate"]
    assert gates, "the default scenario should fire ROE gates"
    assert text.count("</tr>") >= len(recs) + len(gates)
    for g in gates:
        assert escape(str(g["detail"])) in text


def test_bookmarked_decisions_are_highlighted(tmp_path: Path) -> None:
    sc = load_scenario("airbase_swarm")
    session = Session(sc, seed=3)
    session.run_to(60.0)
    while not session.events or not any(e["kind"] == "recommendation" for e in session.events):
        session.advance(5.0)
    rec = next(e for e in session.events if e["kind"] == "recommendation")
    session.bookmark("look at this <one>")
    result = session.run_to_end()
    run = tmp_path / "run"
    run.mkdir()
    write_run(result, run)
    out = tmp_path / "r.html"
    assert main(["report", str(run), "-o", str(out)]) == 0
    text = out.read_text()
    rows = scan(text).decision_rows
    assert "bookmarked" in rows[rec["decision"]]
    assert escape("look at this <one>") in text
    assert "<one>" not in text  # escaped, never raw markup
    far = [d for d, cls in rows.items() if "bookmarked" not in cls]
    assert far, "only decisions near the bookmark are highlighted"


def test_default_output_goes_into_the_run_directory(run_dir: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    assert main(["report", str(copy)]) == 0
    assert (copy / "report.html").stat().st_size > 50_000
