"""Every bundled scenario gets a report (examples are tests), and so does an odd set-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_helpers import scan

from hmt_sim.cli import main
from hmt_sim.report.html import SECTIONS
from hmt_sim.scenario import list_bundled


@pytest.mark.parametrize("scenario", [sid for sid, _, _ in list_bundled()])
def test_every_bundled_scenario_renders(scenario: str, tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert main(["run", scenario, "--out", str(run)]) == 0
    assert main(["report", str(run)]) == 0
    found = scan((run / "report.html").read_text())
    assert found.section_ids == [sid for sid, _ in SECTIONS]
    assert len(found.images) == 3


def test_no_operators_and_the_top_rung(tmp_path: Path) -> None:
    """Without operators there is no trust or utilisation to plot; the ladder may hit its top."""
    run = tmp_path / "run"
    assert main(["run", "airbase_swarm", "--set", "operators.count=0", "--set",
                 "escalation.start_rung_red=7", "--out", str(run)]) == 0
    out = tmp_path / "r.html"
    assert main(["report", str(run), "-o", str(out), "--compare", "ai.reliability=0.5,0.99",
                 "--seeds", "2", "--workers", "1"]) == 0
    assert "n/a" in out.read_text()
