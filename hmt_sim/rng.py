"""One seed -> named child streams (common random numbers).

Every random draw in a run comes from a stream named after its owner and its track, e.g.
``contact/wave0/3`` (where the fourth contact of the first wave appears), ``ai/wave0/3`` (the AI's
judgement of it), ``op/wave0/3`` (operators reviewing it), ``effect/wave0/3``, ``adversary``. A
name is hashed to fixed integers that are mixed into the seed's entropy, so a stream depends only
on (seed, name) and never on how many other streams were made before it. That is what keeps the
world of two runs with the same seed identical when the autonomy level differs: the runs create
different streams in different orders, but the draws for one contact are the same in both.

A stream is NumPy's ``PCG64(SeedSequence(entropy=seed, spawn_key=name key))``, draw for draw.
Building that SeedSequence costs about four times the generator itself, and a run with thousands
of contacts makes tens of thousands of streams; but for a seed of one 32-bit word the first half
of its entropy mixing depends on the seed alone. ``Streams`` does that half once per run and the
name's half per stream (O'Neill's seed_seq mixing, as SeedSequence does it with a pool of four
words), then hands PCG64 the state words directly. ``Streams.prepare`` does the name's half
for many names at once on arrays (a source's contacts, when the source starts).
``tests/engine/test_rng.py`` checks the streams equal SeedSequence's, prepared or not.
"""

from __future__ import annotations

import functools
import hashlib
import struct
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from numpy.random.bit_generator import ISeedSequence

_M32 = 0xFFFFFFFF
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875  # the entropy hash's start and multiplier
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED  # the output hash's
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_POOL = 4  # SeedSequence's default pool size (words)
_WORDS = struct.Struct("<4I")


def _name_key(name: str) -> tuple[int, ...]:
    """A name's four 32-bit key words (BLAKE2b of it)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=16).digest()
    return _WORDS.unpack(digest)


def _hash_constants(start: int, mult: int, count: int) -> list[int]:
    """The multiplier sequence of ``count`` hash steps (it depends on nothing else)."""
    out, h = [], start
    for _ in range(count):
        out.append(h)
        h = (h * mult) & _M32
    return out


# hashmix i uses constant C[i] (xor) and C[i + 1] (multiply): the entropy mixing of a 32-bit seed
# padded to 4 words and a 4-word name key takes 4 + 12 + 16 hashmix steps; the output 8 steps.
_A = _hash_constants(_INIT_A, _MULT_A, 4 + 12 + 16 + 1)
_B = _hash_constants(_INIT_B, _MULT_B, 2 * _POOL + 1)


def _hashmix(value: int, i: int) -> int:
    value = ((value ^ _A[i]) * _A[i + 1]) & _M32
    return value ^ (value >> 16)


def _mix(x: int, y: int) -> int:
    r = (_MIX_L * x - _MIX_R * y) & _M32
    return r ^ (r >> 16)


def _seed_pool(seed: int) -> list[int]:
    """The pool after mixing the seed's own four words (seed, 0, 0, 0): shared by its streams."""
    pool = [_hashmix(w, i) for i, w in enumerate((seed, 0, 0, 0))]
    step = _POOL
    for src in range(_POOL):
        for dst in range(_POOL):
            if src != dst:
                pool[dst] = _mix(pool[dst], _hashmix(pool[src], step))
                step += 1
    return pool


# The (xor, multiply) constants of the name key's 16 hashmix steps (after the seed's 4 + 12) and
# of the 8 output words.
_KEY_STEPS = [(_A[i], _A[i + 1]) for i in range(_POOL + _POOL * (_POOL - 1), len(_A) - 1)]
_OUT_STEPS = [(_B[j], _B[j + 1]) for j in range(2 * _POOL)]


_KEY_XOR = np.array([xor for xor, _ in _KEY_STEPS], dtype=np.uint64)
_KEY_MULT = np.array([mult for _, mult in _KEY_STEPS], dtype=np.uint64)


