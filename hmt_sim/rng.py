"""One seed -> named child streams (common random numbers).

Every random draw in a run comes from a stream named after its owner and its track, e.g.
``contact/wave0/3`` (where the fourth contact of the first wave appears), ``ai/wave0/3`` (the AI's
judgement of it), ``op/wave0/3`` (operators reviewing it), ``effect/wave0/3``, ``adversary``. The
seed and the name are hashed together (BLAKE2b, 256 bits) into the PCG64 generator's whole state
and increment, so a stream depends only on (seed, name) and never on how many other streams were
made before it. That is what keeps the world of two runs with the same seed identical when the
autonomy level differs: the runs create different streams in different orders, but the draws for
one contact are the same in both.

A cryptographic hash of distinct (seed, name) pairs gives unrelated 128-bit states and
increments (distinct PCG64 streams) without NumPy's ``SeedSequence`` mixing, which costs about
five times as much and was a visible share of a run with thousands of contacts.
"""

from __future__ import annotations

import hashlib
from typing import Any, cast

import numpy as np
from numpy.random.bit_generator import ISeedSequence


class _Key(ISeedSequence):
    """The hashed (seed, name) as the seed material PCG64 asks for (its 4 64-bit words)."""

    __slots__ = ("_digest",)

    def __init__(self, seed: int, name: str) -> None:
        self._digest = hashlib.blake2b(f"{seed}\x00{name}".encode(), digest_size=32,
                                       person=b"hmt-sim.rng").digest()

    def generate_state(self, n_words: int, dtype: Any = np.uint32) -> Any:
        """The first ``n_words`` words of the digest (PCG64 asks for 4 x 64 bits: 32 bytes)."""
        return np.frombuffer(self._digest, dtype=dtype, count=n_words).copy()


def _generator(seed: int, name: str) -> np.random.Generator:
    # NumPy accepts any ISeedSequence here; its stubs name only SeedSequence.
    return np.random.Generator(np.random.PCG64(cast(Any, _Key(seed, name))))


class Streams:
    """Factory of named, independent ``numpy.random.Generator`` streams for one seed."""

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.seed = int(seed)
        self._cache: dict[str, np.random.Generator] = {}

    def get(self, name: str) -> np.random.Generator:
        """The stream called ``name`` (the same object on every call in this run)."""
        gen = self._cache.get(name)
        if gen is None:
            gen = self._cache[name] = _generator(self.seed, name)
        return gen

    def fresh(self, name: str) -> np.random.Generator:
        """A new generator for ``name`` from its start, not shared with ``get``."""
        return _generator(self.seed, name)
