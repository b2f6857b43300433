"""``hmt-sim serve`` settles the heap once its room is open (``hmt_sim.collection.settle``), as
``play`` does once its window is: a full collector pass no longer walks the imports, the web
stack and the session so far while seats wait for an answer. Run in a child process (freezing
is process-wide), on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import gc, sys
from hmt_sim.room.start import ServedRoom
seen = []
ServedRoom.wait = lambda self: seen.append((gc.get_freeze_count(), len(gc.get_objects())))
from hmt_sim.cli import main
code = main(["serve", "training_sandbox", "--port", "0", "--bind", "127.0.0.1", "--no-qr",
             "--session", sys.argv[1]])
print("RESULT", code, *seen[0])
"""


def test_serve_settles_the_heap_once_the_room_is_open(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "s.jsonl")],
                          capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-1500:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT"))
    _, code, frozen, walked = line.split()
    assert int(code) == 0
    # the imports (NumPy, Mesa's model, pydantic, Starlette, uvicorn), scenario and session
    assert int(frozen) > 20_000
    assert int(walked) < int(frozen) / 4  # what the collector's passes still walk
