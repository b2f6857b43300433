"""One parsed document, many sets of overrides: what the sweep relies on (``load_document``)."""

from __future__ import annotations

import copy

import pytest

from hmt_sim.errors import ScenarioError
from hmt_sim.scenario import load_scenario_text
from hmt_sim.scenario.library import resolve
from hmt_sim.scenario.loader import load_document
from hmt_sim.scenario.yamldoc import read_document


def test_a_document_is_reused_unchanged_across_overrides() -> None:
    path = resolve("airbase_swarm")
    text = path.read_text(encoding="utf-8")
    doc = read_document(text, str(path))
    data, key_marks = copy.deepcopy(doc.data), dict(doc.key_marks)
    for level in (5, 9):
        got = load_document(doc, {"autonomy.level": level})
        assert got == load_scenario_text(text, str(path), overrides={"autonomy.level": level})
        assert set(got.autonomy.levels.values()) == {level}
    assert doc.data == data and doc.key_marks == key_marks  # the overrides left no trace
    assert load_document(doc) == load_scenario_text(text, str(path))


def test_problems_from_a_reused_document_are_located_like_the_loaders() -> None:
    text = "id: t\ntitle: T\nai:\n  reliability: 2\n"
    doc = read_document(text, "t.yaml")
    with pytest.raises(ScenarioError) as from_doc:
        load_document(doc, {"autonomy.levle": 5})
    with pytest.raises(ScenarioError) as from_text:
        load_scenario_text(text, "t.yaml", overrides={"autonomy.levle": 5})
    assert [str(p) for p in from_doc.value.problems] == [
        str(p) for p in from_text.value.problems]
    assert [p.file for p in from_doc.value.problems] == ["t.yaml", "--set autonomy.levle"]
    assert from_doc.value.problems[0].line == 4
