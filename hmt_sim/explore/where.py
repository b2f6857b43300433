"""The ``--where`` condition of ``hmt-sim discover``: ``METRIC OP NUMBER``.

OP is one of ``<``, ``<=``, ``>``, ``>=``, ``==``; e.g. ``harm.wrongful_engagements >= 1``.
Parsed at the boundary into a ``Condition``; a malformed text or an unknown metric is an
``InputError`` that shows what is allowed and the nearest metric names.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hmt_sim.errors import InputError
from hmt_sim.explore.table import suggest

OPS: dict[str, Callable[[Any, Any], Any]] = {
    "<=": operator.le, ">=": operator.ge, "==": operator.eq, "<": operator.lt, ">": operator.gt,
}
_PATTERN = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(<=|>=|==|<|>)\s*(\S+)\s*$")
_GRAMMAR = ('METRIC OP NUMBER with OP one of <, <=, >, >=, == '
            '(e.g. "harm.wrongful_engagements >= 1")')


@dataclass(frozen=True)
class Condition:
    """A yes/no outcome of a run: ``metric op value``."""

    metric: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {_fmt(self.value)}"

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Where the condition holds (a missing value never satisfies it)."""
        arr = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore"):
            return np.asarray(OPS[self.op](arr, self.value), dtype=bool) & ~np.isnan(arr)


def parse_condition(text: str, metrics: Sequence[str]) -> Condition:
    """``"harm.wrongful_engagements >= 1"`` → ``Condition``; errors name what is allowed."""
    m = _PATTERN.match(text)
    if m is None:
        if "=" in text and not any(op in text for op in OPS):
            hint = "; use == to test equality"
        elif re.search(r"\b(and|or)\b|&|\|", text):
            hint = "; one comparison only: PRIM finds the factor ranges, the condition is " \
                   "about one metric"
        else:
            hint = ""
        raise InputError(f"--where {text!r}: expected {_GRAMMAR}{hint}")
    name, op, number = m.groups()
    try:
        value = float(number)
    except ValueError:
        raise InputError(f"--where {text!r}: {number!r} is not a number ({_GRAMMAR})") from None
    if not math.isfinite(value):
        raise InputError(f"--where {text!r}: the number must be finite, got {number!r}")
    if name not in metrics:
        raise InputError(f"--where {text!r}: unknown metric {name!r}{suggest(name, metrics)} "
                         "(`hmt-sim analyse DIR` lists the metrics of a sweep)")
    return Condition(name, op, value)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
