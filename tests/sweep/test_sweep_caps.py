"""Every cap of a sweep spec is checked on sizes computed by arithmetic, before anything is
expanded: huge ranges, products of factors, seed counts and --seeds are refused at once with a
located message, never a MemoryError or an OverflowError (issue 15)."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from sweep_helpers import WriteSpec

from hmt_sim.cli import main
from hmt_sim.errors import InputError, ScenarioError
from hmt_sim.sweep import load_spec
from hmt_sim.sweep.design import design_points, design_size
from hmt_sim.sweep.spec import MAX_DESIGN_VALUES, MAX_POINTS, MAX_SEED, MAX_SEEDS, Factor

HEAD = "scenario: airbase_swarm\nset: {run.duration_s: 40}\n"
PEAK_BYTES = 30 * 1024 * 1024
"""More than loading a small spec needs; far less than a billion points or seeds would."""


@pytest.fixture
def bounded() -> Iterator[Callable[[], None]]:
    """Call the returned check after the refusal: it asserts that the refusal took under 20 s
    and that Python allocated at most ``PEAK_BYTES`` at its peak (nothing was expanded)."""
    tracemalloc.start()
    start = time.monotonic()

    def check() -> None:
        _, peak = tracemalloc.get_traced_memory()
        assert time.monotonic() - start < 20
        assert peak < PEAK_BYTES, f"{peak / 1e6:.0f} MB allocated: something was expanded"

    yield check
    tracemalloc.stop()


def _problems(path: Path, **kwargs: object) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_spec(path, **kwargs)  # type: ignore[arg-type]
    return [str(p) for p in info.value.problems]


def test_a_billion_steps_is_refused_at_the_steps_key(write_spec: WriteSpec,
                                                     bounded: Callable[[], None]) -> None:
    path = write_spec(HEAD + "factors:\n"
                      "  ai.reliability: {min: 0.5, max: 0.9, steps: 1000000000}\n"
                      "seeds: {start: 1, count: 2}\n")
    got = _problems(path)
    bounded()
    assert got == [f"{path}:4:47: error: factors.ai.reliability.steps: must be <= "
                   f"{MAX_POINTS:,} (the most design points a spec may have), got "
                   "1,000,000,000"]


def test_three_factors_of_a_thousand_steps_are_refused_before_expanding(
        write_spec: WriteSpec, bounded: Callable[[], None]) -> None:
    path = write_spec(HEAD + "factors:\n"
                      "  ai.reliability: {min: 0.5, max: 0.9, steps: 1000}\n"
                      "  autonomy.veto_window_s: {min: 5, max: 30, steps: 1000}\n"
                      "  operators.review_time.median_s: {min: 4, max: 20, steps: 1000}\n"
                      "seeds: {start: 1, count: 2}\n")
    got = _problems(path)
    bounded()
    assert got == [f"{path}:4:3: error: factors: the design has 1,000,000,000 points; the limit "
                   f"is {MAX_POINTS:,} (use {{lhs: N}} or {{sobol: N}} to sample a large space)"]


def test_a_hundred_billion_seeds_are_refused_at_the_count(write_spec: WriteSpec,
                                                          bounded: Callable[[], None]) -> None:
    path = write_spec(HEAD + "factors: {autonomy.level: [5, 6]}\n"
                      "seeds: {start: 1, count: 100000000000}\n")
    got = _problems(path)
    bounded()
    assert got == [f"{path}:4:26: error: seeds.count: must be <= {MAX_SEEDS:,}, got "
                   "100,000,000,000"]


def test_seeds_beyond_64_bits_are_refused(write_spec: WriteSpec) -> None:
    path = write_spec(HEAD + "factors: {autonomy.level: [5, 6]}\n"
                      f"seeds: {{start: {MAX_SEED}, count: 2}}\n")
    assert _problems(path) == [f"{path}:4:44: error: seeds.count: "
                               f"the last seed, start + count - 1, must be <= {MAX_SEED:,} "
                               "(2**63 - 1)"]
    path = write_spec(HEAD + "factors: {autonomy.level: [5, 6]}\n"
                      "seeds: [1, 99999999999999999999999999999999999]\n")
    assert _problems(path) == [f"{path}:4:12: error: seeds.1: must be <= {MAX_SEED:,} (2**63 - 1), "
                               "got about 10^35"]


def test_the_runs_cap_is_checked_on_the_product(write_spec: WriteSpec,
                                                bounded: Callable[[], None]) -> None:
    path = write_spec(HEAD + "design: {lhs: 100000}\n"
                      "factors: {ai.reliability: {min: 0.5, max: 0.9}}\n"
                      "seeds: {start: 1, count: 1000}\n")
    got = _problems(path)
    bounded()
    assert got == [f"{path}:5:8: error: seeds: 100,000 points x 1,000 seeds = 100,000,000 runs "
                   "is more than 50,000,000; split the sweep"]


def test_a_sensitivity_design_is_counted_with_its_factors(write_spec: WriteSpec) -> None:
    # 50,000 base points x (2 factors + 2) = 200,000 points
    path = write_spec(HEAD + "design: {saltelli: 50000}\n"
                      "factors:\n"
                      "  ai.reliability: {min: 0.5, max: 0.9}\n"
                      "  autonomy.veto_window_s: {min: 5, max: 30}\n"
                      "seeds: [1]\n")
    assert _problems(path) == [f"{path}:5:3: error: factors: the design has 200,000 points; "
                               f"the limit is {MAX_POINTS:,}"]


def test_the_seed_count_on_the_command_line_is_refused_before_any_list(
        write_spec: WriteSpec, capsys: pytest.CaptureFixture[str],
        bounded: Callable[[], None]) -> None:
    path = write_spec(HEAD + "factors: {autonomy.level: [5, 6]}\nseeds: [1]\n")
    rc = main(["sweep", str(path), "--seeds", "99999999999999999999999", "--out",
               str(path.parent / "out"), "-q"])
    bounded()
    assert rc == 2
    assert capsys.readouterr().err.strip() == (
        f"--seeds: at most {MAX_SEEDS:,} seeds, got 99,999,999,999,999,999,999,999")
    assert not (path.parent / "out").exists()
    with pytest.raises(InputError, match="a seed must be <= 9,223,372,036,854,775,807"):
        load_spec(path, seeds=[1, 2**64])
    with pytest.raises(InputError, match=f"at most {MAX_SEEDS:,} seeds, got {MAX_SEEDS + 1:,}"):
        load_spec(path, seeds=MAX_SEEDS + 1)


def test_a_seed_count_from_the_command_line_keeps_seeds_within_64_bits(
        write_spec: WriteSpec) -> None:
    path = write_spec(HEAD + "factors: {autonomy.level: [5, 6]}\n"
                      f"seeds: {{start: {MAX_SEED - 1}, count: 2}}\n")
    assert load_spec(path).seeds == (MAX_SEED - 1, MAX_SEED)
    assert _problems(path, seeds=3) == [
        f"{path}:4:16: error: seeds.start: with --seeds 3, the seeds from start must lie within "
        f"0..{MAX_SEED:,} (2**63 - 1), got start {MAX_SEED - 1:,}"]


def test_design_size_is_arithmetic_and_design_points_refuses_over_the_caps() -> None:
    wide = Factor("a", low=0.0, high=1.0, steps=MAX_POINTS)
    assert design_size("full_factorial", None, [wide, wide, wide]) == MAX_POINTS**3
    assert design_size("morris", 10, [wide, wide]) == 30
    assert design_size("lhs", 7, []) == 1
    with pytest.raises(ValueError, match="the design has 1,000,000,000,000,000 points"):
        design_points("full_factorial", None, [wide, wide, wide], 0)
    many = [Factor(f"f{i}", low=0.0, high=1.0) for i in range(30)]
    with pytest.raises(ValueError, match=f"the limit is {MAX_DESIGN_VALUES:,}"):
        design_points("lhs", MAX_POINTS, many, 0)
    with pytest.raises(ValidationError, match="less than or equal to 100000"):
        Factor("a", low=0.0, high=1.0, steps=10**9)
