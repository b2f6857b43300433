"""Property-based fuzzing of the scenario loader with mutated *valid* scenarios.

Random bytes mostly die at the first character; mutants of real scenarios get deep into the
loader and the schema, where the interesting failures are. Two families:

* text mutants: lines deleted, duplicated or swapped, characters flipped, indentation changed,
  values replaced by values of another type, random unicode inserted, the file truncated;
* data mutants: the parsed mapping with random key paths set to random values (or deleted, or
  unknown keys added), written back as YAML - and the same change given as a ``--set`` override.

The property: loading gives a ``Scenario`` or a ``ScenarioError`` whose every problem is located
(file, line >= 1, column >= 1; an override's problems name ``--set KEY``); nothing else ever
escapes. Valid mutants are also run for a short while: the engine must accept whatever the
schema accepts. Profiles are derandomised (the same examples every run); the count of inputs
tried is printed in the "reliability figures" summary.
"""

from __future__ import annotations

import math
import os
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmt_sim.errors import HmtError, InputError, ScenarioError
from hmt_sim.scenario import Scenario, load_scenario_text

from .conftest import TALLY, bundled_scenarios

TEXTS = {p.stem: p.read_text(encoding="utf-8") for p in bundled_scenarios()}
NAMES = sorted(TEXTS)
DEFAULT = settings(max_examples=150, derandomize=True, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# The slow tests' size: 1,000 mutants of each family in `make test`; `make fuzz` runs the full
# 2,500 of each (HMT_FUZZ_EXAMPLES=2500; the data family alone takes about 4 minutes).
BIG = settings(DEFAULT, max_examples=int(os.environ.get("HMT_FUZZ_EXAMPLES", "1000")))

ODD_VALUES = ["[]", "{}", "null", "~", "true", "no", "-1", "0", "1e309", "-.inf", ".nan",
              "0x1F", "0o17", "1_000", '"text"', "'", '"', "2024-01-01", "12:30:00",
              "!!str 5", "!!int x", "!!float", "&a 1", "*a", "*undefined", "<<: {}", "|",
              ">-", "? a", "- x", "[1, [2, [3]]]", "{a: {b: {c: d}}}", "99999999999999999999",
              "1e-320", "é", "\u202e", "\U0001f4a5", "%TAG", "---", "..."]
YAML_CHARS = list(":-[]{}&*!|>'\"#,?%@` \t\n~.0123456789")
scalar_values = st.one_of(
    st.none(), st.booleans(), st.integers(-10**30, 10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.sampled_from([0, 1, -1, 0.5, 100_000, 1e-9, "engage", "hostile", "city", ""]),
)
json_values = st.recursive(
    scalar_values,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.text(min_size=1, max_size=12), inner, max_size=4),
    max_leaves=12,
)


def _record(family: str, outcome: str) -> None:
    TALLY[f"fuzz inputs tried: {family}"] += 1
    TALLY[f"fuzz outcomes: {outcome}"] += 1


def _check_loads(text: str, family: str, filename: str = "mutant.yaml") -> Scenario | None:
    """The property, for a text: a Scenario, or a ScenarioError whose problems are located."""
    try:
        sc = load_scenario_text(text, filename)
    except ScenarioError as error:
        assert error.problems, "a ScenarioError without problems"
        for p in error.problems:
            assert p.file == filename, p
            assert p.line >= 1 and p.column >= 1, p
            assert p.message.strip(), p
            assert "Traceback" not in p.message
        _record(family, "located ScenarioError")
        return None
    assert isinstance(sc, Scenario)
    _record(family, "valid Scenario")
    return sc


def _runs(sc: Scenario) -> None:
    """A valid mutant runs (briefly) without an unexpected exception and with finite metrics."""
    from hmt_sim.metrics import flatten
    from hmt_sim.session import simulate

    contacts = sum(w.count for w in sc.red.waves) + sum(t.count for t in sc.traffic)
    if contacts > 400 or sc.run.duration_s / sc.run.tick_s > 5000:
        return  # valid but too big for a unit test: SECURITY.md says resources are not capped
    short = sc.model_copy(update={"run": sc.run.model_copy(
        update={"duration_s": min(sc.run.duration_s, 240.0)})})
    try:
        result = simulate(short, seed=3)
    except HmtError:
        TALLY["fuzz: valid mutants refused by the engine with a clear error"] += 1
        return
    for name, value in flatten(result.metrics).items():
        assert not (isinstance(value, float) and not math.isfinite(value)), (name, value)
    TALLY["fuzz: valid mutants simulated"] += 1


# ----------------------------------------------------------------------- text mutants


@st.composite
def text_mutants(draw: st.DrawFn) -> str:
    text = TEXTS[draw(st.sampled_from(NAMES))]
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "flip", "indent", "value",
                                   "unicode", "truncate"]))
        if op == "delete":
            del lines[i: i + draw(st.integers(1, 3))]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, max(0, len(lines) - 1)))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "flip" and lines[i]:
            k = draw(st.integers(0, len(lines[i]) - 1))
            ch = draw(st.sampled_from(YAML_CHARS) | st.characters())
            lines[i] = lines[i][:k] + ch + lines[i][k + 1:]
        elif op == "indent":
            shift = draw(st.sampled_from([-4, -2, -1, 1, 2, 3, 8]))
            lines[i] = " " * shift + lines[i] if shift > 0 else lines[i][-shift:]
        elif op == "value" and ":" in lines[i]:
            key, _, _ = lines[i].partition(":")
            lines[i] = f"{key}: {draw(st.sampled_from(ODD_VALUES))}"
        elif op == "unicode":
            k = draw(st.integers(0, len(lines[i])))
            junk = draw(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1,
                                max_size=4))
            lines[i] = lines[i][:k] + junk + lines[i][k:]
        elif op == "truncate":
            joined = "\n".join(lines)
            return joined[: draw(st.integers(0, len(joined)))]
        text = "\n".join(lines)
    return text


