"""Rules of engagement and governance gates (DOMAIN.md s.4).

Two kinds of gate. *Autonomy gates* run when a recommendation is made and may lower the
effective autonomy level (referring the decision to humans): kill switch, human-only rungs,
anti-personnel, category whitelist, envelope, reliability floor, regional bias gap. *Force gates*
run just before force is used and may block it: doubt presumption, proportionality, protected
sites. Each gate that fires is logged with its rule, so the report can say why.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from hmt_sim import actions
from hmt_sim.autonomy import spec
from hmt_sim.scenario.schema import ROE, ContactKind


@dataclass(frozen=True, slots=True)
class GateResult:
    rule: str
    outcome: str  # "referred" (autonomy lowered) | "blocked" (no force)
    detail: str
    level: int | None = None  # the effective level after a referral
    two_person: bool = False


class AssessmentRecord:
    """What blue has learned about its AI from revealed ground truth (last 20 cases overall,
    and false alarms on civilians per region), for the reliability-floor and bias-gap rules."""

    WINDOW = 20
    MIN_CASES = 5

    def __init__(self) -> None:
        self.recent: deque[bool] = deque(maxlen=self.WINDOW)
        self.civilian_cases: dict[str, list[int]] = {}  # region -> [false alarms, cases]

    def add(self, ai_correct: bool, true_civilian: bool, region: str | None) -> None:
        self.recent.append(ai_correct)
        if true_civilian:
            row = self.civilian_cases.setdefault(region or "open", [0, 0])
            row[0] += 0 if ai_correct else 1
            row[1] += 1

    def measured_accuracy(self) -> float | None:
        if len(self.recent) < self.MIN_CASES:
            return None
        return sum(self.recent) / len(self.recent)

    def fpr_gap(self) -> tuple[float, str | None]:
        rates = {r: fa / n for r, (fa, n) in self.civilian_cases.items() if n >= self.MIN_CASES}
        if len(rates) < 2:
            return 0.0, None
        worst = max(rates, key=lambda r: (rates[r], r))
        return max(rates.values()) - min(rates.values()), worst


def autonomy_gates(roe: ROE, *, action: str, level: int, kind: ContactKind, red_rung: int,
                   killed_switch: bool, in_envelope: bool, record: AssessmentRecord,
                   region: str | None, drift_detected: bool) -> list[GateResult]:
    """Gates that refer a decision to humans; the last result's level is the effective level."""
    out: list[GateResult] = []
    lvl = level

    def refer(rule: str, detail: str, to: int, two_person: bool = False) -> None:
        nonlocal lvl
        if lvl > to or two_person:
            lvl = min(lvl, to)
            out.append(GateResult(rule, "referred", detail, lvl, two_person))

    force = actions.is_force(action)
    lethal = actions.is_lethal(action)
    if killed_switch and spec(lvl).autonomous:
        refer("kill_switch", "stop order in force: autonomous action suspended", 5)
    if lethal and roe.human_only_from_rung is not None and (
        red_rung >= roe.human_only_from_rung
    ):
        refer("human_only_rung", f"red at rung {red_rung}: two-person human approval", 5, True)
    if lethal and kind.anti_personnel and roe.no_autonomous_anti_personnel:
        refer("anti_personnel", "no autonomous anti-personnel force", 5)
    if force and roe.autonomous_categories is not None and (
        kind.category not in roe.autonomous_categories
    ):
        refer("category_whitelist", f"{kind.category} is not authorised for autonomy", 5)
    if force and not in_envelope:
        refer("envelope", "outside the authorised area, time or scale", 5)
    measured = record.measured_accuracy()
    if roe.reliability_floor is not None and (
        (measured is not None and measured < roe.reliability_floor) or drift_detected
    ):
        why = "drift detected" if drift_detected else f"measured accuracy {measured:.2f}"
        refer("reliability_floor", f"{why} below floor {roe.reliability_floor:.2f}",
              roe.fallback_level)
    if roe.bias_gap_max is not None:
        gap, worst = record.fpr_gap()
        if gap > roe.bias_gap_max and worst == (region or "open"):
            refer("bias_gap", f"false-alarm gap {gap:.2f} in {worst}", roe.fallback_level)
    return out


def expected_harm(*, density_per_km2: float, cer_m: float, p_lethal: float, p_hostile: float,
                  persons_aboard: int) -> float:
    """E_j = rho(x) pi CER^2 p_lethal + (1 - PPV_j) N_j (DOMAIN.md s.6), CER in metres."""
    cer_km = cer_m / 1000.0
    return density_per_km2 * math.pi * cer_km**2 * p_lethal + (1.0 - p_hostile) * persons_aboard


def force_gates(roe: ROE, *, p_hostile: float, harm_estimate: float, advantage_estimate: float,
                near_protected_site: str | None) -> list[GateResult]:
    """Gates that block force outright. Returns the first that fires (one is enough)."""
    p_civilian = 1.0 - p_hostile
    if roe.doubt_p is not None and p_civilian > roe.doubt_p:
        return [GateResult("doubt", "blocked",
                           f"P(civilian) {p_civilian:.2f} > {roe.doubt_p:.2f}")]
    if roe.proportionality_lambda is not None and (
        harm_estimate > roe.proportionality_lambda * advantage_estimate
    ):
        return [GateResult(
            "proportionality", "blocked",
            f"expected harm {harm_estimate:.2f} > {roe.proportionality_lambda:g} x "
            f"advantage {advantage_estimate:.2f}",
        )]
    if roe.protected_site_gate and near_protected_site:
        return [GateResult("protected_site", "blocked", f"within reach of {near_protected_site}")]
    return []
