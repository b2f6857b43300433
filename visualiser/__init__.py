"""The pygame-ce + pygame_gui front end of hmt-sim: live tabletop exercises, replays, and
interactive exploration for students.

It is a client of the engine's Python API (``Session``) and imports ``hmt_sim``; the engine never
imports it (DESIGN.md principle 4). pygame is imported only when a window is opened, so
``import visualiser`` stays cheap and fails with the install command when pygame is missing.
"""

from __future__ import annotations

from typing import Any

from hmt_sim.errors import HmtError

INSTALL_HINT = "pip install 'pygame-ce>=2.4' 'pygame_gui>=0.6.10'"


class DependencyNotInstalled(HmtError):
    """pygame-ce or pygame_gui is missing."""


def require_pygame() -> None:
    try:
        import pygame  # noqa: F401
        import pygame_gui  # noqa: F401
    except ImportError as error:
        raise DependencyNotInstalled(
            f"the visualiser needs pygame-ce and pygame_gui ({error.name} is missing): "
            f"{INSTALL_HINT}") from None


def play(**kwargs: Any) -> Any:
    """Open the window on a new, resumed or unattended session (see ``visualiser.run``)."""
    require_pygame()
    from visualiser.run import play as _play

    return _play(**kwargs)


def replay(**kwargs: Any) -> Any:
    require_pygame()
    from visualiser.run import replay as _replay

    return _replay(**kwargs)


__all__ = ["DependencyNotInstalled", "play", "replay", "require_pygame"]
