"""Checking a sweep spec against its base scenario, the only way that cannot drift from the engine.

Each factor value, the fixed ``set`` overrides and every design point of two or more factors are
applied as overrides to the base scenario and loaded (``load_with``), so the engine's own message
and did-you-mean apply; the problem is then re-located at the place in the spec that caused it.
Metric names are checked against what a short run of the base scenario reports.

These checks return ``Issue`` records; ``specfile.SpecFile`` calls them from its validators and
turns them into located problems.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hmt_sim.errors import InputError, Problem, ScenarioError
from hmt_sim.scenario.yamldoc import describe
from hmt_sim.sweep.scenarios import load_with
from hmt_sim.sweep.spec import Factor, PathT, Scalar, select_metrics
from hmt_sim.sweep.worker import metric_families, point_scenario, probe_metrics

MAX_POINT_PROBLEMS = 5
"""Design points reported as invalid at most (one bad factor value breaks many points)."""


@dataclass(frozen=True)
class Issue:
    """One problem in a spec: where (a data path in the spec file) and what.

    ``problem`` is set instead for a problem that is already located elsewhere: in the base
    scenario file itself, or in a ``--set`` given on the command line (no place in the spec).
    """

    path: PathT
    message: str
    at_key: bool = False
    problem: Problem | None = None


@dataclass(frozen=True)
class BaseScenario:
    """The base scenario a spec names: the path shown in messages, and its text."""

    source: str
    text: str


def check_base(scenario: BaseScenario, file_set: Mapping[str, Any],
               extra_set: Mapping[str, Any]) -> list[Issue]:
    """The fixed overrides (the spec's ``set`` plus the command line's) on the base scenario."""
    try:
        load_with(scenario.text, scenario.source, {**file_set, **extra_set})
    except ScenarioError as exc:
        issues: list[Issue] = []
        for p in exc.problems:
            key = p.file.removeprefix("--set ")
            if p.file.startswith("--set ") and key not in extra_set:
                issues.append(Issue(("set", key), factor_message(key, p)))
            else:  # from the command line, or the scenario file itself is broken
                issues.append(Issue((), p.message, problem=p))
        return issues
    except InputError as exc:
        return [Issue(("set",), str(exc))]
    return []


def check_factor_values(scenario: BaseScenario, base: Mapping[str, Any],
                        factors: Sequence[Factor]) -> list[Issue]:
    """Each factor value alone on the base scenario; problems go to the value's line."""
    issues: list[Issue] = []
    # One factor: these are the design points, loaded into the cache the workers inherit.
    load = point_scenario if len(factors) == 1 else load_with
    for factor in factors:
        path: PathT = ("factors", factor.key)
        trials: list[tuple[PathT, Scalar]]
        if factor.values is not None:
            trials = [((*path, i), v) for i, v in enumerate(factor.values)]
        else:  # the bounds as written (a sample nears max but never reaches it)
            assert factor.high is not None
            high: Scalar = int(factor.high) if factor.integer else factor.high
            trials = [((*path, "min"), factor.from_unit(0.0)), ((*path, "max"), high)]
        for where, value in trials:
            try:
                load(scenario.text, scenario.source, {**base, factor.key: value})
            except ScenarioError as exc:
                p = exc.problems[0]
                if "unknown" in p.message:  # the key is wrong: say it once, at the key
                    issues.append(Issue(path, factor_message(factor.key, p), at_key=True))
                    break
                issues.append(Issue(where, factor_message(factor.key, p)))
            except InputError as exc:
                issues.append(Issue(path, str(exc), at_key=True))
                break
    return issues


def check_metrics(metrics: Sequence[tuple[int, str]], scenario: BaseScenario,
                  base: Mapping[str, Any]) -> list[Issue]:
    """Metric names (with their index in ``metrics:``) against a short run's metrics.

    Some names appear only when something happens (a region's false-positive rate once the AI
    has judged a civilian there): a name under a dict-valued metric (ai.fpr_by_region.<region>)
    is accepted even if the probe run lacks it.
    """
    if not metrics:
        return []
    sc = load_with(scenario.text, scenario.source, base)
    known = list(probe_metrics(sc))
    families = metric_families(sc)
    return [Issue(("metrics", i), unknown(name, known, what="metric"))
            for i, name in metrics
            if not select_metrics([name], known)
            and not any(name.startswith(f + ".") or name == f for f in families)]


def check_points(scenario: BaseScenario, base: Mapping[str, Any],
                 points: Sequence[Mapping[str, Scalar]]) -> list[Issue]:
    """Combinations can break cross-field rules even when each value is fine alone."""
    issues: list[Issue] = []
    for i, point in enumerate(points):
        try:
            # cached: workers forked after this find every point validated
            point_scenario(scenario.text, scenario.source, {**base, **point})
        except ScenarioError as exc:
            shown = ", ".join(f"{k}={describe(v)}" for k, v in point.items())
            issues.append(Issue(("factors",), f"design point {i} ({shown}) is not a valid "
                                f"scenario: {exc.problems[0].message}", at_key=True))
            if len(issues) >= MAX_POINT_PROBLEMS:
                break
    return issues


def factor_message(key: str, problem: Problem) -> str:
    """The engine's message for an override, with the path inside it when it is not ``key``."""
    where = f"{problem.path}: " if problem.path and problem.path != key else ""
    return f"{where}{problem.message}"


def unknown(key: Any, allowed: Sequence[str], what: str = "key") -> str:
    """``unknown key 'x'`` with a did-you-mean, or the allowed names when none is close."""
    close = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
    if close:
        return f"unknown {what} {key!r}; did you mean {close[0]!r}?"
    shown = list(allowed)[:12]
    more = ", ..." if len(allowed) > 12 else ""
    return f"unknown {what} {key!r} (allowed: {', '.join(shown)}{more})"
