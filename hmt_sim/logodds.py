"""Probabilities and log-odds: the two functions the AI model, the operator's judgement and the
calibration all speak in. A module of its own (no imports from the package) so any of them can
use it without pulling in the plugin registry."""

from __future__ import annotations

import math


def sigmoid(x: float) -> float:
    """Logistic function, written so large |x| never overflows."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def logit(p: float) -> float:
    """Inverse of ``sigmoid``, clipped away from 0 and 1."""
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))
