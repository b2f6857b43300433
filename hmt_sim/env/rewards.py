"""The seat's reward: a weighted sum of changes in the run's metrics.

Every metric is a pure function of the event log (``hmt_sim.metrics``), so the reward of a step is
``sum(weight[k] * (metric_k(log after) - metric_k(log before)))`` over the weighted keys. Summed
over an episode it telescopes to the weighted change of the metrics between the first observation
and the end of the run, which is how the tests check it. Keys are the flattened metric names
(``harm.civilian_casualties``); a metric that is undefined so far (``None``) counts as 0.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hmt_sim.errors import InputError
from hmt_sim.events import Event
from hmt_sim.metrics import compute_metrics, flatten

DEFAULT_REWARD_WEIGHTS: Mapping[str, float] = MappingProxyType({
    "harm.civilian_casualties": -1.0,  # per person killed or injured by blue's use of force
    "harm.wrongful_engagements": -2.0,  # per use of force on a civilian track
    "mission.leakers": -5.0,  # per hostile that reached its target
    "mission.threats_neutralised": 1.0,  # per hostile stopped by engage or jam
    "escalation.steps_up": -1.0,  # per step up the escalation ladder (either side)
})
"""The default weighting. Pass ``reward_weights=`` to replace it as a whole, for example
``{**DEFAULT_REWARD_WEIGHTS, "control.rubber_stamp_rate": -3.0}``."""


def metric_keys() -> tuple[set[str], set[str]]:
    """The weightable names: (numeric leaf metrics, families of per-name metrics).

    A family (``harm.harm_by_region``) holds one number per region or rung; its members
    (``harm.harm_by_region.city``) depend on the scenario, so any member name is accepted.
    Computed from the metrics of an empty log, so a metric added to ``hmt_sim.metrics`` is
    weightable without a change here.
    """
    groups = compute_metrics([])
    leaves = {k for k, v in flatten(groups).items() if v is None or _is_number(v)}
    families = {f"{g}.{name}" for g, metrics in groups.items()
                for name, value in metrics.items() if isinstance(value, dict)}
    return leaves, families


def check_weights(weights: Mapping[str, Any] | None) -> dict[str, float]:
    """Validate ``reward_weights``: known metric names and finite numbers, else ``InputError``
    naming the key, the nearest valid name and what is allowed."""
    if weights is None:
        return dict(DEFAULT_REWARD_WEIGHTS)
    if not isinstance(weights, Mapping):
        raise InputError(f"reward_weights must be a mapping of metric name to weight, got "
                         f"{type(weights).__name__}")
    leaves, families = metric_keys()
    out: dict[str, float] = {}
    for key, weight in weights.items():
        if not isinstance(key, str):
            raise InputError(f"reward_weights: keys are metric names, got {key!r}")
        family = key.rsplit(".", 1)[0] if key.count(".") >= 2 else None
        if key not in leaves and family not in families:
            if key in flatten(compute_metrics([])):
                raise InputError(f"reward_weights: metric {key!r} is a label, not a number")
            raise InputError(_unknown_key(key, leaves, families))
        if isinstance(weight, bool) or not _is_number(weight) \
                or not math.isfinite(float(weight)):
            raise InputError(f"reward_weights[{key!r}]: the weight must be a finite number, "
                             f"got {weight!r}")
        out[key] = float(weight)
    return out


def _unknown_key(key: str, leaves: set[str], families: set[str]) -> str:
    message = f"reward_weights: unknown metric {key!r}"
    close = difflib.get_close_matches(key, sorted(leaves | families), n=1, cutoff=0.6)
    if close:
        hint = close[0] + (".<name>" if close[0] in families else "")
        message += f"; did you mean {hint!r}?"
    allowed = sorted(leaves) + sorted(f + ".<name>" for f in families)
    return message + f" (allowed: {', '.join(allowed)})"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, str)


def metric_values(events: list[Event], keys: Mapping[str, float]) -> dict[str, float]:
    """The weighted metrics of a log, ``None`` (undefined so far) and absent members as 0."""
    flat = flatten(compute_metrics(events))
    return {k: float(flat.get(k) or 0.0) for k in keys}


class RewardMeter:
    """Turns the growth of the event log into rewards: it remembers the metric values at the
    last call and returns the weighted change since then (recomputed only when the log grew)."""

    def __init__(self, weights: Mapping[str, float]) -> None:
        self.weights = dict(weights)
        self._values: dict[str, float] = {}
        self._seen = -1

    def reset(self, events: list[Event]) -> None:
        """Start an episode: the values now are the baseline of the first reward."""
        self._values = metric_values(events, self.weights)
        self._seen = len(events)

    def reward(self, events: list[Event]) -> tuple[float, dict[str, float]]:
        """The weighted metric change since the last call, and each key's share of it."""
        if len(events) == self._seen:
            return 0.0, dict.fromkeys(self.weights, 0.0)
        values = metric_values(events, self.weights)
        terms = {k: self.weights[k] * (values[k] - self._values[k])
                 if values[k] != self._values[k] else 0.0 for k in self.weights}
        self._values, self._seen = values, len(events)
        return math.fsum(terms.values()), terms
