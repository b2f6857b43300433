"""The reviews a person answered in a live session, as the operator model saw each card.

A session file holds only the people's inputs; replaying it (``hmt_sim.sessionfile``) gives
the run again, and with it everything the operator model's three parts depend on (docs/MODEL.md
s.5): the card as the person saw it (the crew's review cards, which
``Session.pending_decisions`` shows: the AI's label and confidence, the level, the action), the
seat's state when the review started (``workload``, ``deadline_s`` and ``time_needed_s`` in
``review_started``; the trust components from the last ``trust`` event), the truth
(``spawn``) and what the person did (``review_ended``: outcome, duration, whether they
inspected).

A review counts when a person in a human seat answered it: an approval or a veto (``by:
person``), or a screening call at levels 1-4 (``act`` or ``leave``). Timeouts are left out;
the review-time fit accounts for them as a truncation (a reading slower than the time left is
never an answer).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import hmt_sim.plugins  # noqa: F401  (first: importing hmt_sim.judgement alone is a cycle)
from hmt_sim import actions
from hmt_sim.autonomy import MANUAL_RELIANCE, degree_of_automation, spec
from hmt_sim.judgement import (
    advice_log_odds,
    advice_weight,
    bound,
    effective_d_prime,
    pair_d_prime,
)
from hmt_sim.plugins.classify import logit
from hmt_sim.plugins.review import OVERLOAD_FROM, shown_advice
from hmt_sim.scenario.schema import ROE, Scenario

ANSWERS = {"approve": True, "veto": False, "act": True, "leave": False}
"""A person's answer and whether it calls the track hostile (approve / act on it)."""


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    """One review a person answered, with what the operator model needs to explain it.

    ``offset`` is the automation-bias logit without b0; ``reliance`` and ``noticing`` the
    level's factors; ``start`` the judgement's starting log-odds; ``bound_per_sensitivity``
    and ``step_per_sensitivity`` the diffusion's bound B and step spread at sensitivity 1
    (both grow in proportion to it)."""

    session: int
    decision: int
    track: int
    operator: int
    t: float
    purpose: str
    answer: str
    duration_s: float
    verified: bool
    call_hostile: bool
    truth_hostile: bool
    label: str
    confidence: float
    level: int
    lethal: bool
    workload: float
    overload: float
    time_available_s: float
    time_left_s: float  # until the deadline or the session's end: a longer reading times out
    pressure: float
    trust: float
    offset: float
    reliance: float
    noticing: float
    start: float
    bound_per_sensitivity: float
    step_per_sensitivity: float


@dataclass(frozen=True, slots=True)
class SessionReviews:
    """The reviews of one session file, and where they came from."""

    path: str
    scenario: Scenario
    seed: int
    human_seats: tuple[int, ...]
    reviews: tuple[ReviewRecord, ...]
    notice: str | None = None  # a torn last line was dropped (the program stopped mid-write)


@dataclass
class _State:
    """What the log has said so far that a card depends on."""

    kinds: dict[int, str]
    hostile: dict[int, bool]
    region: dict[int, str | None]
    trust: dict[int, tuple[float, float]]
    roe: ROE
    spoofed_regions: list[str | None]


Cards = Mapping[tuple[int, int], Mapping[str, Any]]
"""(decision, seat) -> what the card showed: action, level, label, confidence."""


