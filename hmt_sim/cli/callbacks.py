"""Option callbacks shared by several commands, without typer.

``hmt_sim.cli.options`` attaches them to typer options; the card's fast path
(``hmt_sim.cli.quick``) calls the same functions when it runs a command without typer, so an
option acts the same whichever path parsed the command line. Importing this module imports
nothing else.
"""

from __future__ import annotations


def allow_plugins(value: bool) -> bool:
    """``--allow-plugins``: trust installed distributions' plugin code for this process."""
    if value:
        from hmt_sim.plugins.registry import allow_entry_points

        allow_entry_points()
    return value


def check_lang(value: str) -> str:
    """``--lang``: normalise the code (``NL`` -> ``nl``); a code without a catalog is an
    InputError (exit 2)."""
    from hmt_sim.i18n import check_language

    return check_language(value)
