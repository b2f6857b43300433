"""A scripted live exercise for kill-and-resume trials (run as a script by the tests).

``python session_driver.py new DIR`` starts a session of ``airbase_swarm`` with a human in the
operator seat and writes ``DIR/session.jsonl`` as the visualiser does (``hmt_sim.sessionfile``);
``python session_driver.py resume DIR`` picks the same file up where it stopped. Either way the
"people" follow ``policy`` - a deterministic function of what the screen shows - and at the end
the event log goes to ``DIR/events.jsonl``. Killed and resumed any number of times, the final
log and the inputs in the file must equal those of one uninterrupted run.

A short pause per step stretches the run to a few wall seconds, like a real room would.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from hmt_sim import sessionfile
from hmt_sim.events import write_jsonl
from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session

SEED = 13
STEP_S = 5.0
INJECT_AT = 200.0


def scenario():  # type: ignore[no-untyped-def]
    return load_scenario("airbase_swarm", overrides={"run.duration_s": 600})


def policy(s: Session, write) -> None:  # type: ignore[no-untyped-def]
    """What the room does at the current time: answer every card, inject once at 200 s."""
    for card in s.pending_decisions():
        write(s.decide(card["decision"], "approve" if card["decision"] % 3 else "reject"))
    if s.now >= INJECT_AT and not any(i["type"] == "inject" for i in s.inputs):
        write(s.inject("spoofing", fpr_multiplier=4.0))
        write(s.set_levels({"engage": 6}))


def play(s: Session, write, clock, pause: float) -> None:  # type: ignore[no-untyped-def]
    while not s.finished:
        policy(s, write)
        s.advance(STEP_S)
        clock(s.now)
        if pause:
            time.sleep(pause)


def reference() -> Session:
    """The same exercise, uninterrupted and without a file."""
    s = Session(scenario(), seed=SEED, human_seats=["operator"])
    play(s, lambda item: None, lambda t: None, 0.0)
    return s


def main(mode: str, folder: Path, pause: float) -> None:
    path = folder / "session.jsonl"
    if mode == "new":
        s = Session(scenario(), seed=SEED, human_seats=["operator"])
        writer = sessionfile.open(path, s.scenario, SEED, ["operator"])
    else:
        s, _, writer = sessionfile.resume(path)
    with writer:
        play(s, writer.append, writer.clock, pause)
    write_jsonl(s.events, folder / "events.jsonl")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 0.01)
