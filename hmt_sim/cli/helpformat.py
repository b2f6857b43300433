"""Help text that never wraps inside a hyphenated word.

Click wraps help with ``textwrap``, which breaks lines at hyphens: ``FILE-paired.csv`` came out
as ``FILE-`` / ``paired.csv``, ``[default: no-autoplay]`` as ``no-`` / ``autoplay``, and a
command name such as ``hmt-sim`` could be split too. The formatter here hides every hyphen
behind a non-breaking hyphen (U+2011, one column wide like ``-``) while wrapping and writes
plain hyphens back, so lines still break at spaces only and what is printed is unchanged
otherwise. ``use_help_formatter`` puts it on a command and its subcommands; nothing global is
changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_NB_HYPHEN = "\u2011"


def _hold(text: str) -> str:
    return text.replace("-", _NB_HYPHEN)


class SpacesOnly:
    """Mixed into click's ``HelpFormatter``: wrap at spaces only (never after a hyphen).

    A mixin, because typer ships its own copy of click (``typer._click``): the formatter and
    context classes are taken from the command they serve (``use_help_formatter``).
    """

    def write(self, string: str) -> None:
        """Write wrapped text with its hyphens restored."""
        super().write(string.replace(_NB_HYPHEN, "-"))  # type: ignore[misc]

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        """The usage line, wrapped at spaces only."""
        super().write_usage(_hold(prog), _hold(args), prefix)  # type: ignore[misc]

    def write_text(self, text: str) -> None:
        """A paragraph of help, wrapped at spaces only."""
        super().write_text(_hold(text))  # type: ignore[misc]

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30,
                 col_spacing: int = 2) -> None:
        """Options and arguments: the names as they are, their help wrapped at spaces only."""
        held = [(name, _hold(help_)) for name, help_ in rows]
        super().write_dl(held, col_max, col_spacing)  # type: ignore[misc]


def use_help_formatter(command: Any) -> Any:
    """Give a click ``command`` and every subcommand under it the hyphen-safe help formatter
    (a context class of their own; click's classes are left as they are)."""
    base = command.context_class
    formatter = type("HelpFormatter", (SpacesOnly, base.formatter_class), {})
    context = type("HelpContext", (base,), {"formatter_class": formatter})
    stack = [command]
    while stack:
        current = stack.pop()
        current.context_class = context
        stack.extend(getattr(current, "commands", {}).values())
    return command
