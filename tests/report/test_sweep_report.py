"""``hmt-sim report SWEEP_DIR``: the sweep report for a room. Real small sweeps (the engine, a
real process pool, real Parquet folders), the report written through the CLI in-process."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from report_helpers import GRID

from hmt_sim.cli import main
from hmt_sim.explore import discover
from hmt_sim.report.sweep import SECTIONS, condition_words, rule_sentence
from hmt_sim.sweep import load_results, run_sweep

SALTELLI = """\
name: tiny_saltelli
description: "A <b>tiny</b> sweep & its report"
scenario: urban_nomination
set: {run.duration_s: 240}
design: {saltelli: 4}
design_seed: 0
factors:
  autonomy.level: {min: 4, max: 9}
  ai.reliability: {min: 0.6, max: 0.98}
  run.seed: {min: 0, max: 1000}
seeds: {start: 1, count: 2}
metrics: [harm, mission.leakers, control.meaningful_review_rate, escalation.max_rung_red]
"""

WHERE = "harm.civilian_casualties >= 1"
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:|//|file:)|url\(|@import""", re.I)


@pytest.fixture(scope="module")
def saltelli_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sweep")
    spec = folder / "spec.yaml"
    spec.write_text(SALTELLI, encoding="utf-8")
    run_sweep(spec, folder / "out", workers=2)
    return folder / "out"


