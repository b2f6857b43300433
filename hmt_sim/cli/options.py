"""Options shared by several commands: ``--allow-plugins`` and ``--lang``.

One annotated type each, so a command adds one parameter and nothing else: the option's callback
acts while the command line is parsed, before the command loads anything. Importing this module
costs typer only (the plugin registry loads when the flag is given; the language catalog when the
command renders text), so ``--help`` stays fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from hmt_sim.cli.callbacks import allow_plugins, check_lang

AllowPlugins = Annotated[bool, typer.Option(
    "--allow-plugins",
    help="run plugin code (classifiers, operator policies, metrics) that installed packages "
    "offer through entry points; without it a scenario naming one is refused",
    callback=allow_plugins,
)]
"""``allow_plugins: AllowPlugins = False`` in a command's signature."""


Lang = Annotated[str, typer.Option(
    "--lang", metavar="LANG",
    help="language of everything participants, facilitators and report readers see: "
    "en (English) or nl (Nederlands)",
    callback=check_lang,
)]
"""``lang: Lang = "en"`` in a command's signature; the value arrives checked and normalised.

The command then renders inside ``with hmt_sim.i18n.use_language(lang):`` (or calls
``set_language(lang)`` once for a long-lived process such as the visualiser), so a test that
calls ``main()`` twice in one interpreter does not carry one run's language into the next.
"""
