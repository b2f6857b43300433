"""The operator's own judgement (hmt_sim/judgement.py) on its own: the diffusion against its
closed form, and each factor's direction, with fixed seeds and enough draws for the statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from hmt_sim.judgement import (
    advice_log_odds,
    advice_weight,
    bound,
    criterion,
    deliberate,
    effective_d_prime,
    lethal_caution,
    pair_d_prime,
)

N = 3000


def calls(*, hostile: bool, d: float = 1.5, start: float = 0.0, b: float = 2.0,
          max_s: float = 600.0, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """N judgements: (called hostile, deliberation time)."""
    rng = np.random.default_rng(seed)
    out = [deliberate(rng, hostile=hostile, d_prime=d, look_s=4.0, start=start, bound_b=b,
                      max_s=max_s, dt=0.05) for _ in range(N)]
    return (np.array([c.hostile for c in out]), np.array([c.deliberation_s for c in out]))


def upper_first(start: float, b: float, hostile: bool) -> float:
    """P(the log-odds diffusion reaches +b before -b from ``start``): 2 mu / sigma^2 = s."""
    if hostile:
        return (1 - math.exp(-(start + b))) / (1 - math.exp(-2 * b))
    return (math.exp(start + b) - 1) / (math.exp(2 * b) - 1)


@pytest.mark.parametrize(("hostile", "start"), [(True, 0.0), (True, -1.0), (False, 0.5)])
def test_choice_frequencies_match_the_closed_form(hostile: bool, start: float) -> None:
    said, _ = calls(hostile=hostile, start=start)
    p = upper_first(start, 2.0, hostile)
    # A two-sided binomial test at 0.001: the simulated share is the closed form's.
    assert stats.binomtest(int(said.sum()), N, p).pvalue > 0.001, (said.mean(), p)


def test_a_sharper_eye_is_faster_and_a_higher_bound_more_accurate() -> None:
    _, slow = calls(hostile=True, d=1.0, b=1.5)
    _, fast = calls(hostile=True, d=2.0, b=1.5)
    assert fast.mean() < slow.mean()
    low, _ = calls(hostile=True, b=1.0)
    high, _ = calls(hostile=True, b=3.0)
    assert high.mean() > low.mean() + 0.1


def test_a_bound_in_evidence_units_makes_a_look_alike_pair_less_accurate() -> None:
    hard = bound(3.0, 0.0, 0.5, 0.8, 4.0)
    easy = bound(3.0, 0.0, 0.5, 2.5, 4.0)
    assert upper_first(0.0, hard, True) < upper_first(0.0, easy, True)
    said_hard, _ = calls(hostile=True, d=0.8, b=hard)
    said_easy, _ = calls(hostile=True, d=2.5, b=easy)
    assert said_hard.mean() < said_easy.mean() - 0.1


def test_time_pressure_lowers_the_bound_and_a_deadline_forces_the_call() -> None:
    assert bound(3.0, 1.0, 0.5, 1.5, 4.0) == pytest.approx(bound(3.0, 0.0, 0.5, 1.5, 4.0) / 2)
    rng = np.random.default_rng(2)
    forced = [deliberate(rng, hostile=True, d_prime=0.5, look_s=4.0, start=0.0, bound_b=5.0,
                         max_s=1.0, dt=0.1) for _ in range(200)]
    assert all(c.forced and c.deliberation_s == pytest.approx(1.0) for c in forced)
    assert 0.3 < np.mean([c.hostile for c in forced]) < 0.8  # little evidence: a near coin


def test_advice_beyond_the_bound_decides_at_once() -> None:
    rng = np.random.default_rng(3)
    call = deliberate(rng, hostile=False, d_prime=1.5, look_s=4.0, start=2.5, bound_b=2.0,
                      max_s=30.0, dt=0.1)
    assert call.hostile and call.deliberation_s == 0.0 and not call.forced
    assert call.p_hostile == pytest.approx(1 / (1 + math.exp(-2.5)))


def test_the_belief_adds_the_criterion_back() -> None:
    rng = np.random.default_rng(4)
    call = deliberate(rng, hostile=True, d_prime=1.5, look_s=4.0, start=-1.0, bound_b=2.0,
                      max_s=60.0, dt=0.05, caution=1.0)
    x = 2.0 if call.hostile else -2.0  # it left at a bound (up to one step)
    assert call.p_hostile == pytest.approx(1 / (1 + math.exp(-(x + 1.0))), abs=0.05)


def test_advice_as_each_level_shows_it() -> None:
    kw = {"narrowed_cap": 1.1, "suggestion": 1.4}
    assert advice_log_odds(0.99, "none", **kw) == 0.0
    assert advice_log_odds(None, "all", **kw) == 0.0
    assert advice_log_odds(0.9, "all", **kw) == pytest.approx(math.log(9))
    assert advice_log_odds(0.9, "recommendation", **kw) == pytest.approx(math.log(9))
    assert advice_log_odds(0.99, "narrowed", **kw) == 1.1
    assert advice_log_odds(0.2, "narrowed", **kw) == -1.1
    assert advice_log_odds(0.6, "suggestion", **kw) == 1.4
    assert advice_log_odds(0.1, "suggestion", **kw) == -1.4
    assert advice_log_odds(1.0, "all", **kw) == pytest.approx(math.log(999), rel=1e-6)


def test_weight_of_advice_grows_with_trust_persuasion_and_a_single_suggestion() -> None:
    assert advice_weight(0.5, 0.6, 0.0, 0.5) == pytest.approx(0.3)  # Yaniv's 0.2-0.4
    assert advice_weight(0.9, 0.6, 0.0, 0.5) > advice_weight(0.5, 0.6, 0.0, 0.5)
    assert advice_weight(0.5, 0.6, 1.0, 0.5) == pytest.approx(0.45)  # placebic
    assert advice_weight(0.5, 0.6, 0.0, 0.5, anchor=1.5) == pytest.approx(0.45)


def test_criterion_follows_base_rate_and_caution() -> None:
    assert criterion(0.5, 0.0) == 0.0
    assert criterion(0.2, 0.0) == pytest.approx(math.log(0.25))
    assert criterion(0.5, 1.0) == pytest.approx(-1.0)
    assert criterion(0.2, lethal_caution(0.7, None)) == pytest.approx(math.log(0.25) - 0.7)


def test_pair_d_prime_takes_the_most_alike_listed_pair_in_either_order() -> None:
    table = {"drone/delivery": 1.0, "airliner/drone": 3.0}
    assert pair_d_prime("drone", ["delivery", "airliner"], table, 1.5) == 1.0
    assert pair_d_prime("delivery", ["drone"], table, 1.5) == 1.0
    assert pair_d_prime("missile", ["airliner"], table, 1.5) == 1.5


def test_effective_d_prime_factors() -> None:
    base = {"sensitivity": 1.0, "workload": 0.0, "explanation_quality": 0.0, "eta": 0.5,
            "spoofed": False, "spoofed_factor": 0.5}
    assert effective_d_prime(1.5, **base) == 1.5
    assert effective_d_prime(1.5, **{**base, "sensitivity": 2.0}) == 3.0
    assert effective_d_prime(1.5, **{**base, "explanation_quality": 1.0}) == pytest.approx(
        1.5 / math.sqrt(0.5))
    assert effective_d_prime(1.5, **{**base, "workload": 1.0}) == pytest.approx(1.05)
    assert effective_d_prime(1.5, **{**base, "workload": 0.7}) == 1.5
    assert effective_d_prime(1.5, **{**base, "spoofed": True}) == 0.75
