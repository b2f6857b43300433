"""The six stylised facts of DOMAIN.md section 8, as statistical tests over paired seeds.

Every comparison runs both settings on the same seed list, so the world (contacts, their tracks,
the AI's errors on each contact) is the same in each pair (common random numbers) and the test is
a paired one: a one-sided Wilcoxon signed-rank test on the per-seed differences at alpha = 0.01,
unless a test says otherwise. Parameters are DOMAIN.md defaults; the two validation scenarios
beside this file say where and why they differ. docs/MODEL.md reports the effect sizes.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from hmt_sim.metrics import flatten
from hmt_sim.scenario import load_scenario
from hmt_sim.session import simulate

pytestmark = [pytest.mark.validation, pytest.mark.slow]

HERE = Path(__file__).parent
AIR = str(HERE / "air_defence.yaml")
TRUST = str(HERE / "trust_dynamics.yaml")
ALPHA = 0.01


def _plain(value: Any) -> Any:
    """A tuple of pairs (hashable, for the cache) back to a mapping, at any depth."""
    if isinstance(value, tuple):
        return {k: _plain(v) for k, v in value}
    return value


def _one(args: tuple[str, tuple[tuple[str, Any], ...], int]) -> dict[str, Any]:
    path, overrides, seed = args
    # Overrides arrive hashable (for the cache): a tuple of pairs stands for a mapping.
    plain = {k: _plain(v) for k, v in overrides}
    res = simulate(load_scenario(path, overrides=plain), seed=seed)
    row = flatten(res.metrics)
    effects = [e for e in res.events if e["kind"] == "effect" and e["action"] == "engage"]
    row["wrongful_in_town"] = sum(1 for e in effects if e["target_civilian"]
                                  and e.get("region") == "town")
    ts = res.timeseries
    row["mean_rung_sum"] = float((ts["rung_red"] + ts["rung_blue"]).mean())
    row.update(_judgement_row(res.events))
    if path == TRUST:
        row["trust"] = ts["trust"].to_numpy()
        row["accuracy"] = ts["ai_accuracy"].to_numpy()
        row["t"] = ts["t"].to_numpy()
    return row


def _judgement_row(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-run figures of the operator's own judgement (facts 7-10), from the event log."""
    recs = {e["decision"]: e for e in events if e["kind"] == "recommendation"}
    compliance: dict[int, float] = {}
    for e in events:
        if e["kind"] == "trust":
            for seat in e["operators"]:
                compliance[seat] = e["compliance"]
    response, calls, correct, durations = [], 0, 0, []
    wrong_reviewed = wrong_approved = engage_reviews = engage_verified = ignored = alarms = 0
    for e in events:
        if e["kind"] != "review_ended" or e["purpose"] not in ("approval", "veto"):
            continue
        rec = recs.get(e["decision"])
        if rec is None or rec["action"] != "engage":
            continue
        if not rec["ai_wrong"]:
            # A true alarm: how long the operator took to act on it, or ignored (vetoed or
            # let time out).
            if e["outcome"] in ("approve", "no_veto"):
                response.append(e["duration_s"])
            elif e["purpose"] == "approval":
                ignored += 1
            alarms += e["purpose"] == "approval"
        if e["purpose"] == "approval" and e["outcome"] in ("approve", "veto"):
            engage_reviews += 1
            engage_verified += bool(e["verified"])
            if rec["ai_wrong"]:
                wrong_reviewed += 1
                wrong_approved += e["outcome"] == "approve"
        if e["outcome"] in ("approve", "veto", "no_veto"):
            calls += 1
            correct += (e["outcome"] == "veto") == rec["ai_wrong"]
            durations.append(e["duration_s"])
    return {
        "compliance": float(np.mean(list(compliance.values()))) if compliance else np.nan,
        "true_alarm_response_s": float(np.mean(response)) if response else np.nan,
        "true_alarms_ignored": ignored / alarms if alarms else np.nan,
        "human_call_accuracy": correct / calls if calls else np.nan,
        "human_call_time_s": float(np.mean(durations)) if durations else np.nan,
        "engage_verify_rate": engage_verified / engage_reviews if engage_reviews else np.nan,
        "wrong_reviewed": wrong_reviewed,
        "wrong_approved": wrong_approved,
    }


