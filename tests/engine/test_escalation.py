"""EscalationAgent on its own: pushes, reactions, matching rules, restraint, the tracing of
inadvertent steps and forced steps, on a bare Mesa model with a seeded generator (no run)."""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pytest

from hmt_sim.escalation import TOP_RUNG, EscalationAgent
from hmt_sim.scenario.schema import Escalation


def agent(seed: int = 1, **spec: Any) -> EscalationAgent:
    """An escalation agent; noise off unless the test turns it on."""
    settings: dict[str, Any] = {"noise_sd": 0.0, "perception_sd": 0.0, "restraint": 0.0,
                                "gain": 0.0, **spec}
    return EscalationAgent(mesa.Model(rng=1), Escalation.model_validate(settings),
                           np.random.default_rng(seed))


def rungs(esc: EscalationAgent) -> tuple[int, int]:
    return esc.rung("red"), esc.rung("blue")


def test_it_is_a_mesa_agent_that_starts_on_the_scenario_rungs() -> None:
    model = mesa.Model(rng=1)
    esc = EscalationAgent(model, Escalation(start_rung_red=3, start_rung_blue=2),
                          np.random.default_rng(1))
    assert list(model.agents) == [esc]
    assert (esc.rung("red"), esc.rung("blue")) == (3, 2)


def test_a_quiet_reaction_takes_no_step_but_always_four_draws() -> None:
    esc = agent(seed=9)
    twin = np.random.default_rng(9)
    assert esc.react() == []
    twin.standard_normal(4)
    assert esc.stream.random() == twin.random()  # the same place in the stream


def test_a_push_moves_its_side_at_the_next_reaction_and_is_then_spent() -> None:
    esc = agent()
    esc.push("red", 1.0, "strike_on_forces", cause_seq=12, wrongful=False)
    esc.push("red", 0.0, "nothing", cause_seq=13, wrongful=True)  # zero pushes are dropped
    assert esc.react() == [("red", 1, 2, [12], False, "strike_on_forces")]
    assert esc.react() == []  # the push was used up
    assert rungs(esc) == (2, 1)


def test_pushes_add_up_within_a_reaction_and_name_every_cause_and_reason() -> None:
    esc = agent()
    esc.push("blue", 0.2, "friendly_loss", cause_seq=4, wrongful=False)
    esc.push("blue", 0.2, "friendly_loss", cause_seq=7, wrongful=False)
    assert esc.react() == []  # 0.4 rounds to no step
    esc.push("blue", 0.3, "show_of_force", cause_seq=8, wrongful=False)
    assert esc.react() == []  # spent pushes do not carry over: 0.3 alone, not 0.7
    esc.push("blue", 0.3, "show_of_force", cause_seq=9, wrongful=False)
    esc.push("blue", 0.3, "friendly_loss", cause_seq=10, wrongful=False)
    [step] = esc.react()
    assert step == ("blue", 1, 2, [9, 10], False, "friendly_loss,show_of_force")


def test_ratchet_matches_escalation_but_not_restraint() -> None:
    esc = agent(gain=0.6, start_rung_red=3, start_rung_blue=1)
    # blue: 0.6 x (3 - 1) = 1.2 -> one rung up; red: max(0, 1 - 3) = 0 -> stays
    assert esc.react() == [("blue", 1, 2, [], False, "reaction")]
    assert rungs(esc) == (3, 2)


def test_symmetric_matching_also_steps_down_to_a_calmer_adversary() -> None:
    esc = agent(gain=0.6, matching="symmetric", start_rung_red=3, start_rung_blue=1)
    # both react to the rungs as they stood before: red 0.6 x -2 -> -1, blue +1
    assert esc.react() == [("red", 3, 2, [], False, "reaction"),
                           ("blue", 1, 2, [], False, "reaction")]


def test_restraint_pulls_a_side_back_toward_its_starting_rung() -> None:
    esc = agent(restraint=0.4)
    assert esc.force_step("red", 3) == (1, 4)
    # red: -0.4 x (4 - 1) = -1.2 -> one rung down; blue (ratchet, gain 0) holds
    assert esc.react() == [("red", 4, 3, [], False, "reaction")]
    assert esc.react() == [("red", 3, 2, [], False, "reaction")]  # -0.8 -> -1
    assert esc.react() == []  # -0.4 rounds to 0: restraint alone stops short of the start


def test_reaction_noise_comes_from_the_stream_two_draws_a_side_red_first() -> None:
    seed = 3
    draws = np.random.default_rng(seed).standard_normal(4)
    esc = agent(seed=seed, noise_sd=1.0, start_rung_red=4, start_rung_blue=4)
    expected = {"red": 4 + round(draws[1]), "blue": 4 + round(draws[3])}
    # the seed tells the draws apart: the sides' perception draws would give other rungs
    assert len({expected["red"], expected["blue"], 4 + round(draws[0]),
                4 + round(draws[2])}) == 4
    steps = {side: (frm, to) for side, frm, to, *_ in esc.react()}
    assert steps == {side: (4, to) for side, to in expected.items()}


def test_perception_error_is_the_first_draw_of_each_side() -> None:
    seed = 4
    draws = np.random.default_rng(seed).standard_normal(4)
    esc = agent(seed=seed, perception_sd=2.0, gain=1.0, matching="symmetric",
                start_rung_red=3, start_rung_blue=3)
    esc.react()
    assert rungs(esc) == (3 + round(2.0 * draws[0]), 3 + round(2.0 * draws[2]))