@functools.lru_cache(maxsize=1 << 16)
def _name_hashes(name: str) -> tuple[int, ...]:
    """The 16 hashed key words a name mixes into a pool, in mixing order. They depend on the
    name alone, so they are computed once per name and process, not once per run: a sweep
    makes the same names in every run (``contact/wave0/3`` in each of its thousands)."""
    out = []
    for n, w in enumerate(_name_key(name)):
        for xor, mult in _KEY_STEPS[4 * n : 4 * n + 4]:
            h = ((w ^ xor) * mult) & _M32
            out.append(h ^ (h >> 16))
    return tuple(out)


def _state_words(pool: list[int], hashes: tuple[int, ...]) -> np.ndarray:
    """Mix a name's hashed key words into a copy of the seed's pool; the 4 x 64-bit state PCG64
    asks for. (``_mix`` and the output hash written out: this runs once per stream, tens of
    thousands of times in a big run.)"""
    m0, m1, m2, m3 = pool
    mask, left, right = _M32, _MIX_L, _MIX_R
    for i in range(0, 16, 4):
        r = (left * m0 - right * hashes[i]) & mask
        m0 = r ^ (r >> 16)
        r = (left * m1 - right * hashes[i + 1]) & mask
        m1 = r ^ (r >> 16)
        r = (left * m2 - right * hashes[i + 2]) & mask
        m2 = r ^ (r >> 16)
        r = (left * m3 - right * hashes[i + 3]) & mask
        m3 = r ^ (r >> 16)
    (b0, c0), (b1, c1), (b2, c2), (b3, c3), (b4, c4), (b5, c5), (b6, c6), (b7, c7) = _OUT_STEPS
    o0 = ((m0 ^ b0) * c0) & mask
    o1 = ((m1 ^ b1) * c1) & mask
    o2 = ((m2 ^ b2) * c2) & mask
    o3 = ((m3 ^ b3) * c3) & mask
    o4 = ((m0 ^ b4) * c4) & mask
    o5 = ((m1 ^ b5) * c5) & mask
    o6 = ((m2 ^ b6) * c6) & mask
    o7 = ((m3 ^ b7) * c7) & mask
    # little-endian pairs of 32-bit words, as SeedSequence.generate_state(4, np.uint64) gives
    return np.array([o0 ^ (o0 >> 16) | (o1 ^ (o1 >> 16)) << 32,
                     o2 ^ (o2 >> 16) | (o3 ^ (o3 >> 16)) << 32,
                     o4 ^ (o4 >> 16) | (o5 ^ (o5 >> 16)) << 32,
                     o6 ^ (o6 >> 16) | (o7 ^ (o7 >> 16)) << 32], dtype=np.uint64)


_U64_M32, _U64_16, _U64_32 = np.uint64(_M32), np.uint64(16), np.uint64(32)
_U64_MIX_L, _U64_MIX_R = np.uint64(_MIX_L), np.uint64(_MIX_R)
_OUT_XOR: np.ndarray = np.array([b for b, _ in _OUT_STEPS], dtype=np.uint64)
_OUT_MULT: np.ndarray = np.array([c for _, c in _OUT_STEPS], dtype=np.uint64)


_ROWS: dict[str, bytes] = {}
"""A name's 16 hashed key words (``_name_hashes``) as a row of ``_state_block``'s array, uint64
in native order. They depend on the name alone and a sweep makes the same names in every run:
hashing and spreading them again cost more than the mixing itself. Emptied when full."""
_ROWS_MAX = 1 << 16
_ROW_BYTES = 16 * 8