@cache
def runs(path: str, overrides: tuple[tuple[str, Any], ...], n: int) -> list[dict[str, Any]]:
    """Metrics of seeds 1..n, run on two processes (fork where the platform has it)."""
    # multiprocessing.Pool forks all its workers up front, before it starts its own threads.
    ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ctx.Pool(2) as pool:
        return pool.map(_one, [(path, overrides, s) for s in range(1, n + 1)], chunksize=4)


def col(rows: list[dict[str, Any]], key: str) -> np.ndarray:
    return np.array([np.nan if r[key] is None else r[key] for r in rows], dtype=float)


def say(fact: str, text: str) -> None:
    """Print a fact's measured effect (shown with ``pytest -s``; docs/MODEL.md s.12 quotes it)."""
    print(f"\nfact {fact}: {text}")


def greater(x: np.ndarray, y: np.ndarray) -> float:
    """p-value of a one-sided paired Wilcoxon signed-rank test that x > y."""
    return float(stats.wilcoxon(x, y, alternative="greater", zero_method="zsplit").pvalue)


def test_fact1_autonomy_under_time_pressure_reduces_leakers():
    """Raising autonomy under time pressure reduces leakers (the benefit side)."""
    n = 40
    at5 = runs(AIR, (("autonomy.level", 5),), n)
    at8 = runs(AIR, (("autonomy.level", 8),), n)
    l5, l8 = col(at5, "mission.leakers"), col(at8, "mission.leakers")
    say("1 leakers", f"{l5.mean():.2f} -> {l8.mean():.2f} (p = {greater(l5, l8):.1g})")
    assert l5.mean() > l8.mean()
    assert greater(l5, l8) < ALPHA


def test_fact2_low_reliability_autonomy_raises_wrongful_engagements_and_harm():
    """With reliability 0.6, autonomy 8 instead of 5 raises wrongful engagements and civilian
    harm; at 0.95 the gap narrows."""
    n = 80
    low5 = runs(AIR, (("ai.reliability", 0.6), ("autonomy.level", 5)), n)
    low8 = runs(AIR, (("ai.reliability", 0.6), ("autonomy.level", 8)), n)
    high5 = runs(AIR, (("ai.reliability", 0.95), ("autonomy.level", 5)), n)
    high8 = runs(AIR, (("ai.reliability", 0.95), ("autonomy.level", 8)), n)
    w = "harm.wrongful_engagements"
    assert greater(col(low8, w), col(low5, w)) < ALPHA
    assert greater(col(low8, "harm.civilian_casualties"),
                   col(low5, "harm.civilian_casualties")) < ALPHA
    gap_low = col(low8, w) - col(low5, w)
    gap_high = col(high8, w) - col(high5, w)
    c = "harm.civilian_casualties"
    say("2 low reliability", f"wrongful {col(low5, w).mean():.2f} -> {col(low8, w).mean():.2f} "
        f"(p = {greater(col(low8, w), col(low5, w)):.1g}); casualties {col(low5, c).mean():.1f} "
        f"-> {col(low8, c).mean():.1f} (p = {greater(col(low8, c), col(low5, c)):.1g}); gap "
        f"{gap_low.mean():.2f} at 0.6 vs {gap_high.mean():.2f} at 0.95 (p = "
        f"{greater(gap_low, gap_high):.1g})")
    assert gap_low.mean() > gap_high.mean() >= 0
    assert greater(gap_low, gap_high) < 0.05  # the narrowing is the weaker effect: alpha 0.05


