"""The typer application behind ``hmt-sim``: the root options and every command group.

``hmt_sim.cli.main`` comes here for any command line the card (``hmt_sim.cli.quick``) cannot
answer alone. Each command group lives in its own module and registers itself on ``app``
(``from hmt_sim.cli import app``). Every command imports what it needs inside its body, so
parsing a command line loads typer and nothing of the engine. Help is plain text
(``rich_markup_mode=None``): Rich's help formatter alone costs more than the rest of start-up.
"""

from __future__ import annotations

import importlib
from typing import Annotated

import typer

from hmt_sim.cli.outcome import exit_code
from hmt_sim.cli.outcome import fail as fail  # hmt_sim.cli.fail, for the command modules
from hmt_sim.errors import HmtError

app = typer.Typer(
    name="hmt-sim",
    help="Human-machine teaming tabletop simulation: escalation, civilian harm and human "
    "control under AI decision support.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        from hmt_sim import __version__

        print(f"hmt-sim {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    version: Annotated[bool, typer.Option(
        "--version", help="print the version and exit", callback=_print_version,
        is_eager=True)] = False,
) -> None:
    """Global options (given before the command) are declared here; the app's help says the rest."""


# One module per command group; each defines its commands with @app.command().
COMMAND_MODULES = ("core", "check", "report", "sweep", "play", "explore", "calibrate",
                   "serve", "handout")

for _name in COMMAND_MODULES:
    importlib.import_module(f"hmt_sim.cli.{_name}")


def _in_module_order() -> None:
    """Commands in ``COMMAND_MODULES`` order whichever module was imported first (importing
    ``hmt_sim.cli.core`` directly registers its commands after the others'), so the help, and
    the card written from it, always list them the same way."""
    rank = {f"hmt_sim.cli.{name}": i for i, name in enumerate(COMMAND_MODULES)}
    app.registered_commands.sort(  # stable: a module's commands keep their order
        key=lambda info: rank.get(getattr(info.callback, "__module__", ""), len(rank)))


def run(argv: list[str] | None) -> int:
    """Parse ``argv`` with typer and run the command; the exit code. Writes the card for the
    next start (``hmt_sim.cli.quick.record``) when none is current."""
    from hmt_sim.cli.helpformat import use_help_formatter
    from hmt_sim.cli.quick import record

    _in_module_order()
    command = use_help_formatter(typer.main.get_command(app))  # help wraps at spaces only
    record(command)
    try:
        rc = command.main(args=argv, prog_name="hmt-sim", standalone_mode=False)
    except (HmtError, typer.Exit, typer.Abort, KeyboardInterrupt, OSError,
            typer.TyperException) as error:
        return exit_code(error)
    return rc if isinstance(rc, int) else 0
