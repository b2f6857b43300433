"""Seat names: ``operator`` (the first operator) or ``operator/N``; the one parser of them.

Sessions, the command line and the Gymnasium / PettingZoo seats all use it. It imports nothing
of the engine, so ``hmt-sim play --seat`` can refuse a misspelt seat before the engine (or
pygame) is loaded: the name is checked first, the number against the scenario once it is read.
"""

from __future__ import annotations

from typing import Any

from hmt_sim.errors import InputError

PREFIX = "operator/"


def seat_names(operators: int) -> list[str]:
    """The seat names of a scenario with ``operators`` operators."""
    return [f"{PREFIX}{i}" for i in range(operators)]


def parse_seat(seat: Any) -> int:
    """``"operator"`` -> 0, ``"operator/N"`` -> N: the name alone, before any scenario is
    known (no upper bound yet); anything else is an ``InputError`` saying what is allowed."""
    if not isinstance(seat, str):
        raise InputError(f"seat must be a string such as 'operator/0', got {seat!r}")
    if seat == "operator":
        return 0
    number = seat.removeprefix(PREFIX)
    if seat.startswith(PREFIX) and number.isascii() and number.isdigit() and len(number) < 7:
        return int(number)
    raise InputError(f"unknown seat {seat!r}; allowed: operator, or operator/N for the "
                     "scenario's operator N (operator/0, operator/1, ...)")


def seat_index(seat: Any, operators: int) -> int:
    """``"operator"`` -> 0, ``"operator/N"`` -> N, checked against the scenario's seats."""
    allowed = ", ".join(seat_names(operators))
    try:
        index = parse_seat(seat)
    except InputError:
        if not isinstance(seat, str):
            raise
        raise InputError(f"unknown seat {seat!r}; allowed: operator, {allowed}") from None
    if index >= operators:
        raise InputError(f"seat {seat!r}: the scenario has {operators} operator seat(s): "
                         f"{allowed}")
    return index