def test_the_same_seed_gives_the_same_reactions() -> None:
    def history(seed: int) -> list[Any]:
        esc = agent(seed=seed, gain=0.6, noise_sd=0.5, perception_sd=0.3, restraint=0.1)
        out = []
        for i in range(20):
            esc.push("red", 0.4, "jamming", cause_seq=i, wrongful=i % 3 == 0)
            out.extend(esc.react())
        return out

    assert history(5) == history(5)
    assert history(5) != history(6)


def test_a_step_caused_by_a_wrongful_push_is_inadvertent() -> None:
    esc = agent()
    esc.push("red", 1.0, "wrongful_civilian_strike", cause_seq=30, wrongful=True)
    assert esc.react() == [("red", 1, 2, [30], True, "wrongful_civilian_strike")]


def test_a_step_that_would_happen_anyway_is_not_inadvertent() -> None:
    esc = agent()
    esc.push("red", 1.0, "strike_on_forces", cause_seq=1, wrongful=False)
    esc.push("red", 0.3, "wrongful_civilian_strike", cause_seq=2, wrongful=True)
    [(_, frm, to, causes, inadvertent, reason)] = esc.react()
    assert (frm, to, causes) == (1, 2, [1, 2])
    assert not inadvertent  # 1.3 and 1.0 both round to one rung
    assert reason == "strike_on_forces,wrongful_civilian_strike"


def test_the_wrongful_share_of_a_bigger_step_makes_it_inadvertent() -> None:
    esc = agent()
    esc.push("red", 0.6, "strike_on_forces", cause_seq=1, wrongful=False)
    esc.push("red", 1.0, "wrongful_civilian_strike", cause_seq=2, wrongful=True)
    [(_, frm, to, _, inadvertent, _)] = esc.react()
    assert (frm, to, inadvertent) == (1, 3, True)  # without the wrongful push: 1 -> 2


def test_the_answer_to_an_inadvertent_step_is_inadvertent_too() -> None:
    esc = agent(gain=0.6)
    esc.push("red", 1.0, "wrongful_civilian_strike", cause_seq=30, wrongful=True)
    esc.react()  # red 1 -> 2, caused by the wrongful strike; blue reacted to red at 1
    assert esc.react() == [("blue", 1, 2, [], True, "answer to inadvertent escalation")]


def test_the_answer_to_a_deliberate_step_is_not_inadvertent() -> None:
    esc = agent(gain=0.6)
    esc.push("red", 1.0, "strike_on_forces", cause_seq=30, wrongful=False)
    esc.react()
    assert esc.react() == [("blue", 1, 2, [], False, "reaction")]


def test_a_step_down_is_never_inadvertent_even_one_a_wrongful_push_made_smaller() -> None:
    esc = agent(restraint=0.5)
    esc.force_step("red", 4)  # red at 5: restraint -0.5 x 4 = -2 rungs
    esc.push("red", 1.0, "wrongful_civilian_strike", cause_seq=1, wrongful=True)
    [(_, frm, to, causes, inadvertent, _)] = esc.react()
    assert (frm, to, causes) == (5, 4, [1])  # without the push: 5 -> 3
    assert not inadvertent


def test_steps_are_clipped_to_the_ladder() -> None:
    esc = agent()
    esc.push("red", 20.0, "wrongful_civilian_strike", cause_seq=1, wrongful=True)
    esc.push("blue", -20.0, "de-escalation", cause_seq=2, wrongful=False)
    assert esc.react() == [("red", 1, TOP_RUNG, [1], True, "wrongful_civilian_strike"),
                           ("blue", 1, 0, [2], False, "de-escalation")]


@pytest.mark.parametrize(("rungs_asked", "expected"), [(2, (1, 3)), (10, (1, TOP_RUNG)),
                                                       (-5, (1, 0))])
def test_force_step_moves_a_side_at_once_within_the_ladder(rungs_asked: int,
                                                           expected: tuple[int, int]) -> None:
    esc = agent()
    assert esc.force_step("red", rungs_asked) == expected
    assert esc.rung("red") == expected[1] and esc.rung("blue") == 1


def test_a_rung_held_up_by_a_wrongful_push_makes_the_answer_to_it_inadvertent() -> None:
    esc = agent(gain=0.6, matching="symmetric")
    esc.force_step("red", 2)  # red at 3 by a deliberate step, blue at 1
    esc.push("red", 1.0, "wrongful_civilian_strike", cause_seq=1, wrongful=True)
    # Red would step down to meet blue (0.6 x -2 -> -1) but the wrongful push holds it at 3;
    # blue, reacting to red at 3 as it stood before, answers 1 -> 2: a deliberate answer.
    assert esc.react() == [("blue", 1, 2, [], False, "reaction")]
    # Blue answers red's 3 again (0.6 x 1 -> +1). Without the wrongful strike red would stand
    # at 2, level with blue, and blue would not move: an answer to inadvertent escalation.
    blue = [step for step in esc.react() if step[0] == "blue"]
    assert blue == [("blue", 2, 3, [], True, "answer to inadvertent escalation")]
