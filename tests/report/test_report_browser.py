"""The report in a real headless browser (Debian's Chromium): it renders, is not blank, and
prints to PDF. Skipped when Chromium is not installed (``.ci/run`` installs it when it can)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from report_helpers import ARTIFACTS

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True, text=True, timeout=90, check=False,
    )


def test_screenshot_is_rendered_and_not_blank(cf_report_file: Path, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-screenshot.png"
    shot.unlink(missing_ok=True)
    shutil.copy(cf_report_file, ARTIFACTS / "report.html")
    done = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000",
                     cf_report_file.as_uri())
    assert shot.exists(), done.stderr[-2000:]
    img = Image.open(shot)
    assert img.size == (1280, 2000)
    grey = np.asarray(img.convert("L"), dtype=float)
    assert grey.std() > 20  # text and figures, not an empty page
    assert (grey < 128).mean() > 0.01  # a fair amount of dark ink
    rgb = np.asarray(img.convert("RGB"), dtype=int)
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 50  # anti-aliased text and colour


def test_prints_to_pdf(cf_report_file: Path, tmp_path: Path) -> None:
    pdf = ARTIFACTS / "report.pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    pdf.unlink(missing_ok=True)
    done = _chromium(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
                     cf_report_file.as_uri())
    assert pdf.exists(), done.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    assert 4 <= pages <= 30, pages  # whole sections per page, not one page per table row