@pytest.fixture(scope="module")
def saltelli_html(saltelli_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("html") / "sweep.html"
    assert main(["report", str(saltelli_dir), "-o", str(out), "--where", WHERE]) == 0
    return out.read_text(encoding="utf-8")


@pytest.mark.slow
def test_every_section_is_there_and_nothing_is_external(saltelli_html: str) -> None:
    for sid, _ in SECTIONS:
        assert f'<section id="{sid}"' in saltelli_html, sid
    assert not EXTERNAL.search(saltelli_html)
    assert "http://" not in saltelli_html and "https://" not in saltelli_html
    assert "<script" not in saltelli_html.lower() and "<link" not in saltelli_html.lower()
    images = re.findall(r'<img [^>]*src="([^"]*)"', saltelli_html)
    assert len(images) >= 4  # main effects, heatmap, sensitivity, trajectory
    assert all(src.startswith("data:image/png;base64,") for src in images)


@pytest.mark.slow
def test_labels_have_units_and_text_is_escaped(saltelli_html: str) -> None:
    assert "Civilian casualties (count)" in saltelli_html
    assert "Meaningful review rate (share 0-1)" in saltelli_html
    assert "AI reliability" in saltelli_html and "Autonomy level" in saltelli_html
    assert "A &lt;b&gt;tiny&lt;/b&gt; sweep &amp; its report" in saltelli_html
    assert "<b>tiny</b>" not in saltelli_html


@pytest.mark.slow
def test_sensitivity_gives_the_null_factor_nothing(saltelli_html: str) -> None:
    section = _section(saltelli_html, "sensitivity")
    assert "ST, total index [95% CI]" in section
    assert "No detectable influence: Run seed" in section
    row = re.search(r"<td>Civilian casualties \(count\)</td>(.*?)</tr>", section)
    assert row is not None
    cells = re.findall(r"<td class=num>(?:<b>)?([^<]*)", row.group(1))
    assert cells[-1] == "0.00 [0.00, 0.00]"  # run.seed, the last factor


@pytest.mark.slow
def test_rules_in_plain_words_are_discover_s_rules(saltelli_dir: Path,
                                                  saltelli_html: str) -> None:
    found = discover(saltelli_dir, WHERE)
    section = _section(saltelli_html, "rules")
    assert condition_words(found.condition) == "civilian casualties (count) is at least 1"
    base = f"in {100 * found.base_rate:.0f}% of runs ({found.n_cases} of {found.n_runs})"
    assert base in section
    assert found.prim_rules
    for rule in found.prim_rules:
        text = rule_sentence(rule, found)
        assert _unescape(text[1:]) in _unescape(section)
        assert f"{100 * rule.density:.0f}% of runs ({rule.n_cases} of {rule.n_runs})" in text


@pytest.mark.slow
def test_main_effects_are_the_means_of_the_runs(saltelli_dir: Path, saltelli_html: str) -> None:
    df = load_results(saltelli_dir, ok_only=True)
    means = df.groupby("autonomy.level")["harm.civilian_casualties"].mean()
    section = _section(saltelli_html, "effects")
    row = re.search(r"<td>Civilian casualties \(count\)</td>(.*?)</tr>", section)
    assert row is not None
    first = re.findall(r"<td class=num>(?:<b>)?([^<]*)", row.group(1))[0]  # autonomy level
    assert float(first) == pytest.approx(float(means.max() - means.min()), rel=5e-3)


def test_a_grid_sweep_has_no_indices_and_says_why(tmp_path: Path) -> None:
    spec = tmp_path / "grid.yaml"
    spec.write_text(GRID, encoding="utf-8")
    run_sweep(spec, tmp_path / "grid", workers=2)
    out = tmp_path / "grid.html"
    assert main(["report", str(tmp_path / "grid"), "-o", str(out), "--where",
                 "ai.accuracy < 1", "--heatmap", "ai.reliability,autonomy.level"]) == 0
    html = out.read_text(encoding="utf-8")
    assert "does not allow sensitivity indices" in _section(html, "sensitivity")
    assert "accuracy" in _section(html, "interaction").lower()
    assert "(across) and autonomy level (up)" in _section(html, "interaction")
    for sid, _ in SECTIONS:
        assert f'<section id="{sid}"' in html
    # The default output is beside the folder, never inside it.
    assert main(["report", str(tmp_path / "grid")]) == 0
    assert (tmp_path / "grid.report.html").is_file()
    assert not list((tmp_path / "grid").glob("*.html"))
    # A condition that never holds, and more outcomes than the report keeps.
    assert main(["report", str(tmp_path / "grid"), "-o", str(out), "--where",
                 "mission.leakers >= 1000", "-m", "harm", "-m", "control"]) == 0
    html = out.read_text(encoding="utf-8")
    assert "It never happens in these runs" in _section(html, "rules")
    assert "Not shown (the report keeps to 6 outcomes" in _section(html, "findings")


def test_bad_options_exit_2_naming_what_is_allowed(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "grid.yaml"
    spec.write_text(GRID.replace("count: 2", "count: 1"), encoding="utf-8")
    folder = tmp_path / "grid"
    run_sweep(spec, folder, workers=1)
    out = tmp_path / "r.html"
    cases = [
        (["--where", "harm.wrongful >= 1"], "did you mean 'harm.wrongful_engagements'"),
        (["--where", "harm.wrongful_engagements = 1"], "use == to test equality"),
        (["--heatmap", "autonomy.level"], "expected two factors, X,Y"),
        (["--heatmap", "autonomy.level,ai.reliabilty"], "did you mean 'ai.reliability'"),
        (["--heatmap", "autonomy.level,autonomy.level"], "two different factors"),
        (["--metric", "harm.nothing"], "unknown metric 'harm.nothing'"),
        (["--compare", "autonomy.level=5,7"], "--compare applies to a run or a session"),
    ]
    for args, message in cases:
        assert main(["report", str(folder), "-o", str(out), *args]) == 2, args
        assert message in capsys.readouterr().err, args
        assert not out.exists()
    run_dir = tmp_path / "run"
    assert main(["run", "airbase_swarm", "--set", "run.duration_s=20", "--out",
                 str(run_dir)]) == 0
    capsys.readouterr()
    assert main(["report", str(run_dir), "-o", str(out), "--where", "mission.leakers >= 1"]) == 2
    assert "--where applies to a sweep folder" in capsys.readouterr().err


def _section(html: str, sid: str) -> str:
    start = html.index(f'<section id="{sid}"')
    return html[start: html.index("</section>", start)]


def _unescape(text: str) -> str:
    from html import unescape

    return unescape(text)
