"""Fork server for kill trials (run as a script by the crash-safety tests).

Importing hmt-sim and its dependencies takes a second or two of CPU; the commands under test take
a tenth of that. So this process imports everything once, then for each request read from stdin
(one JSON object a line: ``{"args": [...], "kill_after": seconds or null}``) forks a child that
runs ``hmt_sim.cli.main(args)`` - the ``hmt-sim`` command itself, in a real process - and either
kills it with SIGKILL after the delay or lets it finish. It answers one JSON line per request:
``{"killed": bool, "exit": code, "elapsed": seconds}`` (``killed`` is true only if the signal
ended the child; a child that exited first counts as finished).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

import rich.console
import rich.table  # noqa: F401

import hmt_sim.cli.core
import hmt_sim.metrics
import hmt_sim.rundir
import hmt_sim.scenario
import hmt_sim.session  # noqa: F401
from hmt_sim.cli import main


def _child(args: list[str]) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    code = 70
    try:
        code = main(args)
    finally:
        os._exit(code)


def _serve_one(request: dict[str, object]) -> dict[str, object]:
    args = [str(a) for a in request["args"]]  # type: ignore[attr-defined]
    delay = request.get("kill_after")
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        _child(args)
    if delay is None:
        _, status = os.waitpid(pid, 0)
    else:
        deadline = start + float(delay)  # type: ignore[arg-type]
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            now = time.perf_counter()
            if now >= deadline:
                os.kill(pid, signal.SIGKILL)
                _, status = os.waitpid(pid, 0)
                break
            time.sleep(min(0.0005, deadline - now))
    return {"killed": os.WIFSIGNALED(status), "exit": os.waitstatus_to_exitcode(status),
            "elapsed": time.perf_counter() - start}


if __name__ == "__main__":
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(json.dumps(_serve_one(json.loads(line))) + "\n")
            sys.stdout.flush()
