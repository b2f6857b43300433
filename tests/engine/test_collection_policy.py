"""While the clock runs the garbage collector is off; around it, it is as the caller left it
(``hmt_sim.collection.paused``, around ``HMTModel.advance_to``). And ``simulate`` leaves its
throwaway model without Mesa DataCollector columns while a model made directly keeps them."""

from __future__ import annotations

import gc
from typing import Any

from hmt_sim.model import HMTModel
from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session, simulate


def _watch_collector(model: HMTModel, seen: list[bool]) -> None:
    """A process in the model's clock that notes, every 10 s, whether collection is on."""

    def proc() -> Any:
        while True:
            seen.append(gc.isenabled())
            yield model.env.timeout(10.0)

    model.env.process(proc())


def test_collection_is_off_while_the_clock_runs_and_restored_after() -> None:
    model = HMTModel("airbase_swarm", rng=1)
    seen: list[bool] = []
    _watch_collector(model, seen)
    assert gc.isenabled()
    model.advance_to(100.0)
    assert gc.isenabled()  # restored
    assert len(seen) == 10 and not any(seen)
    gc.disable()  # a caller who turned it off keeps it off
    try:
        model.advance_to(200.0)
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert len(seen) == 20 and not any(seen)


def test_collection_is_restored_when_the_run_raises() -> None:
    model = HMTModel("airbase_swarm", rng=1)

    def boom() -> Any:
        yield model.env.timeout(5.0)
        raise RuntimeError("a failing process")

    model.env.process(boom())
    try:
        model.advance_to(10.0)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the process's error should reach the caller")
    assert gc.isenabled()


def test_simulate_builds_no_collector_columns_and_the_metrics_are_the_same() -> None:
    sc = load_scenario("airbase_swarm", overrides={"run.duration_s": 120})
    session = Session(sc, seed=3)
    full = session.run_to_end()
    assert len(session.model.datacollector.model_reporters) > 50
    assert session.model.datacollector.get_model_vars_dataframe().shape[0] == 1
    quick = simulate(sc, seed=3)
    assert quick.events == full.events
    assert quick.metrics == full.metrics
    bare = Session(sc, seed=3, collect=False)
    bare.run_to_end()
    assert bare.model.datacollector.model_reporters == {}


def _models_alive() -> int:
    return sum(isinstance(o, HMTModel) for o in gc.get_objects())


def _settled_count() -> int:
    """Models alive once other tests' dropped sessions are gone: each takes two full passes
    (the first runs its suspended processes' finally blocks, which revive it)."""
    for _ in range(3):
        gc.collect()
    return _models_alive()


def test_simulate_frees_its_model_at_once() -> None:
    # One operator in airbase_swarm leaves processes suspended in `finally` blocks at the end
    # (a review waiting for the seat): the collector's first pass over them ran those blocks,
    # and the events they made kept the whole model alive until a later full pass.
    sc = load_scenario("airbase_swarm", overrides={"operators.count": 1})
    before = _settled_count()
    for seed in (1, 2, 3):
        simulate(sc, seed=seed)
        assert _models_alive() == before  # freed by reference counting and one young pass
    # The same run through a Session kept: its model stays until the collector frees it
    # (twice: the first pass runs the suspended processes' finally blocks) - what close() spares.
    session = Session(sc, seed=1)
    session.run_to_end()
    del session
    assert _models_alive() == before + 1
    gc.collect()
    gc.collect()
    assert _models_alive() == before


def test_close_lets_a_finished_model_go_by_reference_counting() -> None:
    sc = load_scenario("airbase_swarm", overrides={"operators.count": 1})
    before = _settled_count()
    gc.disable()  # nothing but reference counting
    try:
        session = Session(sc, seed=1)
        session.run_to_end()
        session.model.close()
        assert session.model.env.peek() == float("inf")  # nothing left on the clock
        del session
        gc.collect(0)  # the young cycles (agents and model): one pass, no finalizer left
        assert _models_alive() == before
    finally:
        gc.enable()
