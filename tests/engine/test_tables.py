"""The protocol table and the action table, read as data."""

from __future__ import annotations

import pytest

from hmt_sim import actions
from hmt_sim.actions import ActionClass, Situation
from hmt_sim.autonomy import (
    AI_DISCRETION_INFORM_BELOW,
    MANUAL_RELIANCE,
    PROTOCOLS,
    Protocol,
    human_could_stop,
    loop_position,
    protocol,
    spec,
)


def test_ten_levels_with_their_protocols() -> None:
    assert sorted(PROTOCOLS) == list(range(1, 11))
    assert [protocol(lv).value for lv in range(1, 11)] == [
        "manual"] * 4 + ["approval", "veto", "inform_after", "on_request", "ai_discretion",
                         "silent"]
    assert [loop_position(lv) for lv in range(1, 11)] == ["in"] * 5 + ["on"] * 2 + ["out"] * 3
    with pytest.raises(ValueError, match="1-10"):
        spec(11)


def test_who_authorises_and_who_can_stop() -> None:
    assert {lv for lv, s in PROTOCOLS.items() if s.authorised_by == "human"} == {1, 2, 3, 4, 5}
    assert {lv for lv, s in PROTOCOLS.items() if s.autonomous} == set(range(6, 11))
    assert {lv for lv, s in PROTOCOLS.items() if s.human_can_stop} == set(range(1, 7))
    assert {lv for lv, s in PROTOCOLS.items() if s.accountable} == set(range(1, 8))
    assert MANUAL_RELIANCE == {1: 0.0, 2: 0.25, 3: 0.5, 4: 1.0}
    assert not spec(1).shows_advice and spec(2).shows_advice
    assert human_could_stop({"level": 6}) and not human_could_stop({"level": 7})
    assert human_could_stop({"level": 9, "human_could_stop": True})  # the logged field wins


def test_only_level_seven_always_informs_and_nine_when_unsure() -> None:
    sure, unsure = 0.95, AI_DISCRETION_INFORM_BELOW - 0.01
    informing = {lv for lv, s in PROTOCOLS.items() if s.informs_after(sure)}
    assert informing == {7}
    assert {lv for lv, s in PROTOCOLS.items() if s.informs_after(unsure)} == {7, 9}
    assert spec(7).protocol is Protocol.INFORM_AFTER


def situation(confidence: float = 0.9, time_left: float = 100.0, usable: set[str] | None = None,
              tried: set[str] | None = None) -> Situation:
    return Situation(confidence=confidence, time_left_s=time_left, engage_confidence=0.8,
                     warning_response_s=20.0,
                     usable=frozenset(usable if usable is not None else {"jam", "engage"}),
                     tried=frozenset(tried or ()))


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"confidence": 0.5}, "warn"),  # unsure with time: warn first
    ({"confidence": 0.5, "tried": {"warn"}}, "jam"),  # warned: jam if it can
    ({"confidence": 0.5, "time_left": 25.0}, "engage"),  # no time to warn or jam
    ({}, "jam"),
    ({"usable": {"engage"}}, "engage"),  # not jammable / no jammer
    ({"tried": {"jam"}}, "engage"),  # jamming failed
    ({"usable": set()}, "engage"),  # the last resort is recommended even with no effector
])
def test_the_ai_picks_the_least_forceful_fitting_action(kwargs: dict, expected: str) -> None:
    assert actions.choose(situation(**kwargs)) == expected


def test_a_registered_action_joins_the_ladder_and_leaves_it() -> None:
    dazzle = ActionClass("dazzle", rank=50, force=True, lethal=False,
                         escalation_category="non_violent_escalation", push="jamming",
                         verb="dazzled", fits=lambda s: s.time_left_s > 40)
    actions.register_action(dazzle)
    try:
        assert actions.names() == ("warn", "jam", "dazzle", "engage")
        assert actions.choose(situation(tried={"jam"}, usable={"dazzle", "engage"})) == "dazzle"
        assert actions.choose(situation(tried={"jam"}, usable={"engage"})) == "engage"
        assert actions.is_force("dazzle") and not actions.is_lethal("dazzle")
        with pytest.raises(ValueError, match="already registered"):
            actions.register_action(dazzle)
    finally:
        actions.unregister_action("dazzle")
    assert "dazzle" not in actions.names()
    with pytest.raises(KeyError, match="did you mean 'engage'"):
        actions.get("engag")
    with pytest.raises(ValueError, match="built-in"):
        actions.unregister_action("jam")
    with pytest.raises(ValueError, match="identifier"):
        ActionClass("monitor", rank=1, force=False, lethal=False,
                    escalation_category="posturing", push=None, verb="watched")