def test_fact3_short_veto_windows_erode_meaningful_review():
    """Shorter veto windows lower the meaningful review rate (and the catch rate of errors)."""
    n = 30
    short = runs(AIR, (("autonomy.levels.engage", 6), ("autonomy.veto_window_s", 3)), n)
    long_ = runs(AIR, (("autonomy.levels.engage", 6), ("autonomy.veto_window_s", 30)), n)
    m = "control.meaningful_review_rate"
    w = "harm.wrongful_engagements"
    say("3a veto windows", f"meaningful review {np.nanmean(col(long_, m)):.2f} -> "
        f"{np.nanmean(col(short, m)):.2f} (p = {greater(col(long_, m), col(short, m)):.1g}); "
        f"wrongful {col(long_, w).mean():.2f} -> {col(short, w).mean():.2f} (p = "
        f"{greater(col(short, w), col(long_, w)):.1g})")
    assert greater(col(long_, m), col(short, m)) < ALPHA
    assert greater(col(short, "harm.wrongful_engagements"),
                   col(long_, "harm.wrongful_engagements")) < ALPHA


def test_fact3_higher_workload_raises_rubber_stamps_and_commission_errors():
    """One operator instead of four: more rubber stamps, fewer meaningful reviews, and a higher
    pooled commission-error rate (approved force on civilians / approved force)."""
    n = 60
    busy = runs(AIR, (("autonomy.level", 5), ("operators.count", 1)), n)
    calm = runs(AIR, (("autonomy.level", 5), ("operators.count", 4)), n)
    assert col(busy, "human.utilisation_mean").mean() > 2 * col(calm, "human.utilisation_mean"
                                                               ).mean()
    rs, mr = "control.rubber_stamp_rate", "control.meaningful_review_rate"
    say("3b workload", f"utilisation {col(calm, 'human.utilisation_mean').mean():.2f} -> "
        f"{col(busy, 'human.utilisation_mean').mean():.2f}; rubber stamps "
        f"{np.nanmean(col(calm, rs)):.2f} -> {np.nanmean(col(busy, rs)):.2f} (p = "
        f"{greater(col(busy, rs), col(calm, rs)):.1g}); meaningful review "
        f"{np.nanmean(col(calm, mr)):.2f} -> {np.nanmean(col(busy, mr)):.2f}")
    assert greater(col(busy, "control.rubber_stamp_rate"),
                   col(calm, "control.rubber_stamp_rate")) < ALPHA
    assert greater(col(calm, "control.meaningful_review_rate"),
                   col(busy, "control.meaningful_review_rate")) < ALPHA

    def pooled(rows: list[dict[str, Any]]) -> float:
        rate = col(rows, "control.commission_error_rate")
        approved = col(rows, "control.uses_of_force") * col(rows,
                                                            "control.human_authorisation_rate")
        ok = ~np.isnan(rate)
        return float((rate[ok] * approved[ok]).sum() / approved[ok].sum())

    assert pooled(busy) > pooled(calm)


def test_fact4_regional_bias_concentrates_harm_in_that_region():
    """A false-positive-rate bias (x3) in the town concentrates wrongful strikes there."""
    n = 40
    fair = runs(AIR, (("autonomy.level", 8),), n)
    biased = runs(AIR, (("autonomy.level", 8), ("ai.region_bias", (("town", 3.0),))), n)
    say("4 regional bias", f"wrongful in town {col(fair, 'wrongful_in_town').mean():.2f} -> "
        f"{col(biased, 'wrongful_in_town').mean():.2f} (p = "
        f"{greater(col(biased, 'wrongful_in_town'), col(fair, 'wrongful_in_town')):.1g})")
    assert greater(col(biased, "wrongful_in_town"), col(fair, "wrongful_in_town")) < ALPHA
    share_fair = col(fair, "wrongful_in_town").sum() / col(fair, "harm.wrongful_engagements").sum()
    share_biased = col(biased, "wrongful_in_town").sum() / col(
        biased, "harm.wrongful_engagements").sum()
    assert share_biased > share_fair + 0.05


