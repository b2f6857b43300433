"""Counterfactuals: paired seeds, a real process pool, and the actual run placed correctly."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from report_helpers import CF_COMPARE, CF_SEEDS, scan

from hmt_sim import session as session_module
from hmt_sim.errors import InputError, SimulationError
from hmt_sim.metrics import flatten
from hmt_sim.report import KEY_METRICS, load_source, parse_compare
from hmt_sim.report.counterfactual import compare, place, scenario_at, split_inputs
from hmt_sim.report.glossary import format_value
from hmt_sim.scenario.schema import Scenario
from hmt_sim.session import simulate

SEEDS = CF_SEEDS


@pytest.fixture(scope="module")
def comparison(run_dir: Path):  # type: ignore[no-untyped-def]
    src = load_source(run_dir)
    return src, compare(src, parse_compare(CF_COMPARE), SEEDS, workers=2)


def test_groups_share_one_paired_seed_list(comparison) -> None:  # type: ignore[no-untyped-def]
    src, cmp = comparison
    assert cmp.seeds == [src.seed + i for i in range(SEEDS)]
    assert [g.label for g in cmp.groups] == ["as run", "autonomy.level=5", "autonomy.level=9"]
    assert all(len(g.rows) == SEEDS for g in cmp.groups)
    assert cmp.groups[1].scenario.autonomy.levels == {"warn": 5, "jam": 5, "engage": 5}
    assert cmp.groups[2].scenario.autonomy.levels == {"warn": 9, "jam": 9, "engage": 9}
    assert cmp.workers == 2


def test_rows_are_the_runs_at_that_setting_and_seed(comparison) -> None:  # type: ignore[no-untyped-def]
    src, cmp = comparison
    # The run has no people in it: "as run" at its own seed is the run itself.
    assert cmp.groups[0].rows[0] == flatten(src.metrics)
    # Row i of a group is that group's scenario at seed i, whichever worker ran it.
    group = cmp.groups[2]
    assert group.rows[3] == flatten(simulate(group.scenario, seed=cmp.seeds[3]).metrics)
    # Settings differ somewhere (autonomy 9 takes people out of the loop).
    review = [g.values("control.meaningful_review_rate") for g in cmp.groups]
    assert review[1] != review[2]


def test_actual_value_is_placed_among_each_group(comparison) -> None:  # type: ignore[no-untyped-def]
    src, cmp = comparison
    actual = flatten(src.metrics)
    for key in KEY_METRICS:
        for g in cmp.groups:
            vals = np.array([v for v in g.values(key) if v is not None], dtype=float)
            p = place(actual[key], g.values(key))
            assert p.n == vals.size
            if vals.size == 0:
                continue
            assert p.median == pytest.approx(float(np.median(vals)))
            if actual[key] is not None:
                assert p.below == int((vals < actual[key]).sum())
                assert p.above == int((vals > actual[key]).sum())
                assert p.below + p.equal + p.above == p.n


def test_placement_counts_and_percentile() -> None:
    p = place(2, [0, 1, 2, 2, 5, None])
    assert (p.n, p.n_na, p.below, p.equal, p.above) == (5, 1, 2, 2, 1)
    assert p.median == 2.0 and p.q1 == 1.0 and p.q3 == 2.0
    assert p.percentile == pytest.approx(60.0)
    assert place(None, [None, None]).n == 0


def test_report_sentences_name_the_actual_value_and_medians(
        run_dir: Path, cf_report_file: Path, comparison) -> None:  # type: ignore[no-untyped-def]
    text = cf_report_file.read_text()
    src, cmp = comparison
    actual = flatten(src.metrics)
    blocks = scan(text).cf_blocks
    assert set(blocks) == set(KEY_METRICS)
    for key in KEY_METRICS:
        sentence = blocks[key]
        assert sentence.startswith("This run")
        assert format_value(key, actual[key]) in sentence
        for g in cmp.groups[1:]:
            p = place(actual[key], g.values(key))
            if p.n:
                assert re.search(rf"at {re.escape(g.label)} (the median is|it is) "
                                 rf"{re.escape(format_value(key, p.median))} \(IQR", sentence), \
                    sentence
    assert "reproduces this run" in text
    assert len(scan(text).images) == 3 + len(KEY_METRICS)


def test_session_inputs_split_into_facilitator_and_people() -> None:
    inputs = [
        {"t": 1.0, "type": "decide", "decision": 3, "choice": "approve"},
        {"t": 2.0, "type": "inspect", "decision": 4},
        {"t": 3.0, "type": "bookmark", "label": "x"},
        {"t": 4.0, "type": "set_levels", "levels": {"engage": 6}},
        {"t": 5.0, "type": "inject", "inject": {"kind": "comms_loss", "duration_s": 30}},
        {"t": 6.0, "type": "inject", "inject": {"kind": "autonomy_change",
                                                "levels": {"jam": 9}}},
        {"t": 7.0, "type": "set_reliability", "reliability": 0.5},
    ]
    kept, dropped = split_inputs(inputs, "autonomy.level")
    assert [i["t"] for i in kept] == [3.0, 5.0, 7.0]
    assert dropped == {"decide": 1, "inspect": 1, "set_levels (clashes with autonomy.level)": 1,
                       "inject (clashes with autonomy.level)": 1}
    kept, dropped = split_inputs(inputs, "ai.reliability")
    assert [i["t"] for i in kept] == [3.0, 4.0, 5.0, 6.0]
    assert "set_reliability (clashes with ai.reliability)" in dropped


@pytest.mark.parametrize("text, fragment", [
    ("autonomy.level", "expected KEY=V1,V2"),
    ("=5,7", "expected KEY=V1,V2"),
    ("autonomy.level=5,,9", "empty value"),
    ("autonomy.level=5,5", "listed twice"),
    ("autonomy..level=5", "dotted path"),
])
def test_bad_compare_syntax(text: str, fragment: str) -> None:
    with pytest.raises(InputError, match=re.escape(fragment)):
        parse_compare(text)


def test_compare_values_parse_like_set() -> None:
    spec = parse_compare("ai.reliability=0.6, 0.9")
    assert spec.values == (0.6, 0.9)
    assert parse_compare("red.waves.0.spread_km=[1, 2],[3, 4]").values == ([1, 2], [3, 4])


def test_unknown_key_and_bad_value_are_input_errors(run_dir: Path) -> None:
    sc = load_source(run_dir).scenario
    with pytest.raises(InputError, match="did you mean 'levels'"):
        scenario_at(sc, "autonomy.levle", 5)
    with pytest.raises(InputError, match=r"must be >= 1 and <= 10, got 11"):
        scenario_at(sc, "autonomy.level", 11)


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="the dying engine reaches the workers by fork")
def test_a_worker_that_dies_is_named_and_the_other_runs_complete(
        run_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the sweep executor: the pool breaks, the runs in flight are retried one at a time,
    and the one run that kills its worker (autonomy 9, second seed) is the one reported."""
    src = load_source(run_dir)
    real = session_module.simulate

    def dying(scenario: Scenario, seed: int, **kwargs: Any) -> Any:
        if seed == src.seed + 1 and set(scenario.autonomy.levels.values()) == {9}:
            os._exit(7)  # as a segfault or the OOM killer would
        return real(scenario, seed=seed, **kwargs)

    monkeypatch.setattr(session_module, "simulate", dying)  # forked workers inherit it
    done: list[int] = []
    with pytest.raises(SimulationError, match=re.escape(
            f"counterfactual run autonomy.level=9, seed {src.seed + 1} failed: WorkerDied:")):
        compare(src, parse_compare("autonomy.level=5,9"), 3, workers=2,
                progress=lambda n, total: done.append(total - n))
    assert done[-1] == 0  # every other run finished and was counted
