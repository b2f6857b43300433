"""``hmt-sim play`` and ``replay`` settle the heap once the window is open: what exists then is
left out of the garbage collector's later passes (``hmt_sim.collection.settle``), so a full pass
between frames no longer walks the imports, the scenario and the session so far. Run in child
processes: freezing is process-wide, and a test process must not keep it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
       "PYTHONPATH": str(ROOT)}

CHILD = """
import gc, sys
import visualiser
settle = sys.argv[1] == "settle"
out = visualiser.play(scenario=__import__("hmt_sim").load_scenario("training_sandbox"),
                      autoplay=True, until=20.0, record=False, size=(1024, 768), settle=settle)
assert out["t"] >= 20.0, out
print(gc.get_freeze_count(), len(gc.get_objects()))
"""


def _child(mode: str) -> tuple[int, int]:
    done = subprocess.run([sys.executable, "-c", CHILD, mode], capture_output=True, text=True,
                          env=ENV, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-1500:]
    frozen, walked = done.stdout.split()[-2:]
    return int(frozen), int(walked)


def test_play_settles_the_heap_when_asked_and_only_then() -> None:
    frozen, walked = _child("settle")
    plain_frozen, plain_walked = _child("plain")
    # the imports (pygame, NumPy, Mesa's model, pydantic), the session and the map
    assert frozen > plain_frozen + 20_000
    assert walked < plain_walked / 2  # what the collector's passes still walk


def test_the_command_line_asks_for_it() -> None:
    source = (ROOT / "hmt_sim" / "cli" / "play.py").read_text(encoding="utf-8")
    assert source.count("settle=True") == 2  # play and replay