def test_fact5_trust_lags_deception_then_falls_faster_than_it_recovers():
    """After a silent degradation, trust stays above the AI's true accuracy for a while
    (over-trust), then falls; after the repair it climbs back more slowly than it fell."""
    rows = runs(TRUST, (), 24)
    t = rows[0]["t"]

    def at(row: dict[str, Any], key: str, when: float) -> float:
        return float(row[key][np.searchsorted(t, when)])

    lag = np.array([at(r, "trust", 860) - at(r, "accuracy", 860) for r in rows])
    # Trust is still well above the degraded accuracy: above it in every run, and by more than
    # 0.1 in the typical run (signed-rank test). (The share of runs above 0.1 moves with the
    # exact event times: 23/24 with the 1 s world tick, 21/24 without it, mean lag 0.19 both.)
    assert (lag > 0).all(), "trust should still be above the degraded accuracy"
    assert greater(lag, np.full_like(lag, 0.1)) < ALPHA, "trust should be well above it"
    # Equal windows (700 s) after the degradation and after the repair.
    fall = np.array([at(r, "trust", 860) - at(r, "trust", 1560) for r in rows])
    rise = np.array([at(r, "trust", 2340) - at(r, "trust", 1640) for r in rows])
    say("5 trust lag", f"lag {lag.mean():.2f} (> 0.1 in {(lag > 0.1).mean():.0%}, p = "
        f"{greater(lag, np.full_like(lag, 0.1)):.1g}); fall "
        f"{fall.mean():.2f} vs rise {rise.mean():.2f} (p = {greater(fall, rise):.1g})")
    assert fall.mean() > 0 and rise.mean() > 0
    assert greater(fall, rise) < ALPHA


def test_fact6_wrongful_engagements_cause_inadvertent_steps_amplified_by_hair_trigger():
    """Inadvertent escalation steps come only with wrongful engagements, and a hair-trigger
    reaction gain (0.6) turns the escalation they cause into more rungs than a stable one."""
    n = 40
    stable = runs(AIR, (("autonomy.level", 8), ("ai.reliability", 0.75)), n)
    for row in stable:
        if row["harm.wrongful_engagements"] == 0:
            assert row["escalation.inadvertent_steps"] == 0
    rho = stats.spearmanr(col(stable, "harm.wrongful_engagements"),
                          col(stable, "escalation.inadvertent_steps"))
    assert rho.statistic > 0.3 and rho.pvalue < ALPHA
    # Amplification: the other side answers an inadvertent step (and that answer, traced to
    # the same wrongful strike, is inadvertent too) more often under the hair-trigger gain.
    def inadvertent(gain: float) -> np.ndarray:
        base = (("autonomy.level", 8), ("ai.reliability", 0.75), ("escalation.gain", gain))
        return col(runs(AIR, base, n), "escalation.inadvertent_steps")

    calm, hair = inadvertent(0.3), inadvertent(0.6)
    say("6 inadvertent", f"Spearman {rho.statistic:.2f}; steps {calm.mean():.2f} at 0.3 vs "
        f"{hair.mean():.2f} at 0.6 (p = {greater(hair, calm):.1g})")
    assert hair.mean() > calm.mean() > 0
    assert greater(hair, calm) < ALPHA


def test_degree_of_automation_lowers_the_catching_of_ai_errors():
    """DOMAIN.md s.1 (Onnasch et al. 2014, direction): with the acquisition and analysis stages
    automated (level 7), operators approving at level 5 catch fewer of the AI's wrong calls than
    when those stages are manual (level 1), on the same seeds."""
    n = 60
    base = (("autonomy.level", 5), ("ai.reliability", 0.6))
    manual = runs(AIR, (*base, ("autonomy.stages", (("acquisition", 1), ("analysis", 1)))), n)
    automated = runs(AIR, (*base, ("autonomy.stages", (("acquisition", 7), ("analysis", 7)))), n)
    caught = "control.override_of_wrong_rate"
    a, m = col(automated, caught), col(manual, caught)
    both = ~(np.isnan(a) | np.isnan(m))
    assert both.sum() >= 40
    say("DOA", f"wrong calls vetoed {m[both].mean():.2f} (stages manual) vs "
        f"{a[both].mean():.2f} (automated), p = {greater(m[both], a[both]):.1g}")
    assert m[both].mean() > a[both].mean()
    assert greater(m[both], a[both]) < ALPHA


