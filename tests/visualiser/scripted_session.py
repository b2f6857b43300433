"""A scripted live session for the crash-and-resume tests: a person in the operator seat who
approves even-numbered decisions and rejects odd ones the moment they appear, with the session
file written input by input and every event flushed to ``events.jsonl`` as it is emitted (so the
test can see what the killed process had done)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from hmt_sim import sessionfile
from hmt_sim.events import dumps
from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session

SCENARIO = "airbase_swarm"
SEED = 3


def policy_step(session: Session, writer: sessionfile.SessionWriter) -> None:
    answered = {i["decision"] for i in session.inputs if i["type"] == "decide"}
    for card in session.pending_decisions():
        if card["decision"] in answered:
            continue
        item = session.decide(card["decision"], "approve" if card["decision"] % 2 == 0
                              else "reject")
        writer.append(item)


def play(session: Session, writer: sessionfile.SessionWriter, until: float,
         delay_s: float = 0.0) -> None:
    while session.now < min(until, session.duration):
        policy_step(session, writer)
        session.run_to(round(session.now + 1.0, 3))
        if int(session.now) % 5 == 0:
            writer.clock(session.now)
        if delay_s:
            time.sleep(delay_s)


def main(folder: str) -> None:
    out = Path(folder)
    sc = load_scenario(SCENARIO)
    session = Session(sc, seed=SEED, human_seats=["operator"])
    log = open(out / "events.jsonl", "w", encoding="utf-8")  # noqa: SIM115

    def write(event: dict) -> None:
        log.write(dumps(event) + "\n")
        log.flush()

    for event in session.events:
        write(event)
    session.model.log.subscribe(write)
    writer = sessionfile.open(out / "session.jsonl", sc, SEED, ["operator"])
    print(json.dumps({"ready": True}), flush=True)
    play(session, writer, until=sc.run.duration_s, delay_s=0.01)


if __name__ == "__main__":
    main(sys.argv[1])
