"""OperatorPool on its own: seats, the attention queue, workload and review cards."""

from __future__ import annotations

from types import SimpleNamespace

import mesa
import simpy

from hmt_sim.agents.operator import OperatorAgent
from hmt_sim.crew import OperatorPool
from hmt_sim.scenario.schema import Operators


def crew(n: int, env: simpy.Environment | None = None) -> OperatorPool:
    model = mesa.Model(rng=1)
    spec = Operators(count=max(n, 1))
    env = env or simpy.Environment()
    return OperatorPool(env, [OperatorAgent(model, i, spec, human=False) for i in range(n)])


def test_seats_are_handed_out_lowest_first_and_returned() -> None:
    pool = crew(3)
    assert [pool.take_seat(), pool.take_seat()] == [0, 1]
    pool.free_seat(0)
    assert pool.take_seat() == 0
    assert pool.take_seat() == 2
    assert pool.on_duty() == 0


def test_workload_counts_busy_and_queued_reviews_per_operator() -> None:
    env = simpy.Environment()
    pool = crew(2, env)
    held = []

    def reviewer(env: simpy.Environment) -> object:
        req = pool.request(priority=0)
        yield req
        held.append(req)
        yield env.timeout(100)

    for _ in range(3):
        env.process(reviewer(env))
    env.run(until=1)
    assert pool.busy == 2 and pool.queued == 1
    assert pool.workload() == 1.0  # (2 busy + 1 waiting) / 2, capped at 1
    assert pool.utilisation() == 1.0
    pool.release(held[0])
    env.run(until=2)
    assert pool.busy == 2 and pool.queued == 0


def test_no_operators_means_full_workload_and_nobody_on_duty() -> None:
    pool = crew(0)
    assert pool.workload() == 1.0
    assert pool.on_duty() is None and pool.mean_trust() is None and pool.utilisation() is None


def test_review_cards_open_per_seat_and_close() -> None:
    env = simpy.Environment()
    pool = crew(2, env)
    decision = SimpleNamespace(id=7)
    pool.wait_for_person(decision, 1)
    pool.wait_for_person(decision, 0)  # a two-person approval waits on two seats
    assert [(c.decision.id, c.operator) for c in pool.open_cards()] == [(7, 0), (7, 1)]
    assert [c.operator for c in pool.open_cards(decision=7, seat=1)] == [1]
    assert pool.open_cards(decision=8) == []
    card = pool.open_cards(seat=0)[0]
    card.answered.succeed("approve")
    assert [c.operator for c in pool.open_cards()] == [1]  # answered cards are not open
    pool.close(7, 1)
    assert pool.open_cards() == []