# ---------------------------------------------------------------- the operator's own judgement
def errors(rows: list[dict[str, Any]]) -> np.ndarray:
    """Wrong outcomes per run: wrongful engagements plus leakers."""
    return col(rows, "harm.wrongful_engagements") + col(rows, "mission.leakers")


def test_fact7_level1_is_unaided_reliability_cannot_change_it():
    """At level 1 the AI is not consulted: its reliability changes no outcome, seed by seed."""
    poor = runs(AIR, (("autonomy.level", 1), ("ai.reliability", 0.5)), 8)
    good = runs(AIR, (("autonomy.level", 1), ("ai.reliability", 0.97)), 8)
    for key in ("harm.wrongful_engagements", "mission.leakers", "harm.civilian_casualties",
                "human.human_decisions", "control.uses_of_force"):
        assert np.array_equal(col(poor, key), col(good, key)), key


def test_fact7_wickens_dixon_a_poor_aid_is_worse_than_none():
    """Wickens & Dixon (2007): at the consent level (5), an aid of reliability 0.5 gives more
    errors (wrongful engagements + leakers) than the unaided operator (level 1) on the same
    seeds; one of 0.95 gives fewer. docs/MODEL.md reports where the crossover sits."""
    n = 40
    unaided = errors(runs(AIR, (("autonomy.level", 1), ("ai.reliability", 0.5)), n))
    poor = errors(runs(AIR, (("autonomy.level", 5), ("ai.reliability", 0.5)), n))
    good = errors(runs(AIR, (("autonomy.level", 5), ("ai.reliability", 0.95)), n))
    say("7 Wickens-Dixon", f"errors a run: level 5 at 0.5 {poor.mean():.2f}, level 1 "
        f"{unaided.mean():.2f}, level 5 at 0.95 {good.mean():.2f}; p = "
        f"{greater(poor, unaided):.1g}, {greater(unaided, good):.1g}")
    assert poor.mean() > unaided.mean() > good.mean()
    assert greater(poor, unaided) < ALPHA
    assert greater(unaided, good) < ALPHA


CRY_WOLF = (("autonomy.level", 5), ("run.duration_s", 1800))


def _alarms(false_alarm_rate: float) -> tuple[tuple[str, Any], ...]:
    return (*CRY_WOLF, ("ai.confusion", (("hostile", (("hostile", 0.9),)),
                                         ("civilian", (("hostile", false_alarm_rate),)))))


def test_fact8_cry_wolf_false_alarms_lower_compliance_and_slow_true_alarms():
    """Cry wolf (Breznitz 1984; Meyer 2001, 2004): the same hit rate (0.9), false alarms on
    5 % or 50 % of civilians. More false alarms lower compliance, and the true alarms are then
    acted on later (checked more often and weighed less); the share ignored rises too, but too
    little to test at this size (docs/MODEL.md s.12)."""
    n = 40
    quiet = runs(AIR, _alarms(0.05), n)
    noisy = runs(AIR, _alarms(0.5), n)
    assert greater(col(quiet, "compliance"), col(noisy, "compliance")) < ALPHA
    late_noisy, late_quiet = col(noisy, "true_alarm_response_s"), col(quiet,
                                                                     "true_alarm_response_s")
    both = ~(np.isnan(late_noisy) | np.isnan(late_quiet))
    say("8 cry wolf", f"compliance {np.nanmean(col(quiet, 'compliance')):.2f} -> "
        f"{np.nanmean(col(noisy, 'compliance')):.2f} (p = "
        f"{greater(col(quiet, 'compliance'), col(noisy, 'compliance')):.1g}); true alarms "
        f"acted on after {late_quiet[both].mean():.1f} -> {late_noisy[both].mean():.1f} s "
        f"(p = {greater(late_noisy[both], late_quiet[both]):.1g}); ignored "
        f"{np.nanmean(col(quiet, 'true_alarms_ignored')):.3f} -> "
        f"{np.nanmean(col(noisy, 'true_alarms_ignored')):.3f}")
    assert both.sum() >= 30
    assert greater(late_noisy[both], late_quiet[both]) < ALPHA


