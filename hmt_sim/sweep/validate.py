"""Checking a sweep spec: every problem found in one pass, located at FILE:LINE:COL.

Structure first (keys, design, seeds, factor shapes), then the values against the base scenario
(each factor value applied as an override, so the engine's own message and did-you-mean apply),
then the design points as combinations. ``spec.load_spec`` is the entry point.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hmt_sim.errors import InputError, Problem, ScenarioError
from hmt_sim.scenario.yamldoc import Document, decode, describe, read_capped
from hmt_sim.sweep.scenarios import load_with
from hmt_sim.sweep.spec import (
    DESIGN_KINDS,
    MAX_POINTS,
    MAX_RUNS,
    RANGE_KEYS,
    TOP_KEYS,
    Factor,
    PathT,
    Scalar,
    SweepSpec,
    _same,
    select_metrics,
)

# --------------------------------------------------------------------------------------------


class Validator:
    """Collects every problem in one pass, then raises them together (like the scenario loader)."""

    def __init__(
        self,
        doc: Document,
        base_dir: Path,
        extra_set: Mapping[str, Any],
        seeds: Sequence[int] | int | None,
    ) -> None:
        self.doc = doc
        self.base_dir = base_dir
        self.extra_set = dict(extra_set)
        self.seed_override = seeds
        self.problems: list[Problem] = []

    def problem(self, path: PathT, message: str, *, at_key: bool = False) -> None:
        line, col = self.doc.where(path, at_key=at_key)
        self.problems.append(Problem(self.doc.filename, line, col, _dotted(path), message))

    def fail_if_any(self) -> None:
        if self.problems:
            self.problems.sort(key=lambda p: (p.line, p.column))
            raise ScenarioError(self.problems)

    def run(self) -> SweepSpec:
        data = self.doc.data
        if data is None:
            self.problem((), "file is empty; a sweep spec needs at least scenario, factors, seeds")
            self.fail_if_any()
        if not isinstance(data, dict):
            self.problem((), "the top level must be a mapping (scenario: ..., factors: ...)")
            self.fail_if_any()
        for key in data:
            if key not in TOP_KEYS:
                self.problem((key,), _unknown(key, TOP_KEYS), at_key=True)
        for required in ("scenario", "seeds"):
            if required not in data:
                self.problem((), f"missing required key {required!r}")
        name = self.text(data, "name", default=Path(self.doc.filename).stem)
        description = self.text(data, "description", default="")
        design, design_n = self.design(data.get("design", "full_factorial"))
        design_seed = self.whole(data.get("design_seed", 0), ("design_seed",), minimum=0)
        factors = self.factors(data.get("factors", {}), design)
        seeds = self.seeds(data.get("seeds"))
        metrics = self.metrics_shape(data.get("metrics"))
        timeseries = data.get("timeseries", False)
        if not isinstance(timeseries, bool):
            self.problem(("timeseries",), f"expected true or false, got {describe(timeseries)}")
        base_set = self.base_set(data.get("set", {}))
        scenario_source, scenario_text = self.scenario(data.get("scenario"))
        base_overrides = {**base_set, **self.extra_set}
        if scenario_text:  # check values against the scenario even if other keys are wrong
            before = len(self.problems)
            self.check_base(scenario_source, scenario_text, base_overrides)
            if len(self.problems) == before:
                self.check_factor_values(scenario_source, scenario_text, base_overrides,
                                         factors)
                self.check_metrics(metrics, scenario_source, scenario_text, base_overrides)
        self.fail_if_any()

        from hmt_sim.sweep.design import design_points

        points = design_points(design, design_n, factors, design_seed)
        if len(points) > MAX_POINTS:
            self.problem(
                ("factors",),
                f"the design has {len(points):,} points; the limit is {MAX_POINTS:,} "
                "(use {lhs: N} or {sobol: N} to sample a large space)",
            )
        elif len(points) * len(seeds) > MAX_RUNS:
            self.problem(("seeds",), f"{len(points) * len(seeds):,} runs is more than "
                         f"{MAX_RUNS:,}; split the sweep")
        self.fail_if_any()
        self.check_points(scenario_source, scenario_text, base_overrides, points)
        baseline = self.baseline(data.get("baseline"), factors, points)
        self.fail_if_any()
        return SweepSpec(
            source=self.doc.filename,
            name=str(name),
            description=str(description),
            scenario_source=scenario_source,
            scenario_text=scenario_text,
            base_overrides=base_overrides,
            design=design,
            design_n=design_n,
            design_seed=int(design_seed),
            factors=tuple(factors),
            seeds=tuple(seeds),
            metrics=metrics,
            timeseries=bool(timeseries),
            baseline=baseline,
            points=tuple(points),
        )

    # ------------------------------------------------------------------ simple fields
    def text(self, data: dict[str, Any], key: str, default: str) -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            self.problem((key,), f"expected text, got {describe(value)}")
            return default
        return value

    def whole(self, value: Any, path: PathT, default: int = 0, minimum: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(path, f"expected a whole number, got {describe(value)}")
            return default
        if minimum is not None and value < minimum:
            self.problem(path, f"must be >= {minimum}, got {value}")
        return value

    def design(self, value: Any) -> tuple[str, int | None]:
        hint = "allowed: full_factorial, {lhs: N}, {sobol: N}"
        if isinstance(value, str):
            if value == "full_factorial":
                return value, None
            close = difflib.get_close_matches(value, DESIGN_KINDS, n=1)
            extra = f"; did you mean {close[0]!r}?" if close else ""
            if value in ("lhs", "sobol"):
                extra = f"; give the number of points, e.g. {{{value}: 100}}"
            self.problem(("design",), f"unknown design {value!r}{extra} ({hint})")
            return "invalid", None
        if isinstance(value, dict) and len(value) == 1:
            (kind, n), = value.items()
            if kind not in ("lhs", "sobol"):
                close = difflib.get_close_matches(str(kind), ["lhs", "sobol"], n=1)
                extra = f"; did you mean {close[0]!r}?" if close else ""
                self.problem(("design", kind), f"unknown design {kind!r}{extra} ({hint})",
                             at_key=True)
                return "invalid", None
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                self.problem(("design", kind), f"expected a number of points >= 1, got "
                             f"{describe(n)}")
                return str(kind), None
            if n > MAX_POINTS:
                self.problem(("design", kind), f"must be <= {MAX_POINTS:,}, got {n:,}")
            return str(kind), n
        self.problem(("design",), f"expected a design, got {describe(value)} ({hint})")
        return "invalid", None

    def seeds(self, value: Any) -> list[int]:
        if self.seed_override is not None:
            if isinstance(self.seed_override, int):
                start = value.get("start", 1) if isinstance(value, dict) else 1
                start = start if isinstance(start, int) and not isinstance(start, bool) else 1
                if self.seed_override < 1:
                    raise InputError(f"--seeds: need at least 1 seed, got {self.seed_override}")
                return list(range(start, start + self.seed_override))
            seeds = [int(s) for s in self.seed_override]
            if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
                raise InputError("--seeds: give distinct seeds >= 0, e.g. 1,2,3")
            return seeds
        if value is None:
            return []
        if isinstance(value, dict):
            for key in value:
                if key not in ("start", "count"):
                    self.problem(("seeds", key), _unknown(key, ("start", "count")), at_key=True)
            if "count" not in value:
                self.problem(("seeds",), "missing required key 'count'")
                return []
            start = self.whole(value.get("start", 1), ("seeds", "start"), default=1, minimum=0)
            count = self.whole(value["count"], ("seeds", "count"), default=1, minimum=1)
            return list(range(start, start + max(count, 0)))
        if isinstance(value, list):
            if not value:
                self.problem(("seeds",), "expected at least one seed")
            out: list[int] = []
            seen: dict[int, int] = {}
            for i, seed in enumerate(value):
                if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
                    self.problem(("seeds", i), f"expected a whole number >= 0, got "
                                 f"{describe(seed)}")
                    continue
                if seed in seen:
                    self.problem(("seeds", i), f"seed {seed} is listed twice (first as item "
                                 f"{seen[seed]}); seeds must be distinct")
                    continue
                seen[seed] = i
                out.append(seed)
            return out
        self.problem(("seeds",), "expected {start: N, count: N} or a list of seeds, got "
                     f"{describe(value)}")
        return []

    def metrics_shape(self, value: Any) -> tuple[str, ...] | None:
        if value is None:
            return None
        if not isinstance(value, list) or not value:
            self.problem(("metrics",), "expected a list of metric names (e.g. "
                         "harm.civilian_casualties, or harm for a whole group, or harm.*)")
            return None
        out: list[str] = []
        for i, name in enumerate(value):
            if not isinstance(name, str) or not name:
                self.problem(("metrics", i), f"expected a metric name, got {describe(name)}")
                continue
            out.append(name)
        return tuple(out)

    def check_metrics(self, metrics: tuple[str, ...] | None, source: str, text: str,
                      base: dict[str, Any]) -> None:
        """Metric names are checked against what a (short) run of the base scenario reports."""
        if metrics is None:
            return
        from hmt_sim.sweep.worker import metric_families, probe_metrics

        # Some names appear only when something happens (a region's false-positive rate once
        # the AI has judged a civilian there): a name under a dict-valued metric
        # (ai.fpr_by_region.<region>) is accepted even if the probe run lacks it.
        sc = load_with(text, source, base)
        known = list(probe_metrics(sc))
        families = metric_families(sc)
        for i, name in enumerate(metrics):
            if select_metrics([name], known) or any(
                    name.startswith(f + ".") or name == f for f in families):
                continue
            self.problem(("metrics", i), _unknown(name, known, what="metric"))

    def base_set(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.problem(("set",), "expected a mapping of dotted keys to values, e.g. "
                         "{run.duration_s: 300}")
            return {}
        return dict(value)

    def scenario(self, value: Any) -> tuple[str, str]:
        if value is None:
            return "", ""
        if not isinstance(value, str) or not value.strip():
            self.problem(("scenario",), "expected a scenario file or a bundled scenario id, "
                         f"got {describe(value)}")
            return "", ""
        from hmt_sim.scenario.library import resolve

        candidate = self.base_dir / value
        try:
            path = candidate if candidate.is_file() else resolve(value)
        except InputError as exc:
            self.problem(("scenario",), str(exc))
            return "", ""
        shown = os.fspath(path)
        try:
            text = decode(read_capped(path, shown), shown)
        except (InputError, ScenarioError) as exc:
            self.problem(("scenario",), str(exc))
            return "", ""
        return shown, text

    # ------------------------------------------------------------------ factors
    def factors(self, value: Any, design: str) -> list[Factor]:
        if not isinstance(value, dict):
            self.problem(("factors",), "expected a mapping of dotted scenario keys to values, "
                         "e.g. {autonomy.level: [5, 6, 7]}")
            return []
        out: list[Factor] = []
        for key, spec in value.items():
            path: PathT = ("factors", key)
            if isinstance(spec, list):
                out.extend(self.factor_list(key, spec, path))
            elif isinstance(spec, dict):
                out.extend(self.factor_range(key, spec, path, design))
            else:
                self.problem(path, "expected a list of values [a, b, c] or a range "
                             f"{{min: A, max: B}}, got {describe(spec)}")
        return out

    def factor_list(self, key: str, spec: list[Any], path: PathT) -> list[Factor]:
        if not spec:
            self.problem(path, "expected at least one value")
            return []
        ok = True
        seen: list[Any] = []
        for i, v in enumerate(spec):
            if v is None or not isinstance(v, int | float | str | bool):
                self.problem((*path, i), f"expected a number, text or true/false, got "
                             f"{describe(v)}")
                ok = False
            elif isinstance(v, float) and not math.isfinite(v):
                self.problem((*path, i), f"expected a finite number, got {v}")
                ok = False
            elif any(_same(v, s) and type(v) is type(s) for s in seen):
                self.problem((*path, i), f"value {describe(v)} is listed twice")
                ok = False
            else:
                seen.append(v)
        kinds = {_kind(v) for v in spec if v is not None}
        if ok and len(kinds) > 1 and kinds != {"int", "float"}:
            self.problem(path, "values must all be numbers, all text or all true/false")
            ok = False
        if not ok:
            return []
        values = tuple(float(v) for v in spec) if kinds == {"int", "float"} else tuple(spec)
        return [Factor(key, values=values)]

    def factor_range(self, key: str, spec: dict[str, Any], path: PathT,
                     design: str) -> list[Factor]:
        ok = True
        for k in spec:
            if k not in RANGE_KEYS:
                self.problem((*path, k), _unknown(k, RANGE_KEYS), at_key=True)
                ok = False
        bounds: dict[str, float] = {}
        for k in ("min", "max"):
            v = spec.get(k)
            if v is None:
                self.problem(path, f"missing required key {k!r} (a range is {{min: A, max: B}})")
                ok = False
            elif isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                self.problem((*path, k), f"expected a number, got {describe(v)}")
                ok = False
            else:
                bounds[k] = v
        integer = spec.get("integer")
        if integer is not None and not isinstance(integer, bool):
            self.problem((*path, "integer"), f"expected true or false, got {describe(integer)}")
            ok = False
        if integer is None:  # `{min: 1, max: 10}` written with whole numbers means integers
            integer = all(isinstance(spec.get(k), int) and not isinstance(spec.get(k), bool)
                          for k in ("min", "max"))
        steps = spec.get("steps")
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int)
                                  or steps < 1):
            self.problem((*path, "steps"), f"expected a whole number >= 1, got "
                         f"{describe(steps)}")
            ok = False
        if design == "full_factorial" and steps is None and ok:
            self.problem(path, "a range needs steps: N under design full_factorial (or list "
                         "the values)")
            ok = False
        if design in ("lhs", "sobol") and steps is not None:
            self.problem((*path, "steps"), f"steps is used only by full_factorial; design "
                         f"{design} samples the range continuously", at_key=True)
            ok = False
        if ok and bounds["min"] > bounds["max"]:
            self.problem((*path, "max"), f"must be >= min ({bounds['min']}), got "
                         f"{bounds['max']}")
            ok = False
        if not ok:
            return []
        return [Factor(key, low=float(bounds["min"]), high=float(bounds["max"]), steps=steps,
                       integer=bool(integer))]

    # ------------------------------------------------------------------ against the scenario
    def check_base(self, source: str, text: str, overrides: dict[str, Any]) -> None:
        try:
            load_with(text, source, overrides)
        except ScenarioError as exc:
            for p in exc.problems:
                if p.file.startswith("--set "):
                    key = p.file[len("--set "):]
                    if key in self.extra_set:  # from the command line: no place in the file
                        self.problems.append(p)
                    else:
                        self.problem(("set", key), _factor_message(key, p))
                else:
                    self.problems.append(p)  # the scenario file itself is broken
        except InputError as exc:
            self.problem(("set",), str(exc))

    def check_factor_values(self, source: str, text: str, base: dict[str, Any],
                            factors: list[Factor]) -> None:
        """Each factor value alone on the base scenario; problems go to the value's line."""
        for factor in factors:
            path: PathT = ("factors", factor.key)
            if factor.values is not None:
                trials = [((*path, i), v) for i, v in enumerate(factor.values)]
            else:
                trials = [((*path, "min"), factor.from_unit(0.0)),
                          ((*path, "max"), factor.from_unit(0.999999999))]
            for where, value in trials:
                try:
                    load_with(text, source, {**base, factor.key: value})
                except ScenarioError as exc:
                    p = exc.problems[0]
                    if "unknown" in p.message:  # the key is wrong: say it once, at the key
                        self.problem(path, _factor_message(factor.key, p), at_key=True)
                        break
                    self.problem(where, _factor_message(factor.key, p))
                except InputError as exc:
                    self.problem(path, str(exc), at_key=True)
                    break

    def check_points(self, source: str, text: str, base: dict[str, Any],
                     points: list[dict[str, Scalar]]) -> None:
        """Combinations can break cross-field rules even when each value is fine alone."""
        if len(self.doc.data.get("factors") or {}) < 2:
            return
        for i, point in enumerate(points):
            try:
                load_with(text, source, {**base, **point})
            except ScenarioError as exc:
                shown = ", ".join(f"{k}={describe(v)}" for k, v in point.items())
                self.problem(("factors",), f"design point {i} ({shown}) is not a valid "
                             f"scenario: {exc.problems[0].message}", at_key=True)
                if len(self.problems) >= 5:
                    return

    def baseline(self, value: Any, factors: list[Factor],
                 points: list[dict[str, Scalar]]) -> dict[str, Any] | int | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            if not 0 <= value < len(points):
                self.problem(("baseline",), f"no design point {value}: there are "
                             f"{len(points)} (0 to {len(points) - 1})")
            return value
        if not isinstance(value, dict):
            self.problem(("baseline",), "expected a point number or a mapping of factor "
                         f"values, got {describe(value)}")
            return None
        keys = [f.key for f in factors]
        for k in value:
            if k not in keys:
                self.problem(("baseline", k), _unknown(k, keys, what="factor"), at_key=True)
        if any(p.path.startswith("baseline") for p in self.problems):
            return None
        if not any(all(_same(p[k], v) for k, v in value.items()) for p in points):
            self.problem(("baseline",), "no design point has these factor values")
        return dict(value)



def _factor_message(key: str, problem: Problem) -> str:
    where = f"{problem.path}: " if problem.path and problem.path != key else ""
    return f"{where}{problem.message}"


def _unknown(key: Any, allowed: Sequence[str], what: str = "key") -> str:
    close = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
    if close:
        return f"unknown {what} {key!r}; did you mean {close[0]!r}?"
    shown = list(allowed)[:12]
    more = ", ..." if len(allowed) > 12 else ""
    return f"unknown {what} {key!r} (allowed: {', '.join(shown)}{more})"


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    return "str"


def _dotted(path: PathT) -> str:
    return ".".join(str(seg) for seg in path)
