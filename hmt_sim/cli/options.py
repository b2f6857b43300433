"""The ``--allow-plugins`` option, shared by the commands that run scenarios.

One annotated type, so each command adds one parameter and nothing else: the option's callback
records the user's trust while the command line is parsed, before the command loads anything.
Importing this module costs typer only (the plugin registry loads when the flag is given), so
``--help`` stays fast.
"""

from __future__ import annotations

from typing import Annotated

import typer


def _allow(value: bool) -> bool:
    if value:
        from hmt_sim.plugins.registry import allow_entry_points

        allow_entry_points()
    return value


AllowPlugins = Annotated[bool, typer.Option(
    "--allow-plugins",
    help="run plugin code (classifiers, operator policies, metrics) that installed packages "
    "offer through entry points; without it a scenario naming one is refused",
    callback=_allow,
)]
"""``allow_plugins: AllowPlugins = False`` in a command's signature."""