def collect(path: str | os.PathLike[str], index: int = 0) -> SessionReviews:
    """Replay the session file at ``path`` to where it ends and collect its answered reviews.
    A damaged file, or an input the engine refuses, is the located ``InputError`` that
    ``hmt-sim replay`` gives. The cards are read as the person saw them (the crew's review
    cards, what ``Session.pending_decisions`` shows) while the replay runs."""
    from hmt_sim import sessionfile

    record = sessionfile.read(path)
    scenario = record.scenario()
    session = record.session(scenario)
    cards: dict[tuple[int, int], Mapping[str, Any]] = {}

    def look(_event: Mapping[str, Any]) -> None:
        # A card opens right after its review_started and is still held (answered or not)
        # when the next event is logged: a decide input logs one before the card closes.
        for (decision, seat), card in session.model.crew.pending.items():
            if (decision, seat) not in cards:
                d = card.decision
                cards[(decision, seat)] = {"action": d.action, "level": d.level,
                                           "label": d.cls.label,
                                           "confidence": d.cls.confidence}

    session.model.log.subscribe(look)
    sessionfile.replay_to(session, record, record.resume_time)
    crew = session.model.crew
    humans = tuple(i for i, op in enumerate(crew) if op.human)
    priors = {i: op.trust_spec.alpha0 / (op.trust_spec.alpha0 + op.trust_spec.beta0)
              for i, op in enumerate(crew)}
    reviews = reviews_from_events(session.events, cards, scenario, humans, priors,
                                  end_s=session.now, session=index)
    return SessionReviews(os.fspath(path), scenario, record.seed, humans, tuple(reviews),
                          record.torn_notice("is calibrated"))


def reviews_from_events(events: Iterable[Mapping[str, Any]], cards: Cards, scenario: Scenario,
                        human_seats: tuple[int, ...], trust_priors: Mapping[int, float],
                        end_s: float, session: int = 0) -> list[ReviewRecord]:
    """The answered reviews of human seats in an event log, in the order they ended."""
    state = _State({}, {}, {}, {}, scenario.roe, [])
    started: dict[tuple[int, int], tuple[Mapping[str, Any], dict[str, Any]]] = {}
    out: list[ReviewRecord] = []
    for ev in events:
        kind = ev["kind"]
        _observe(state, ev)
        key = (ev.get("decision", -1), ev.get("operator", -1))
        if kind == "review_started" and ev["operator"] in human_seats and key in cards \
                and ev.get("purpose") != "inform":
            started[key] = (ev, _card(state, ev, cards[key], trust_priors))
        elif kind == "review_ended" and ev.get("outcome") in ANSWERS:
            begun = started.pop(key, None)
            if begun is not None:
                out.append(_record(scenario, session, begun[0], begun[1], ev, state, end_s))
    return out


def _observe(state: _State, ev: Mapping[str, Any]) -> None:
    """Update what the log has told so far."""
    kind = ev["kind"]
    track = ev.get("track")
    if track is not None and "region" in ev:
        state.region[track] = ev["region"]
    if kind == "spawn" and track is not None:
        state.kinds[track] = ev["contact_kind"]
        state.hostile[track] = ev["true_class"] == "hostile"
    elif kind == "trust" and "compliance" in ev:
        for seat in ev.get("operators") or [ev["operator"]]:  # older logs: one per seat
            state.trust[seat] = (float(ev["compliance"]), float(ev["reliance"]))
    elif kind == "inject" and ev.get("inject") == "roe_change":
        changes = (ev.get("params") or {}).get("changes") or {}
        state.roe = ROE.model_validate({**state.roe.model_dump(), **changes})
    elif kind == "inject" and ev.get("inject") == "spoofing":
        state.spoofed_regions.append((ev.get("params") or {}).get("region"))


def _card(state: _State, ev: Mapping[str, Any], shown: Mapping[str, Any],
          priors: Mapping[int, float]) -> dict[str, Any]:
    """What the card showed and the seat's state when the review started: the trust
    component of the card's label (the last ``trust`` event, or the seat's prior), the ROE's
    doubt threshold in force, and whether spoofing covers the region the track was last
    seen in."""
    track = ev["track"]
    label = str(shown["label"])
    prior = priors.get(ev["operator"], 0.5)
    compliance, reliance = state.trust.get(ev["operator"], (prior, prior))
    region = state.region.get(track)
    return {
        "level": int(shown["level"]), "label": label,
        "confidence": float(shown["confidence"]),
        "lethal": actions.get(str(shown["action"])).lethal,
        "trust": compliance if label == "hostile" else reliance,
        "doubt_p": state.roe.doubt_p,
        "spoofed": any(r is None or r == region for r in state.spoofed_regions),
    }


