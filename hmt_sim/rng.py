"""One seed -> named child streams (common random numbers).

Every random draw in a run comes from a stream named after its owner and its track, e.g.
``contact/wave0/3`` (where the fourth contact of the first wave appears), ``ai/wave0/3`` (the AI's
judgement of it), ``op/wave0/3`` (operators reviewing it), ``effect/wave0/3``, ``adversary``. A
name is hashed to fixed integers that are mixed into the seed's entropy, so a stream depends only
on (seed, name) and never on how many other streams were made before it. That is what keeps the
world of two runs with the same seed identical when the autonomy level differs: the runs create
different streams in different orders, but the draws for one contact are the same in both.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _name_key(name: str) -> tuple[int, ...]:
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=16).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


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
            seq = np.random.SeedSequence(entropy=self.seed, spawn_key=_name_key(name))
            gen = np.random.Generator(np.random.PCG64(seq))
            self._cache[name] = gen
        return gen

    def fresh(self, name: str) -> np.random.Generator:
        """A new generator for ``name`` from its start, not shared with ``get``."""
        seq = np.random.SeedSequence(entropy=self.seed, spawn_key=_name_key(name))
        return np.random.Generator(np.random.PCG64(seq))
