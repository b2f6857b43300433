"""Operators fitted to real rooms (issue 11): ``hmt-sim calibrate`` fits the operator model's
reading time, verification and judgement to the decisions people made in live sessions, and
``--operators FILE`` puts a fitted (or hand-written) ``operators:`` block into a run or a sweep.

- ``reviews``: replay a session file and collect the reviews people answered, with what the
  operator model needs to explain each one;
- ``likelihood``: the model's likelihood in three parts, each maximised with ``scipy.optimize``;
- ``fit``: the fit, its bootstrap intervals and the YAML file;
- ``opsfile``: reading an operators file into overrides, with located errors.
"""

from __future__ import annotations

from hmt_sim.calibrate.fit import Calibration, Estimate, calibrate, document, write
from hmt_sim.calibrate.opsfile import operator_overrides

__all__ = ["Calibration", "Estimate", "calibrate", "document", "operator_overrides", "write"]