def _record(sc: Scenario, session: int, begun: Mapping[str, Any], card: Mapping[str, Any],
            ended: Mapping[str, Any], state: _State, end_s: float) -> ReviewRecord:
    """One review, with the automation-bias offset and the judgement's start and bound
    worked out with the scenario's operator model (``ModelOperator.review``)."""
    ops = sc.operators
    v, j = ops.verification, ops.judgement
    track, level = begun["track"], card["level"]
    t0 = float(begun["t"])
    workload = float(begun.get("workload", 0.0))
    available = max(0.0, float(begun["deadline_s"]) - t0)
    eq = sc.ai.explanation_quality if spec(level).shows_advice else 0.0
    t_verify = float(begun.get("time_needed_s", v.t0_s * (1.0 - v.eta * eq)))
    pressure = 1.0 - min(1.0, available / t_verify) if t_verify > 0 else 0.0
    lethal = bool(card["lethal"])
    offset = (v.b_trust * card["trust"] + v.b_workload * workload + v.b_pressure * pressure
              - v.b_accountability * (1.0 if ops.accountability_prompt else 0.0)
              - v.b_explanation * eq - v.b_lethal * (1.0 if lethal else 0.0))
    stages = sc.autonomy.stages
    noticing = 1.0 if stages is None else 1.0 - sc.autonomy.doa_effect * degree_of_automation(
        (stages.acquisition, stages.analysis, level, level))
    kinds = sc.kinds
    kind = state.kinds.get(track, "")
    own = kinds[kind].true_class if kind in kinds else ""
    pair = pair_d_prime(kind, [o for o, k in kinds.items() if k.true_class != own],
                        j.d_prime, j.d_prime_default)
    d_unit = effective_d_prime(pair, sensitivity=1.0, workload=workload,
                               explanation_quality=eq, eta=v.eta, spoofed=card["spoofed"],
                               spoofed_factor=j.spoofed_factor, overload_from=OVERLOAD_FROM)
    shown = shown_advice(level)
    p_ai = card["confidence"] if card["label"] == "hostile" else 1.0 - card["confidence"]
    advice = advice_log_odds(p_ai, shown, narrowed_cap=j.narrowed_cap,
                             suggestion=j.suggestion_log_odds)
    weight = advice_weight(card["trust"], j.advice_weight, j.persuasion, eq,
                           j.suggestion_anchor if shown == "suggestion" else 1.0)
    caution = 0.0
    doubt_p = card["doubt_p"]
    if lethal:
        caution = j.lethal_caution
        if doubt_p is not None and 0.0 < doubt_p < 1.0:
            caution = max(caution, logit(1.0 - doubt_p))
    start = logit(j.prior_hostile) - caution + weight * advice
    answer = str(ended["outcome"])
    return ReviewRecord(
        session=session, decision=int(begun["decision"]), track=int(track),
        operator=int(begun["operator"]), t=t0, purpose=str(begun.get("purpose", "approval")),
        answer=answer, duration_s=float(ended["duration_s"]),
        verified=bool(ended.get("verified")), call_hostile=ANSWERS[answer],
        truth_hostile=state.hostile.get(track, False), label=str(card["label"]),
        confidence=float(card["confidence"]), level=int(level), lethal=lethal,
        workload=workload, overload=max(0.0, workload - OVERLOAD_FROM) / (1.0 - OVERLOAD_FROM),
        time_available_s=available,
        time_left_s=max(0.0, min(float(begun["deadline_s"]), end_s) - t0),
        pressure=pressure, trust=float(card["trust"]), offset=offset,
        reliance=MANUAL_RELIANCE.get(level, 1.0), noticing=noticing, start=start,
        bound_per_sensitivity=bound(j.evidence_bound, pressure, j.pressure_bound_drop, d_unit,
                                    j.look_s),
        step_per_sensitivity=d_unit * math.sqrt(j.step_s / j.look_s),
    )
