"""Plugin tests register into the process-wide registries: undo every registration after each
test, so no other test (in this process) sees a leftover classifier, policy or metric."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hmt_sim import plugins


@pytest.fixture(autouse=True)
def clean_registries() -> Iterator[None]:
    before = {reg.kind: set(reg.names()) for reg in
              (plugins.classifiers, plugins.operators, plugins.metrics)}
    assert not plugins.entry_points_allowed(), "entry points are tested in subprocesses only"
    yield
    for reg in (plugins.classifiers, plugins.operators, plugins.metrics):
        for name in set(reg.names()) - before[reg.kind]:
            reg.unregister(name)
