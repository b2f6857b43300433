"""Authority on its own: hand-built SimPy clocks and schema objects, no run."""

from __future__ import annotations

import simpy

from hmt_sim.authority import Authority
from hmt_sim.autonomy import Protocol
from hmt_sim.scenario.schema import ROE, Autonomy


def make(levels: dict[str, int] | None = None, **roe: object) -> tuple[simpy.Environment,
                                                                       Authority]:
    env = simpy.Environment()
    autonomy = Autonomy() if levels is None else Autonomy(levels=levels)
    return env, Authority(env, autonomy, ROE.model_validate(roe))


def advance(env: simpy.Environment, t: float) -> None:
    env.run(until=t)


def test_levels_come_from_the_scenario_with_defaults_for_unnamed_classes() -> None:
    _, auth = make({"engage": 8})
    assert auth.levels == {"warn": 5, "jam": 5, "engage": 8}
    assert auth.protocol("engage").protocol is Protocol.ON_REQUEST
    assert auth.set_levels({"jam": 6}) == {"warn": 5, "jam": 6, "engage": 8}
    levels = auth.levels
    levels["warn"] = 10  # a copy: changing it changes nothing in force
    assert auth.level("warn") == 5


def test_stop_order_takes_effect_after_the_roe_delay() -> None:
    env, auth = make(kill_switch_s=5.0)
    advance(env, 10.0)
    assert not auth.stop_ordered()
    assert auth.order_stop() == 15.0
    assert auth.stop_ordered() and not auth.stop_in_force()
    advance(env, 15.0)
    assert auth.stop_in_force()


def test_overlapping_comms_losses_end_with_the_last() -> None:
    env, auth = make()
    restored = auth.comms_restored
    auth.lose_comms(30.0)
    advance(env, 10.0)
    auth.lose_comms(50.0)  # now down until t=60
    advance(env, 30.0)
    assert not auth.restore_comms() and not auth.comms_up  # the first outage's end: still down
    advance(env, 60.0)
    assert auth.restore_comms() and auth.comms_up
    assert restored.triggered
    assert auth.comms_restored is not restored  # a fresh event for the next outage
    assert not auth.restore_comms()  # already up


def test_envelope_limits_area_time_and_scale() -> None:
    _, auth = make(envelope={"rect": [0, 0, 10, 10], "t_max_s": 100, "n_max": 2})
    assert auth.in_envelope(5, 5) and not auth.in_envelope(11, 5)
    auth.count_autonomous_force()
    assert auth.in_envelope(5, 5)
    auth.count_autonomous_force()
    assert auth.autonomous_force_count == 2 and not auth.in_envelope(5, 5)
    env2, auth2 = make(envelope={"t_max_s": 100})
    advance(env2, 100.5)
    assert not auth2.in_envelope(0, 0)


def test_roe_change_replaces_the_rules_in_force() -> None:
    _, auth = make(min_review_s=10)
    auth.set_roe(ROE.model_validate({"min_review_s": 3}))
    assert auth.roe.min_review_s == 3


def test_noticing_falls_with_the_degree_of_automation() -> None:
    env = simpy.Environment()
    plain = Authority(env, Autonomy(), ROE())
    staged = Authority(env, Autonomy(stages={"acquisition": 10, "analysis": 10},
                                     doa_effect=0.5), ROE())
    assert plain.noticing(10) == 1.0
    assert staged.noticing(1) > staged.noticing(10)
    assert staged.noticing(10) == 0.5  # full automation at every stage: 1 - 0.5 x 1
