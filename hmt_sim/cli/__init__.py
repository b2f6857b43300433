"""The ``hmt-sim`` command line. Exit codes: 0 ok, 1 the run failed, 2 bad input.

Start-up is kept cheap on purpose. ``main`` first asks the card (``hmt_sim.cli.quick``): the
help, the version and argument errors are answered from it without importing typer, click or
anything of the engine, and a well-formed command line of a command whose body is typer-free
(``hmt-sim run``) is parsed from it and run without typer (``hmt_sim.cli.direct``). Every other
command line goes to the typer application (``hmt_sim.cli.application``), whose commands import
what they need inside their bodies. tests/test_cli_startup.py and tests/test_cli_direct.py hold
both.

Command modules register on ``app`` with ``from hmt_sim.cli import app``; ``app`` and ``fail``
are looked up here lazily, so importing this package costs next to nothing.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: importing typing would cost more than this package
if TYPE_CHECKING:
    from typing import Any

_LAZY = ("app", "fail", "root", "COMMAND_MODULES")


def __getattr__(name: str) -> Any:
    # By name, so importing the package (the console script does) does not import typer.
    if name not in _LAZY:
        raise AttributeError(f"module 'hmt_sim.cli' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module("hmt_sim.cli.application"), name)


def main(argv: list[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    from hmt_sim.cli.quick import Plan, respond

    args = list(sys.argv[1:] if argv is None else argv)
    rc = respond(args)
    if isinstance(rc, Plan):
        from hmt_sim.cli.direct import call

        rc = call(rc.target, rc.kwargs, rc.callbacks)
    if rc is not None:
        return rc
    from hmt_sim.cli.application import run

    return run(args)
