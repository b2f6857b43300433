"""Sweep spec YAML → a validated, frozen ``SweepSpec``, every problem located at FILE:LINE:COL.

A sweep spec names a base scenario, the factors to vary, a design, and an explicit seed list::

    scenario: airbase_swarm            # a path (relative to this file) or a bundled id
    set: {run.duration_s: 300}          # fixed overrides for every run (optional)
    design: full_factorial              # or {lhs: 200} / {sobol: 256}
    factors:
      autonomy.level: [5, 6, 7, 8]
      ai.reliability: {min: 0.6, max: 0.9, steps: 3}
    seeds: {start: 1, count: 20}        # or an explicit list [1, 2, 3]

The YAML is read with the scenario loader's safe, position-recording reader (``yamldoc``), so a
sweep spec gets the same protections (size cap, no Python tags, alias-bomb limit) and the same
error format as a scenario. ``SpecFile`` is the file's schema as a pydantic model: one validator
per key, each reporting every problem it finds with the exact place in the file, so that all
problems are raised together. Keys are validated in an order that lets the later ones use the
earlier ones (``info.data``): the factor values and metric names are checked against the base
scenario only when the scenario and ``set`` are valid (``validate.py``). The design points and
the baseline are checked last, once every key is valid.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from hmt_sim.errors import InputError, Problem, ScenarioError
from hmt_sim.scenario.library import resolve
from hmt_sim.scenario.yamldoc import Document, decode, describe, dotted, read_capped, read_document
from hmt_sim.sweep.design import check_size, design_points
from hmt_sim.sweep.spec import (
    DESIGN_KINDS,
    MAX_POINTS,
    MAX_RUNS,
    MAX_SEED,
    MAX_SEEDS,
    RANGE_KEYS,
    TOP_KEYS,
    Design,
    Factor,
    PathT,
    Scalar,
    SweepSpec,
    same,
)
from hmt_sim.sweep.validate import (
    BaseScenario,
    Issue,
    check_base,
    check_factor_values,
    check_metrics,
    check_points,
    unknown,
)

ISSUE_TYPE = "sweep_spec"
_DESIGN_HINT = ("allowed: full_factorial, {lhs: N}, {sobol: N}, {saltelli: N}, "
                "{morris: TRAJECTORIES}")
_SAMPLED = ("lhs", "sobol", "saltelli", "morris")


def load_spec(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    set_overrides: Mapping[str, Any] | None = None,
    seeds: Sequence[int] | int | None = None,
) -> SweepSpec:
    """Read and validate a sweep spec (a YAML path, or a mapping for the Python API).

    ``set_overrides`` adds fixed overrides (the CLI's ``--set``); ``seeds`` replaces the seed list
    (an int keeps the spec's start and changes the count). Raises ``ScenarioError`` with every
    problem located, or ``InputError`` for a file that cannot be read or bad ``seeds``.
    """
    if isinstance(source, Mapping):
        text = yaml.safe_dump(dict(source), sort_keys=False)
        filename, base_dir = "<spec>", Path.cwd()
    else:
        path = Path(source)
        if not path.is_file():
            raise InputError(
                f"{source}: no such sweep spec file"
                if not path.exists()
                else f"{source}: is not a file"
            )
        filename, base_dir = os.fspath(source), path.resolve().parent
        text = decode(read_capped(path, filename), filename)
    _check_seed_override(seeds)
    doc = read_document(text, filename)
    if doc.data is None:
        _raise_at(doc, "file is empty; a sweep spec needs at least scenario, factors, seeds")
    if not isinstance(doc.data, dict):
        _raise_at(doc, "the top level must be a mapping (scenario: ..., factors: ...)")
    extra_set = dict(set_overrides or {})
    context = {"base_dir": base_dir, "extra_set": extra_set, "seeds": seeds}
    try:
        spec_file = SpecFile.model_validate(doc.data, context=context)
    except ValidationError as exc:
        raise ScenarioError(located_problems(doc, exc)) from None
    return spec_file.to_spec(filename, extra_set)


class SpecFile(BaseModel):
    """What a sweep spec file says, checked key by key; ``to_spec`` makes the ``SweepSpec``.

    Validation needs a context: ``base_dir`` (where a relative scenario path starts),
    ``extra_set`` (command-line overrides) and ``seeds`` (a command-line seed list or count).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Validated in this order; later validators read the earlier results from ``info.data``.
    scenario: BaseScenario
    overrides: dict[str, Any] = Field(default_factory=dict, alias="set", validate_default=True)
    design: tuple[Design, int | None] = ("full_factorial", None)
    design_seed: int = 0
    factors: tuple[Factor, ...] = ()
    seeds: tuple[int, ...]
    metrics: tuple[str, ...] | None = None
    timeseries: bool = False
    name: str | None = None
    description: str = ""
    baseline: dict[str, Any] | int | None = None

    _points: tuple[dict[str, Scalar], ...] = PrivateAttr(default=())

    # ------------------------------------------------------------------ keys
    @field_validator("scenario", mode="before")
    @classmethod
    def _scenario(cls, value: Any, info: ValidationInfo) -> BaseScenario:
        issues = _Issues()
        if not isinstance(value, str) or not value.strip():
            issues.fail(("scenario",), "expected a scenario file or a bundled scenario id, "
                        f"got {describe(value)}")
        candidate = _context(info)["base_dir"] / value
        try:
            path = candidate if candidate.is_file() else resolve(value)
            shown = os.fspath(path)
            return BaseScenario(shown, decode(read_capped(path, shown), shown))
        except (InputError, ScenarioError) as exc:
            issues.fail(("scenario",), str(exc))

    @field_validator("overrides", mode="before")
    @classmethod
    def _set(cls, value: Any, info: ValidationInfo) -> dict[str, Any]:
        issues = _Issues()
        if not isinstance(value, dict):
            issues.add(("set",), "expected a mapping of dotted keys to values, e.g. "
                       "{run.duration_s: 300}")
            value = {}  # the command line's overrides are still checked
        if "scenario" in info.data:
            issues.extend(check_base(info.data["scenario"], value, _context(info)["extra_set"]))
        issues.raise_if_any()
        return dict(value)

    @field_validator("design", mode="before")
    @classmethod
    def _design(cls, value: Any) -> tuple[Design, int | None]:
        issues = _Issues()
        if isinstance(value, str):
            if value == "full_factorial":
                return "full_factorial", None
            close = _close(value, DESIGN_KINDS)
            extra = f"; did you mean {close!r}?" if close else ""
            if value in _SAMPLED:
                extra = f"; give the number of points, e.g. {{{value}: 100}}"
            issues.fail(("design",), f"unknown design {value!r}{extra} ({_DESIGN_HINT})")
        if not (isinstance(value, dict) and len(value) == 1):
            issues.fail(("design",), f"expected a design, got {describe(value)} ({_DESIGN_HINT})")
        ((kind, n),) = value.items()
        if kind not in _SAMPLED:
            close = _close(str(kind), _SAMPLED)
            extra = f"; did you mean {close!r}?" if close else ""
            issues.fail(("design", kind), f"unknown design {kind!r}{extra} ({_DESIGN_HINT})",
                        at_key=True)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            issues.fail(("design", kind), f"expected a number of points >= 1, got {describe(n)}")
        if n > MAX_POINTS:
            issues.fail(("design", kind), f"must be <= {MAX_POINTS:,}, got {n:,}")
        return kind, n

    @field_validator("design_seed", mode="before")
    @classmethod
    def _design_seed(cls, value: Any) -> int:
        issues = _Issues()
        seed = issues.whole(value, ("design_seed",), minimum=0)
        issues.raise_if_any()
        return seed

    @field_validator("factors", mode="before")
    @classmethod
    def _factors(cls, value: Any, info: ValidationInfo) -> tuple[Factor, ...]:
        issues = _Issues()
        if not isinstance(value, dict):
            issues.fail(("factors",), "expected a mapping of dotted scenario keys to values, "
                        "e.g. {autonomy.level: [5, 6, 7]}")
        design = info.data["design"][0] if "design" in info.data else None
        factors: list[Factor] = []
        for key, spec in value.items():
            path: PathT = ("factors", key)
            if isinstance(spec, list):
                factors.extend(_factor_list(issues, key, spec, path))
            elif isinstance(spec, dict):
                factors.extend(_factor_range(issues, key, spec, path, design))
            else:
                issues.add(path, "expected a list of values [a, b, c] or a range "
                           f"{{min: A, max: B}}, got {describe(spec)}")
        if "scenario" in info.data and "overrides" in info.data:
            base = {**info.data["overrides"], **_context(info)["extra_set"]}
            issues.extend(check_factor_values(info.data["scenario"], base, factors))
        issues.raise_if_any()
        return tuple(factors)

    @field_validator("seeds", mode="before")
    @classmethod
    def _seeds(cls, value: Any, info: ValidationInfo) -> tuple[int, ...]:
        override = _context(info)["seeds"]
        if isinstance(override, int):  # a count: keep the spec's start
            start = value.get("start", 1) if isinstance(value, dict) else 1
            start = start if isinstance(start, int) and not isinstance(start, bool) else 1
            if not 0 <= start <= MAX_SEED - override + 1:
                _Issues().fail(("seeds", "start"), f"with --seeds {override:,}, the seeds from "
                               f"start must lie within 0..{MAX_SEED:,} (2**63 - 1), got start "
                               f"{_describe_number(start)}")
            return tuple(range(start, start + override))
        if override is not None:
            return tuple(int(s) for s in override)
        issues = _Issues()
        seeds = _seed_list(issues, value)
        issues.raise_if_any()
        return tuple(seeds)

    @field_validator("metrics", mode="before")
    @classmethod
    def _metrics(cls, value: Any, info: ValidationInfo) -> tuple[str, ...] | None:
        if value is None:
            return None
        issues = _Issues()
        if not isinstance(value, list) or not value:
            issues.fail(("metrics",), "expected a list of metric names (e.g. "
                        "harm.civilian_casualties, or harm for a whole group, or harm.*)")
        named: list[tuple[int, str]] = []
        for i, name in enumerate(value):
            if not isinstance(name, str) or not name:
                issues.add(("metrics", i), f"expected a metric name, got {describe(name)}")
            else:
                named.append((i, name))
        if "scenario" in info.data and "overrides" in info.data:
            base = {**info.data["overrides"], **_context(info)["extra_set"]}
            issues.extend(check_metrics(named, info.data["scenario"], base))
        issues.raise_if_any()
        return tuple(name for _, name in named)

    @field_validator("timeseries", mode="before")
    @classmethod
    def _timeseries(cls, value: Any) -> bool:
        if not isinstance(value, bool):
            _Issues().fail(("timeseries",), f"expected true or false, got {describe(value)}")
        return value

    @field_validator("name", "description", mode="before")
    @classmethod
    def _text(cls, value: Any, info: ValidationInfo) -> str:
        if not isinstance(value, str):
            _Issues().fail((str(info.field_name),), f"expected text, got {describe(value)}")
        return value

    @field_validator("baseline", mode="before")
    @classmethod
    def _baseline(cls, value: Any, info: ValidationInfo) -> dict[str, Any] | int | None:
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        issues = _Issues()
        if not isinstance(value, dict):
            issues.fail(("baseline",), "expected a point number or a mapping of factor "
                        f"values, got {describe(value)}")
        if "factors" in info.data:
            keys = [f.key for f in info.data["factors"]]
            for k in value:
                if k not in keys:
                    issues.add(("baseline", k), unknown(k, keys, what="factor"), at_key=True)
        issues.raise_if_any()
        return dict(value)

    # ------------------------------------------------------------------ the whole spec
    @model_validator(mode="after")
    def _design_points(self, info: ValidationInfo) -> SpecFile:
        issues = _Issues()
        # Every cap is checked on sizes computed by arithmetic, before any point is built.
        try:
            size = check_size(self.design[0], self.design[1], self.factors)
        except ValueError as exc:
            hint = (" (use {lhs: N} or {sobol: N} to sample a large space)"
                    if self.design[0] == "full_factorial" else "")
            issues.fail(("factors",), f"{exc}{hint}")
        if size * len(self.seeds) > MAX_RUNS:
            issues.fail(("seeds",), f"{size:,} points x {len(self.seeds):,} seeds = "
                        f"{size * len(self.seeds):,} runs is more than {MAX_RUNS:,}; split the "
                        "sweep")
        points = design_points(self.design[0], self.design[1], self.factors, self.design_seed)
        if len(self.factors) >= 2:
            base = {**self.overrides, **_context(info)["extra_set"]}
            issues.extend(check_points(self.scenario, base, points))
        if isinstance(self.baseline, int) and not 0 <= self.baseline < len(points):
            issues.add(("baseline",), f"no design point {self.baseline}: there are "
                       f"{len(points)} (0 to {len(points) - 1})")
        if isinstance(self.baseline, dict) and not any(
                all(same(p[k], v) for k, v in self.baseline.items()) for p in points):
            issues.add(("baseline",), "no design point has these factor values")
        issues.raise_if_any()
        self._points = tuple(points)
        return self

    def to_spec(self, filename: str, extra_set: Mapping[str, Any]) -> SweepSpec:
        """The runnable spec: fixed overrides merged (command line last), points computed."""
        design, design_n = self.design
        return SweepSpec(
            source=filename,
            name=self.name if self.name is not None else Path(filename).stem,
            description=self.description,
            scenario_source=self.scenario.source,
            scenario_text=self.scenario.text,
            base_overrides={**self.overrides, **extra_set},
            design=design,
            design_n=design_n,
            design_seed=self.design_seed,
            factors=self.factors,
            seeds=self.seeds,
            metrics=self.metrics,
            timeseries=self.timeseries,
            baseline=self.baseline,
            points=self._points,
        )


# --------------------------------------------------------------------------------------------
# Problems: collected per key, carried through pydantic, located in the file at the end
# --------------------------------------------------------------------------------------------


class _Issues:
    """The problems one validator finds; raised together as one pydantic ``ValidationError``
    whose errors carry the exact place in the file (pydantic's ``loc`` only names the key)."""

    def __init__(self) -> None:
        self.errors: list[InitErrorDetails] = []

    def add(self, path: PathT, message: str, *, at_key: bool = False) -> None:
        self.extend([Issue(path, message, at_key)])

    def extend(self, issues: Sequence[Issue]) -> None:
        for issue in issues:
            ctx = {"message": issue.message, "path": issue.path, "at_key": issue.at_key,
                   "problem": issue.problem}
            self.errors.append(InitErrorDetails(
                type=PydanticCustomError(ISSUE_TYPE, "{message}", ctx), loc=(), input=None))

    def fail(self, path: PathT, message: str, *, at_key: bool = False) -> NoReturn:
        """Add a problem that stops this key's validation, and raise everything so far."""
        self.add(path, message, at_key=at_key)
        raise ValidationError.from_exception_data("SpecFile", self.errors)

    def raise_if_any(self) -> None:
        """Raise every problem found so far (one ``ValidationError``), if there is one."""
        if self.errors:
            raise ValidationError.from_exception_data("SpecFile", self.errors)

    def whole(self, value: Any, path: PathT, default: int = 0, minimum: int | None = None,
              maximum: int | None = None) -> int:
        """A whole number (not true/false), at least ``minimum`` and at most ``maximum``."""
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, f"expected a whole number, got {describe(value)}")
            return default
        if minimum is not None and value < minimum:
            self.add(path, f"must be >= {minimum}, got {_describe_number(value)}")
        if maximum is not None and value > maximum:
            self.add(path, f"must be <= {maximum:,}, got {_describe_number(value)}")
        return value


def located_problems(doc: Document, exc: ValidationError) -> list[Problem]:
    """Pydantic's errors as ``FILE:LINE:COL`` problems, sorted by place in the file."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        kind, ctx = err["type"], err.get("ctx") or {}
        if kind == ISSUE_TYPE and ctx.get("problem") is not None:
            problems.append(ctx["problem"])
            continue
        at_key = False
        if kind == ISSUE_TYPE:
            path, message, at_key = ctx["path"], ctx["message"], ctx["at_key"]
        elif kind == "extra_forbidden":
            path, message, at_key = tuple(err["loc"][:1]), unknown(err["loc"][0], TOP_KEYS), True
        elif kind == "missing":
            path, message = (), f"missing required key {err['loc'][0]!r}"
        else:  # pragma: no cover - every key's validator hands pydantic a value of its type
            path, message = tuple(err["loc"]), f"{err['msg']}, got {describe(err['input'])}"
        line, col = doc.where(path, at_key=at_key)
        problems.append(Problem(doc.filename, line, col, dotted(path), message))
    problems.sort(key=lambda p: (p.line, p.column))
    return problems


def _raise_at(doc: Document, message: str) -> NoReturn:
    line, col = doc.where(())
    raise ScenarioError([Problem(doc.filename, line, col, "", message)])


def _context(info: ValidationInfo) -> dict[str, Any]:
    if not isinstance(info.context, dict):  # pragma: no cover - load_spec always passes one
        raise TypeError("SpecFile needs a validation context (use load_spec)")
    return info.context


def _close(value: str, allowed: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(value, list(allowed), n=1)
    return close[0] if close else None


def _check_seed_override(seeds: Sequence[int] | int | None) -> None:
    """A command-line seed count or list, checked before any seed list is built."""
    if isinstance(seeds, int) and seeds < 1:
        raise InputError(f"--seeds: need at least 1 seed, got {seeds}")
    if isinstance(seeds, int) and seeds > MAX_SEEDS:
        raise InputError(f"--seeds: at most {MAX_SEEDS:,} seeds, got {_big(seeds)}")
    if seeds is not None and not isinstance(seeds, int):
        if len(seeds) > MAX_SEEDS:
            raise InputError(f"--seeds: at most {MAX_SEEDS:,} seeds, got {len(seeds):,}")
        listed = [int(s) for s in seeds]
        if not listed or len(set(listed)) != len(listed) or min(listed) < 0:
            raise InputError("--seeds: give distinct seeds >= 0, e.g. 1,2,3")
        if max(listed) > MAX_SEED:
            raise InputError(f"--seeds: a seed must be <= {MAX_SEED:,} (2**63 - 1), got "
                             f"{_big(max(listed))}")


def _big(n: int) -> str:
    """A whole number for a message: its digits when short, else its order of magnitude."""
    if abs(n) < 10**30:
        return f"{n:,}"
    return f"about 10^{int(abs(n).bit_length() * math.log10(2))}"


# --------------------------------------------------------------------------------------------
# Factors and seeds: shapes with several problems each
# --------------------------------------------------------------------------------------------


def _factor_list(issues: _Issues, key: str, spec: list[Any], path: PathT) -> list[Factor]:
    if not spec:
        issues.add(path, "expected at least one value")
        return []
    ok = True
    seen: list[Any] = []
    for i, v in enumerate(spec):
        if v is None or not isinstance(v, int | float | str | bool):
            issues.add((*path, i), f"expected a number, text or true/false, got {describe(v)}")
            ok = False
        elif isinstance(v, float) and not math.isfinite(v):
            issues.add((*path, i), f"expected a finite number, got {v}")
            ok = False
        elif any(same(v, s) and type(v) is type(s) for s in seen):
            issues.add((*path, i), f"value {describe(v)} is listed twice")
            ok = False
        else:
            seen.append(v)
    kinds = {_kind(v) for v in spec if v is not None}
    if ok and len(kinds) > 1 and kinds != {"int", "float"}:
        issues.add(path, "values must all be numbers, all text or all true/false")
        ok = False
    if not ok:
        return []
    values = tuple(float(v) for v in spec) if kinds == {"int", "float"} else tuple(spec)
    return [Factor(key, values=values)]


def _factor_range(issues: _Issues, key: str, spec: dict[str, Any], path: PathT,
                  design: str | None) -> list[Factor]:
    before = len(issues.errors)
    for k in spec:
        if k not in RANGE_KEYS:
            issues.add((*path, k), unknown(k, RANGE_KEYS), at_key=True)
    bounds: dict[str, float] = {}
    for k in ("min", "max"):
        v = spec.get(k)
        if v is None:
            issues.add(path, f"missing required key {k!r} (a range is {{min: A, max: B}})")
        elif isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            issues.add((*path, k), f"expected a number, got {describe(v)}")
        else:
            bounds[k] = v
    integer = spec.get("integer")
    if integer is not None and not isinstance(integer, bool):
        issues.add((*path, "integer"), f"expected true or false, got {describe(integer)}")
    if integer is None:  # `{min: 1, max: 10}` written with whole numbers means integers
        integer = all(isinstance(spec.get(k), int) and not isinstance(spec.get(k), bool)
                      for k in ("min", "max"))
    steps = spec.get("steps")
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
        issues.add((*path, "steps"), f"expected a whole number >= 1, got {describe(steps)}")
    elif steps is not None and steps > MAX_POINTS:
        issues.add((*path, "steps"), f"must be <= {MAX_POINTS:,} (the most design points a "
                   f"spec may have), got {_describe_number(steps)}")
    ok = len(issues.errors) == before
    if design == "full_factorial" and steps is None and ok:
        issues.add(path, "a range needs steps: N under design full_factorial (or list the "
                   "values)")
    if design in _SAMPLED and steps is not None:
        issues.add((*path, "steps"), f"steps is used only by full_factorial; design {design} "
                   "samples the range continuously", at_key=True)
    if len(issues.errors) == before and bounds["min"] > bounds["max"]:
        issues.add((*path, "max"), f"must be >= min ({bounds['min']}), got {bounds['max']}")
    if len(issues.errors) != before:
        return []
    return [Factor(key, low=float(bounds["min"]), high=float(bounds["max"]), steps=steps,
                   integer=bool(integer))]


def _seed_list(issues: _Issues, value: Any) -> list[int]:
    if isinstance(value, dict):
        for key in value:
            if key not in ("start", "count"):
                issues.add(("seeds", key), unknown(key, ("start", "count")), at_key=True)
        if "count" not in value:
            issues.add(("seeds",), "missing required key 'count'")
            return []
        start = issues.whole(value.get("start", 1), ("seeds", "start"), default=1, minimum=0,
                             maximum=MAX_SEED)
        count = issues.whole(value["count"], ("seeds", "count"), default=1, minimum=1,
                             maximum=MAX_SEEDS)
        if not 0 <= start <= MAX_SEED or not 1 <= count <= MAX_SEEDS:
            return []
        if start + count - 1 > MAX_SEED:
            issues.add(("seeds", "count"), f"the last seed, start + count - 1, must be <= "
                       f"{MAX_SEED:,} (2**63 - 1)")
            return []
        return list(range(start, start + count))
    if not isinstance(value, list):
        issues.add(("seeds",), "expected {start: N, count: N} or a list of seeds, got "
                   f"{describe(value)}")
        return []
    if not value:
        issues.add(("seeds",), "expected at least one seed")
    out: list[int] = []
    seen: dict[int, int] = {}
    for i, seed in enumerate(value):
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            issues.add(("seeds", i), f"expected a whole number >= 0, got {describe(seed)}")
            continue
        if seed > MAX_SEED:
            issues.add(("seeds", i), f"must be <= {MAX_SEED:,} (2**63 - 1), got "
                       f"{_describe_number(seed)}")
            continue
        if seed in seen:
            issues.add(("seeds", i), f"seed {seed} is listed twice (first as item {seen[seed]}); "
                       "seeds must be distinct")
            continue
        seen[seed] = i
        out.append(seed)
    return out


def _describe_number(value: Any) -> str:
    """``describe`` for a value that may be a whole number too long to print."""
    if isinstance(value, int) and not isinstance(value, bool):
        return _big(value)
    return describe(value)


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    return "str"
