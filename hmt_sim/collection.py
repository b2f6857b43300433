"""When Python's garbage collector may run during the engine's work (issue 14).

A run frees its short-lived objects (events, finished generators' frames) by reference counting
and keeps a growing log and model. The collector's passes during a run free next to nothing,
yet each walks the young objects, and every so often a full pass walks everything the process
holds - the imported Mesa, NumPy and SciPy as well: 15-35 ms a pass here, most of a default
run's time. Measured with the collector off while the clock runs: the same peak memory for
``mass_swarm`` (2,112 contacts), 11 % less CPU; a default run repeated in one process about
20 % less. What a run leaves for the collector (its model's reference cycles, once the model
is dropped) is collected by the collector's usual rules once it is on again: a young
collection follows every run or two, so memory stays flat over thousands of runs.

No imports beyond the standard library: the sweep worker uses it before it loads the engine.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No automatic garbage collection inside the block; the collector as it was after it
    (also after an error). A caller who had turned it off keeps it off, and so does a block
    inside another (another thread's run)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def young() -> None:
    """Collect the youngest generation now, unless the collector is off. For the owner of a
    whole run (``simulate``, a sweep's worker) once it has dropped the run's model: all the
    model's objects were made while the collector was paused, so they are all young, and this
    one pass frees the reference cycles among them (agents and model, processes and clock).
    Left to the collector's own schedule they were walked once while the model still lived,
    moved to an older generation, and kept there until a rarer pass: their memory piled up
    over repeated runs (191,000 objects after one 5,100-contact run, 605,000 after four)."""
    if gc.isenabled():
        gc.collect(0)


def settle() -> None:
    """Collect once, then leave everything that exists now out of the collector's later passes
    (``gc.freeze``). For a long-lived window the command line owns (``hmt-sim play``, ``replay``)
    once it is open: its imports, the scenario, the session so far and the static map never
    become garbage, yet the collector's full passes walked them all between frames, a hitch of
    65-250 ms in ``mass_swarm`` (none measured after settling). Not for a library caller's
    process: what it freezes is never collected."""
    gc.collect()
    gc.freeze()