@DEFAULT
@given(text_mutants())
def test_text_mutants_load_or_fail_located(text: str) -> None:
    sc = _check_loads(text, "text mutants")
    if sc is not None:
        _runs(sc)


@pytest.mark.slow
@BIG
@given(text_mutants())
def test_text_mutants_load_or_fail_located_many(text: str) -> None:
    """1,000 text mutants (`make fuzz`: 2,500, HMT_FUZZ_EXAMPLES)."""
    sc = _check_loads(text, "text mutants")
    if sc is not None:
        _runs(sc)


# ----------------------------------------------------------------------- data mutants


def _paths(data: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, str(k)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


def _set(data: Any, path: tuple[str | int, ...], value: Any, delete: bool) -> None:
    for seg in path[:-1]:
        data = data[seg]
    if delete:
        del data[path[-1]]
    else:
        data[path[-1]] = value


@st.composite
def data_mutants(draw: st.DrawFn) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    data = yaml.safe_load(TEXTS[draw(st.sampled_from(NAMES))])
    changes: list[tuple[str, Any]] = []
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["set", "set", "set", "delete", "unknown key"]))
        value = draw(json_values)
        if op == "unknown key" and isinstance(_get(data, path[:-1]), dict):
            path = (*path[:-1], draw(st.sampled_from(["polcy", "plugin", "x", "kind_"])))
            op = "set"
        _set(data, path, value, delete=op == "delete")
        if op == "set":
            changes.append((".".join(str(s) for s in path), value))
    return data, changes


def _get(data: Any, path: tuple[str | int, ...]) -> Any:
    for seg in path:
        data = data[seg]
    return data


def _dump(data: Any) -> str:
    try:
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError:  # e.g. a key YAML cannot write; write it as JSON-ish text instead
        return repr(data)


@DEFAULT
@given(data_mutants())
def test_data_mutants_load_or_fail_located(mutant: tuple[dict[str, Any], list[Any]]) -> None:
    data, _ = mutant
    sc = _check_loads(_dump(data), "data mutants")
    if sc is not None:
        _runs(sc)


@DEFAULT
@given(data_mutants())
def test_the_same_changes_as_set_overrides_fail_cleanly(
    mutant: tuple[dict[str, Any], list[Any]]
) -> None:
    """``--set key.path=value`` on the original file: a Scenario, a ScenarioError naming the
    override (``--set KEY``) or the file, or an InputError for a key that is not a path."""
    _, changes = mutant
    if not changes:
        return
    name = NAMES[0]
    try:
        load_scenario_text(TEXTS[name], f"{name}.yaml", overrides=dict(changes))
    except ScenarioError as error:
        assert error.problems
        for p in error.problems:
            assert p.file.startswith("--set ") or p.file == f"{name}.yaml", p
            assert p.file.startswith("--set ") or (p.line >= 1 and p.column >= 1), p
            assert p.message.strip()
        _record("--set overrides", "located ScenarioError")
    except InputError as error:
        assert "override" in str(error) or "--set" in str(error) or "key" in str(error), error
        _record("--set overrides", "InputError (bad override key)")
    else:
        _record("--set overrides", "valid Scenario")


@pytest.mark.slow
@BIG
@given(data_mutants())
def test_data_mutants_load_or_fail_located_many(mutant: tuple[dict[str, Any], list[Any]]
                                                ) -> None:
    """1,000 data mutants (`make fuzz`: 2,500, HMT_FUZZ_EXAMPLES)."""
    data, _ = mutant
    sc = _check_loads(_dump(data), "data mutants")
    if sc is not None:
        _runs(sc)
