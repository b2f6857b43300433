"""The operator's own judgement of a track (docs/MODEL.md s.3a): signal detection from cues,
accumulated over time by a drift-diffusion process, with the AI's advice weighted by trust.

One process gives each human judgement both its time and its error (Bogacz et al. 2006):

- **Evidence.** Looking at a track of true class s (+1 hostile, -1 civilian) gives evidence in
  log-likelihood-ratio units, dL ~ N(s d'^2 / (2 look) dt, d'^2 / look dt), so after ``look_s``
  seconds the operator has reached the signal-detection sensitivity d' of that pair of contact
  kinds (Green & Swets 1966): an observer with sensitivity d' sees a log-likelihood ratio with
  mean +-d'^2/2 and variance d'^2.
- **Start point.** The decision variable starts at the prior log-odds (the briefed base rate),
  minus the criterion the payoffs and ROE set (a stricter rule raises the cost of a false alarm),
  plus the AI's advice in log-odds times the weight of advice w (advice taking: L = L_own +
  w L_AI; Yaniv 2004, Bonaccio & Dalal 2006). A start at or beyond a bound is a mind made up
  by the advice alone: the call is immediate.
- **Bounds.** The operator stops when the raw evidence reaches a bound a (so in log-odds
  B = a d' / sqrt(look): a look-alike pair gives both slower and less accurate calls); time
  pressure lowers it (a speed-accuracy trade-off), and at the deadline the call is forced by the
  sign.

Everything here is a pure function of its arguments and a NumPy generator: the engine and
the calibration (``hmt-sim calibrate``) share it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hmt_sim.logodds import logit, sigmoid

if TYPE_CHECKING:
    from hmt_sim.scenario.schema import HumanJudgement

MAX_ADVICE_LOG_ODDS = logit(0.999)  # a shown probability is read to at most 99.9 %
BLOCK = 64  # diffusion increments drawn at a time (a judgement rarely needs more)
OVERSHOOT = 0.5826  # mean overshoot of a Gaussian walk over a bound, in step sds (Siegmund)


@dataclass(frozen=True, slots=True)
class HumanCall:
    """The outcome of one judgement: the call, the belief behind it, how long it took, and
    whether the deadline forced it before the evidence was conclusive."""

    hostile: bool
    p_hostile: float  # the operator's belief that the track is hostile when deciding
    deliberation_s: float  # time spent on the evidence (0: the advice alone decided)
    forced: bool  # the time ran out first; the call went by the sign of the evidence
    start: float  # the decision variable's start (prior - criterion + weighted advice)
    d_prime: float  # the effective sensitivity this judgement had


def pair_d_prime(kind: str, other_kinds: list[str], table: Mapping[str, float],
                 default: float) -> float:
    """Sensitivity d' for telling ``kind`` from the most alike kind of the other class present:
    the smallest d' over the pairs ``"a/b"`` (either order) in ``table``, else ``default``."""
    found = [table[key] for other in other_kinds
             for key in (f"{kind}/{other}", f"{other}/{kind}") if key in table]
    return min(found) if found else default


def effective_d_prime(base: float, *, sensitivity: float, workload: float,
                      explanation_quality: float, eta: float, spoofed: bool,
                      spoofed_factor: float, overload_from: float = 0.7) -> float:
    """The sensitivity of one judgement: the pair's d' times the operator's own sharpness;
    explanations make looking cheaper (the same evidence in (1 - eta Eq) of the time, so d'
    grows by 1/sqrt(1 - eta Eq)); overload above ~70 % utilisation blunts it (Cummings &
    Guerlain 2007); spoofing degrades the shared sensor picture."""
    d = base * sensitivity
    if explanation_quality > 0 and eta > 0:
        d /= math.sqrt(max(1e-6, 1.0 - eta * explanation_quality))
    overload = max(0.0, workload - overload_from) / (1.0 - overload_from)
    d *= 1.0 - 0.3 * min(1.0, overload)
    if spoofed:
        d *= spoofed_factor
    return max(0.0, d)


def advice_log_odds(p_hostile: float | None, shown: str, *, narrowed_cap: float,
                    suggestion: float) -> float:
    """The AI's advice in log-odds as the screen shows it (Sheridan & Verplank 1978):
    ``none`` (level 1: not consulted) 0; ``all`` (level 2: every class with its probability) and
    ``recommendation`` (5+: the call and its confidence) the full log-odds; ``narrowed`` (level
    3: the likely class, no figure) capped at ``narrowed_cap``; ``suggestion`` (level 4: one
    action, no figure) a fixed ``suggestion`` in the suggested direction."""
    if p_hostile is None or shown == "none":
        return 0.0
    full = max(-MAX_ADVICE_LOG_ODDS, min(MAX_ADVICE_LOG_ODDS, logit(min(max(p_hostile, 1e-9),
                                                                        1 - 1e-9))))
    if shown == "narrowed":
        return max(-narrowed_cap, min(narrowed_cap, full))
    if shown == "suggestion":
        return math.copysign(suggestion, full) if full != 0 else 0.0
    return full


def criterion(prior_hostile: float, caution: float) -> float:
    """The start of the decision variable before advice: prior log-odds minus the criterion
    ``caution`` = ln(cost FA / cost miss) (SDT's ln beta; ``lethal_caution`` for lethal
    force, 0 otherwise)."""
    return logit(prior_hostile) - caution