def test_fact9_speed_accuracy_shorter_windows_faster_less_accurate_calls():
    """Speed-accuracy: at level 6 a 12 s veto window instead of 40 s gives faster and less
    accurate human calls on the AI's engage recommendations (reliability 0.7)."""
    n = 40
    base = (("autonomy.levels.engage", 6), ("ai.reliability", 0.7))
    short = runs(AIR, (*base, ("autonomy.veto_window_s", 12)), n)
    long_ = runs(AIR, (*base, ("autonomy.veto_window_s", 40)), n)
    t_short, t_long = col(short, "human_call_time_s"), col(long_, "human_call_time_s")
    a_short, a_long = col(short, "human_call_accuracy"), col(long_, "human_call_accuracy")
    ok = ~(np.isnan(t_short) | np.isnan(t_long) | np.isnan(a_short) | np.isnan(a_long))
    assert ok.sum() >= 30
    say("9 speed-accuracy", f"call time {t_long[ok].mean():.1f} -> {t_short[ok].mean():.1f} s "
        f"(p = {greater(t_long[ok], t_short[ok]):.1g}); accuracy {a_long[ok].mean():.3f} -> "
        f"{a_short[ok].mean():.3f} (p = {greater(a_long[ok], a_short[ok]):.1g})")
    assert greater(t_long[ok], t_short[ok]) < ALPHA
    assert greater(a_long[ok], a_short[ok]) < ALPHA


def test_fact10_complacency_a_reliable_aid_is_checked_less_and_its_errors_slip_through():
    """First failure / complacency (Molloy & Parasuraman 1996; Parasuraman & Manzey 2010):
    with a more reliable AI (0.99 instead of 0.6) operators verify its engage recommendations
    less (paired over seeds), and its rare wrong one is approved more often at level 5 (pooled
    over the runs, a one-sided Fisher exact test: a reliable AI errs too rarely per run)."""
    n = 80
    fair = runs(AIR, (("autonomy.level", 5), ("ai.reliability", 0.6)), n)
    reliable = runs(AIR, (("autonomy.level", 5), ("ai.reliability", 0.99)), n)
    v_fair, v_rel = col(fair, "engage_verify_rate"), col(reliable, "engage_verify_rate")
    ok = ~(np.isnan(v_fair) | np.isnan(v_rel))
    assert greater(v_fair[ok], v_rel[ok]) < ALPHA

    def slipped(rows: list[dict[str, Any]]) -> tuple[int, int]:
        approved = int(col(rows, "wrong_approved").sum())
        return approved, int(col(rows, "wrong_reviewed").sum()) - approved

    rel, fr = slipped(reliable), slipped(fair)
    say("10 complacency", f"engage reviews verified {v_fair[ok].mean():.3f} -> "
        f"{v_rel[ok].mean():.3f} (p = {greater(v_fair[ok], v_rel[ok]):.1g}); wrong calls "
        f"approved {fr[0]}/{sum(fr)} -> {rel[0]}/{sum(rel)} (Fisher p = "
        f"{stats.fisher_exact([rel, fr], alternative='greater').pvalue:.1g})")
    assert sum(rel) >= 15, "too few wrong recommendations of the reliable AI to judge"
    assert rel[0] / sum(rel) > 1.5 * fr[0] / sum(fr)
    # The slip-through is the weaker effect (a reliable AI errs some 25 times in 80 runs):
    # alpha = 0.05, as for fact 2's narrowing.
    assert stats.fisher_exact([rel, fr], alternative="greater").pvalue < 0.05
