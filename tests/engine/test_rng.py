"""Random streams: each is NumPy's PCG64 seeded by SeedSequence(seed, name key), draw for draw,
however ``Streams`` builds it, and depends only on (seed, name)."""

from __future__ import annotations

import numpy as np
import pytest

from hmt_sim.rng import Streams, _name_key


def reference(seed: int, name: str) -> np.random.Generator:
    """The stream as SeedSequence makes it (the definition the shortcut must match)."""
    seq = np.random.SeedSequence(entropy=seed, spawn_key=_name_key(name))
    return np.random.Generator(np.random.PCG64(seq))


@pytest.mark.parametrize("seed", [0, 1, 7, 65_535, 2**31, 2**32 - 1, 2**32, 2**40 + 3])
def test_a_stream_equals_seedsequences_for_any_seed(seed: int) -> None:
    streams = Streams(seed)
    for name in ["contact/wave0/0", "ai/wave0/3", "op/traffic1/17", "adversary", "", "é/ü"]:
        ours, theirs = streams.fresh(name), reference(seed, name)
        assert ours.random(5).tolist() == theirs.random(5).tolist()
        assert ours.integers(0, 2**63, 3).tolist() == theirs.integers(0, 2**63, 3).tolist()


def test_a_stream_depends_only_on_seed_and_name() -> None:
    a, b = Streams(3), Streams(3)
    b.get("ai/wave0/1")  # made first in one run, not in the other
    assert a.get("ai/wave0/2").random() == b.get("ai/wave0/2").random()
    assert Streams(3).fresh("x").random() != Streams(4).fresh("x").random()
    assert a.get("ai/wave0/2") is a.get("ai/wave0/2")  # get shares, fresh starts over
    assert a.fresh("y").random() == a.fresh("y").random()


@pytest.mark.parametrize("seed", [0, 1, 2**32 - 1, 2**40 + 3])
def test_prepared_streams_equal_the_ones_made_one_at_a_time(seed: int) -> None:
    names = [f"{prefix}/wave0/{i}" for prefix in ("contact", "ai", "op") for i in range(40)]
    names += ["", "é/ü", "adversary"]
    prepared = Streams(seed)
    prepared.prepare(names[:-1])  # the last one is made one at a time
    prepared.prepare(names[:5])  # preparing again changes nothing
    for name in names:
        assert prepared.get(name).random(3).tolist() == reference(seed, name).random(3).tolist()
    assert not prepared._prepared  # each prepared start is used once, then forgotten
