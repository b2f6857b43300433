"""Errors users see. Every one derives from ``HmtError`` (an ``Exception``), so callers can
catch the tool's own failures without catching programming errors."""

from __future__ import annotations

from dataclasses import dataclass


class HmtError(Exception):
    """Base of every error hmt-sim raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file: ``FILE:LINE:COL: error: key.path: message``."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        # Line 0: no place in any file (a --set override); its name is the location.
        where = f"{self.file}:{self.line}:{self.column}" if self.line > 0 else self.file
        return f"{where}: error: {self.path}: {self.message}" if self.path else (
            f"{where}: error: {self.message}"
        )


class ScenarioError(HmtError):
    """A scenario (or sweep spec) that cannot be used; carries every problem found, located."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def file(self) -> str:
        return self.problems[0].file

    @property
    def line(self) -> int:
        return self.problems[0].line

    @property
    def column(self) -> int:
        return self.problems[0].column


class InputError(HmtError):
    """A bad command-line or API argument (not a file): an unknown decision id, a bad override."""


class SimulationError(HmtError):
    """The engine failed while running a valid scenario (a bug, reported with the run's seed)."""