def _hash_rows(names: list[str]) -> npt.NDArray[np.uint64]:
    """``_name_hashes`` of each name, one row each (column 4n + j: key word n hashed with step
    4n + j's constants): from ``_ROWS`` when all are there, else for all at once on arrays."""
    rows = [_ROWS.get(name) for name in names]
    if None not in rows:
        return np.frombuffer(b"".join(cast(list[bytes], rows)), dtype=np.uint64
                             ).reshape(-1, 16)
    digests = b"".join(hashlib.blake2b(name.encode("utf-8"), digest_size=16).digest()
                       for name in names)
    keys = np.frombuffer(digests, dtype="<u4").astype(np.uint64).reshape(-1, _POOL)
    hashes = ((np.repeat(keys, _POOL, axis=1) ^ _KEY_XOR) * _KEY_MULT) & _U64_M32
    hashes ^= hashes >> _U64_16
    if len(_ROWS) + len(names) > _ROWS_MAX:
        _ROWS.clear()
    data = hashes.tobytes()
    for n, name in enumerate(names):
        _ROWS[name] = data[n * _ROW_BYTES : (n + 1) * _ROW_BYTES]
    return hashes


def _state_block(pool: list[int], names: list[str]) -> np.ndarray:
    """``_state_words`` of many names at once, one row each: the same arithmetic on uint64
    arrays (every product of two 32-bit words fits; a difference that wraps modulo 2**64 keeps
    its low 32 bits, which is all the mask keeps). A few microseconds a name, against 12 us one
    at a time with the name's hashes cached and 23 us without, for the names a source's
    contacts will use."""
    mask, left, right, sixteen = _U64_M32, _U64_MIX_L, _U64_MIX_R, _U64_16
    hashes = _hash_rows(names)
    m = np.empty((len(names), _POOL), dtype=np.uint64)
    m[:] = pool
    for i in range(0, 16, 4):
        r = (left * m - right * hashes[:, i : i + 4]) & mask
        m = r ^ (r >> sixteen)
    o = ((np.concatenate([m, m], axis=1) ^ _OUT_XOR) * _OUT_MULT) & mask
    o ^= o >> sixteen
    return np.ascontiguousarray(o[:, 0::2] | (o[:, 1::2] << _U64_32))


class _State(ISeedSequence):
    """Ready state words, given to PCG64 where it would ask a SeedSequence for them."""

    __slots__ = ("_words",)

    def __init__(self, words: np.ndarray) -> None:
        self._words = words

    def generate_state(self, n_words: int, dtype: Any = np.uint32) -> Any:
        """The state words (PCG64 asks for 4 x 64 bits; other shapes are read from them)."""
        if n_words == 4 and (dtype is np.uint64 or np.dtype(dtype) == np.uint64):
            return self._words
        return np.frombuffer(self._words.tobytes(), dtype=dtype, count=n_words).copy()


class Streams:
    """Factory of named, independent ``numpy.random.Generator`` streams for one seed."""

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.seed = int(seed)
        self._cache: dict[str, np.random.Generator] = {}
        self._prepared: dict[str, np.ndarray] = {}  # name -> state words computed in a block
        # The shortcut holds for a seed of one 32-bit word (SeedSequence pads it to the pool).
        self._pool = _seed_pool(self.seed) if self.seed <= _M32 else None

    def get(self, name: str) -> np.random.Generator:
        """The stream called ``name`` (the same object on every call in this run)."""
        gen = self._cache.get(name)
        if gen is None:
            gen = self._cache[name] = self.fresh(name)
        return gen

    def prepare(self, names: list[str]) -> None:
        """Compute the start of many streams in one vectorised pass (the names a source's
        contacts will draw from, when the source starts); ``get`` and ``fresh`` then only build
        the generator. The streams are the same as without it."""
        if self._pool is None:
            return
        todo = [n for n in names if n not in self._prepared and n not in self._cache]
        if todo:
            block = _state_block(self._pool, todo)
            self._prepared.update(zip(todo, block, strict=True))

    def fresh(self, name: str) -> np.random.Generator:
        """A new generator for ``name`` from its start, not shared with ``get``."""
        if self._pool is None:
            seq: Any = np.random.SeedSequence(entropy=self.seed, spawn_key=_name_key(name))
        else:
            words = self._prepared.pop(name, None)
            if words is None:
                words = _state_words(self._pool, _name_hashes(name))
            seq = _State(words)
        # NumPy accepts any ISeedSequence; its stubs name only SeedSequence.
        return np.random.Generator(np.random.PCG64(cast(Any, seq)))