def lethal_caution(base: float, doubt_p: float | None) -> float:
    """ln(cost of a false alarm / cost of a miss) for lethal force: ``base``, raised to
    logit(1 - doubt_p) when the ROE's doubt rule is stricter (no force if P(civilian) > it)."""
    if doubt_p is not None and 0.0 < doubt_p < 1.0:
        return max(base, logit(1.0 - doubt_p))
    return base


def bound(evidence_bound: float, pressure: float, drop: float, d_prime: float,
          look_s: float) -> float:
    """The decision bound B in log-odds. The operator stops when the raw evidence reaches
    +-``evidence_bound`` (in units of its noise after one second), which is B = a d' / sqrt(look)
    in log-odds: a harder pair (lower d') gives a lower B, so more errors as well as more time.
    Time pressure (0 none, 1 no time to look) lowers it by up to ``drop``."""
    a = evidence_bound * (1.0 - drop * min(1.0, max(0.0, pressure)))
    return max(0.0, a * d_prime / math.sqrt(look_s))


def deliberate(rng: np.random.Generator, *, hostile: bool, d_prime: float, look_s: float,
               start: float, bound_b: float, max_s: float, dt: float, caution: float = 0.0
               ) -> HumanCall:
    """Run the diffusion until it leaves (-B, B) or ``max_s`` runs out (a forced call by the
    sign). Draws the increments from ``rng`` in blocks of ``BLOCK``. The decision variable is
    the posterior log-odds minus ``caution`` (the criterion already in ``start``), so the
    belief reported is sigmoid(x + caution)."""
    if start >= bound_b or start <= -bound_b or max_s <= 0:
        return HumanCall(start > 0, sigmoid(start + caution), 0.0,
                         max_s <= 0 and abs(start) < bound_b, start, d_prime)
    s = 1.0 if hostile else -1.0
    mean = s * d_prime * d_prime / (2.0 * look_s) * dt
    sd = d_prime * math.sqrt(dt / look_s)
    # A walk in steps overshoots a bound by about 0.5826 sd on average (Siegmund 1979;
    # the continuity correction of Broadie, Glasserman & Kou 1997): bounds drawn in by that
    # much give the continuous process's choice probabilities whatever the step.
    bound_b = max(1e-9, bound_b - OVERSHOOT * sd)
    if start >= bound_b or start <= -bound_b:
        return HumanCall(start > 0, sigmoid(start + caution), dt, False, start, d_prime)
    x, t = start, 0.0
    low = -bound_b
    steps_left = max(1, math.ceil(max_s / dt))
    while steps_left > 0:
        n = min(BLOCK, steps_left)
        # The walk x + cumsum(mean + sd * z), checked in Python floats up to the first step
        # out: the same sums, for a fraction of the cost of NumPy's calls on the whole block
        # (a judgement mostly leaves it early).
        sums = np.add.accumulate(mean + sd * rng.standard_normal(n)).tolist()
        for i, total in enumerate(sums):
            path = x + total
            if path >= bound_b or path <= low:
                return HumanCall(path > 0, sigmoid(path + caution),
                                 min(t + (i + 1) * dt, max_s), False, start, d_prime)
        x = x + sums[-1]
        t += n * dt
        steps_left -= n
    return HumanCall(x > 0, sigmoid(x + caution), min(t, max_s), True, start, d_prime)


def advice_weight(trust: float, max_weight: float, persuasion: float,
                  explanation_quality: float, anchor: float = 1.0) -> float:
    """Weight of advice w: more trust, more weight (Yaniv 2004: typically 0.2-0.4);
    explanations add weight whatever their accuracy (placebic, Bansal et al. 2021; Eiband et
    al. 2019); a single suggestion anchors (``anchor`` > 1 at level 4)."""
    return max_weight * trust * (1.0 + persuasion * explanation_quality) * anchor


def own_call(rng: np.random.Generator, j: HumanJudgement, *, hostile: bool, d_prime: float,
             workload: float, spoofed: bool, p_ai: float | None, shown: str, trust: float,
             explanation_quality: float = 0.0, eta: float = 0.0, persuasion: float = 0.0,
             lethal: bool = False, doubt_p: float | None = None, pressure: float = 0.0,
             max_s: float) -> HumanCall:
    """An operator's own look at a track, from sensitivity to call: the d' the conditions
    leave, the advice as shown weighted by trust, the caution lethal force asks, the bound
    time pressure leaves, then the diffusion. One place for every judgement the engine makes
    (a review's, and a second look at a track the AI called civilian)."""
    d = effective_d_prime(d_prime, sensitivity=j.sensitivity, workload=workload,
                          explanation_quality=explanation_quality, eta=eta, spoofed=spoofed,
                          spoofed_factor=j.spoofed_factor)
    advice = advice_log_odds(p_ai, shown, narrowed_cap=j.narrowed_cap,
                             suggestion=j.suggestion_log_odds)
    weight = advice_weight(trust, j.advice_weight, persuasion, explanation_quality,
                           j.suggestion_anchor if shown == "suggestion" else 1.0)
    caution = lethal_caution(j.lethal_caution, doubt_p) if lethal else 0.0
    start = criterion(j.prior_hostile, caution) + weight * advice
    b = bound(j.evidence_bound, pressure, j.pressure_bound_drop, d, j.look_s)
    return deliberate(rng, hostile=hostile, d_prime=d, look_s=j.look_s, start=start,
                      bound_b=b, max_s=max_s, dt=j.step_s, caution=caution)
