"""The core never imports the screen (DESIGN.md principle 4)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]

PROBE = """
import importlib, json, pkgutil, sys
import hmt_sim
names = []
for info in pkgutil.walk_packages(hmt_sim.__path__, "hmt_sim."):
    if info.name.endswith("__main__"):
        continue  # runs the CLI
    importlib.import_module(info.name)
    names.append(info.name)
import hmt_sim.cli
bad = sorted(m for m in sys.modules if m.split(".")[0] in ("pygame", "pygame_gui", "visualiser"))
print(json.dumps({"modules": names, "bad": bad}))
"""


def test_hmt_sim_never_imports_visualiser_or_pygame():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert "hmt_sim.sessionfile" in result["modules"] and "hmt_sim.cli.play" in result["modules"]
    assert result["bad"] == []


def test_no_import_statements_of_the_screen_in_the_core():
    offenders = []
    for path in (ROOT / "hmt_sim").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            text = line.strip()
            if text.startswith(("import pygame", "from pygame")) or (
                text.startswith(("from visualiser", "import visualiser"))
                and path.name != "play.py"
            ):
                offenders.append(f"{path}:{number}: {text}")
    assert offenders == []
