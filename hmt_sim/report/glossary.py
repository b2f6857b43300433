"""Plain-language meanings of the metrics, their units and which direction is better.

A debrief audience reads "meaningful review rate 0.75" and needs one sentence to know what it
means and whether it is good. This is the single place that says so; the report, its counterfactual
section and the key-metric list all read from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hmt_sim.i18n import N_, _, decimal
from hmt_sim.report.vocab import term

# The metrics the counterfactual section compares, in this order (DOMAIN.md s.7: harm, mission
# and control side by side, so autonomy never looks uniformly good or bad).
KEY_METRICS: tuple[str, ...] = (
    "harm.wrongful_engagements",
    "harm.civilian_casualties",
    "mission.leakers",
    "control.meaningful_review_rate",
    "escalation.max_rung_red",
)

# Marked for the catalog; translate where shown (``group_title``).
GROUP_TITLES = {
    "escalation": N_("Escalation"),
    "harm": N_("Civilian harm"),
    "control": N_("Human control"),
    "human": N_("Human factors"),
    "mission": N_("Mission"),
    "ai": N_("AI decision support"),
}


def group_title(group: str) -> str:
    """A metric group's heading in the language in force (an unknown group: its name)."""
    return _(GROUP_TITLES[group]) if group in GROUP_TITLES else group.title()


@dataclass(frozen=True, slots=True)
class MetricInfo:
    label: str
    meaning: str
    better: str | None  # "higher", "lower" or None (context, not a score)
    unit: str  # "count", "share", "s", "rung", "number", "text"

    def sentence(self) -> str:
        """What it means and whether higher is better, as one sentence."""
        if self.better == "higher":
            return _("{meaning} (higher is better).").format(meaning=self.meaning)
        if self.better == "lower":
            return _("{meaning} (lower is better).").format(meaning=self.meaning)
        return _("{meaning} (context, neither higher nor lower is better).").format(
            meaning=self.meaning)


def _m(label: str, meaning: str, better: str | None, unit: str) -> MetricInfo:
    return MetricInfo(label, meaning, better, unit)


METRICS: dict[str, MetricInfo] = {
    # escalation
    "escalation.max_rung_red": _m(
        N_("Highest adversary rung"),
        N_("The highest rung of the escalation ladder the adversary reached (0 sub-crisis to"
           " 7 central war)"),
        "lower", "rung"),
    "escalation.max_rung_blue": _m(
        N_("Highest own rung"),
        N_("The highest escalation rung our own side reached"),
        "lower", "rung"),
    "escalation.final_rung_red": _m(
        N_("Final adversary rung"),
        N_("The adversary's rung when the run ended"),
        "lower", "rung"),
    "escalation.final_rung_blue": _m(
        N_("Final own rung"),
        N_("Our own side's rung when the run ended"),
        "lower", "rung"),
    "escalation.steps_up": _m(
        N_("Escalation steps"),
        N_("How many times either side moved up the ladder"),
        "lower", "count"),
    "escalation.de_escalation_steps": _m(
        N_("De-escalation steps"),
        N_("How many times either side moved down the ladder"),
        "higher", "count"),
    "escalation.threshold_crossings": _m(
        N_("Threshold crossings"),
        N_("How many key thresholds (rungs 1, 2 and 6) were crossed upwards"),
        "lower", "count"),
    "escalation.time_above_threshold_s": _m(
        N_("Time at or above a rung"),
        N_("Seconds the adversary spent at or above this rung"),
        "lower", "s"),
    "escalation.inadvertent_steps": _m(
        N_("Inadvertent escalation steps"),
        N_("Steps that would not have happened without our wrongful engagements"),
        "lower", "count"),
    "escalation.score_total": _m(
        N_("Escalation score"),
        N_("Weighted sum of escalatory actions and ladder steps (Rivera et al. 2024 weights)"),
        "lower", "number"),
    "escalation.score_table": _m(
        N_("Score table"),
        N_("Which weighting table the escalation score used"),
        None, "text"),
    "escalation.red_cell_steps": _m(
        N_("Red cell choices"),
        N_("Reactions the red cell (people playing the adversary) chose, holds included"),
        None, "count"),
    "escalation.red_cell_escalations": _m(
        N_("Red cell escalations"),
        N_("Red cell choices that moved the adversary up the ladder"),
        None, "count"),
    "escalation.red_cell_holds": _m(
        N_("Red cell holds"),
        N_("Red cell choices to stay on the same rung"),
        None, "count"),
    "escalation.red_cell_de_escalations": _m(
        N_("Red cell de-escalations"),
        N_("Red cell choices that moved the adversary down the ladder"),
        None, "count"),
    "escalation.red_model_steps": _m(
        N_("Model's adversary steps"),
        N_("Steps the simulated adversary made by itself (not the red cell's choices, not "
           "scripted injects)"),
        None, "count"),
    # harm
    "harm.civilian_casualties": _m(
        N_("Civilian casualties"),
        N_("Estimated civilians killed or injured by our engagements (a proxy)"),
        "lower", "count"),
    "harm.objects_damaged": _m(
        N_("Protected sites damaged"),
        N_("Engagements whose effects reached a protected site such as a hospital or school"),
        "lower", "count"),
    "harm.civilians_presented": _m(
        N_("Civilian tracks seen"),
        N_("Civilian aircraft and drones our sensors detected"),
        None, "count"),
    "harm.civilians_engaged": _m(
        N_("Civilian tracks engaged"),
        N_("Distinct civilian tracks we fired at"),
        "lower", "count"),
    "harm.distinction_fpr": _m(
        N_("Distinction failure rate"),
        N_("Share of civilian tracks seen that we fired at"),
        "lower", "share"),
    "harm.false_discovery_rate": _m(
        N_("Wrong-target share"),
        N_("Share of our engagements that were on civilians"),
        "lower", "share"),
    "harm.wrongful_engagements": _m(
        N_("Wrongful engagements"),
        N_("Kinetic engagements of civilian tracks"),
        "lower", "count"),
    "harm.excessive_engagements": _m(
        N_("Excessive engagements"),
        N_("Engagements whose civilian harm exceeded the military advantage gained "
           "(proportionality)"),
        "lower", "count"),
    "harm.precaution_score": _m(
        N_("Precaution score"),
        N_("Share of tracks the AI wanted to engage where someone verified, warned first or "
           "held fire"),
        "higher", "share"),
    "harm.harm_per_advantage": _m(
        N_("Harm per advantage"),
        N_("Civilian casualties per unit of military advantage gained"),
        "lower", "number"),
    "harm.harm_by_region": _m(
        N_("Casualties in region"),
        N_("Civilian casualties in this region (a gap between regions points to bias)"),
        "lower", "count"),
    # control
    "control.uses_of_force": _m(
        N_("Uses of force"),
        N_("Kinetic engagements in the run"),
        None, "count"),
    "control.human_authorisation_rate": _m(
        N_("Human authorisation rate"),
        N_("Share of uses of force a human approved beforehand"),
        "higher", "share"),
    "control.meaningful_review_rate": _m(
        N_("Meaningful review rate"),
        N_("Share of uses of force approved after a verified review of at least the minimum "
           "time"),
        "higher", "share"),
    "control.rubber_stamp_rate": _m(
        N_("Rubber-stamp rate"),
        N_("Share of force approvals given without verification or faster than the minimum "
           "review time"),
        "lower", "share"),
    "control.veto_opportunity_ratio": _m(
        N_("Veto opportunity"),
        N_("Share of autonomous uses of force whose veto window was long enough for an "
           "operator to react"),
        "higher", "share"),
    "control.override_rate": _m(
        N_("Override rate"),
        N_("Share of force recommendations that operators vetoed or rejected"),
        None, "share"),
    "control.override_of_wrong_rate": _m(
        N_("Wrong advice caught"),
        N_("Share of wrong force recommendations that operators vetoed"),
        "higher", "share"),
    "control.override_of_right_rate": _m(
        N_("Right advice overruled"),
        N_("Share of correct force recommendations that operators vetoed"),
        "lower", "share"),
    "control.time_to_intervene_s": _m(
        N_("Time to intervene"),
        N_("Mean seconds from a wrong recommendation to the operator's veto"),
        "lower", "s"),
    "control.tracing_completeness": _m(
        N_("Tracing completeness"),
        N_("Share of uses of force with an accountable person, a rationale and an AI version"
           " logged"),
        "higher", "share"),
    "control.envelope_compliance": _m(
        N_("Envelope compliance"),
        N_("Share of uses of force inside the authorised area, time and class"),
        "higher", "share"),
    "control.out_of_loop_exposure": _m(
        N_("Out-of-loop exposure"),
        N_("Share of uses of force the AI executed at level 7 or above"),
        "lower", "share"),
    "control.commission_error_rate": _m(
        N_("Commission errors"),
        N_("Share of human-approved uses of force where the AI was wrong"),
        "lower", "share"),
    # human
    "human.utilisation_mean": _m(
        N_("Mean utilisation"),
        N_("Average share of operator time spent reviewing"),
        None, "share"),
    "human.utilisation_peak": _m(
        N_("Peak utilisation"),
        N_("Highest sampled share of operators busy at once"),
        "lower", "share"),
    "human.queue_mean": _m(
        N_("Mean queue"),
        N_("Average number of reviews waiting for an operator"),
        "lower", "number"),
    "human.queue_max": _m(
        N_("Longest queue"),
        N_("Most reviews waiting at one time"),
        "lower", "count"),
    "human.trust_final": _m(
        N_("Final trust"),
        N_("Operators' trust in the AI at the end (0 to 1)"),
        None, "number"),
    "human.trust_min": _m(
        N_("Lowest trust"),
        N_("Operators' lowest trust in the AI during the run"),
        None, "number"),
    "human.trust_calibration_error": _m(
        N_("Trust calibration error"),
        N_("Mean gap between trust and the AI's measured recent accuracy"),
        "lower", "number"),
    "human.over_reliance": _m(
        N_("Over-reliance"),
        N_("Share of wrong force recommendations operators agreed with"),
        "lower", "share"),
    "human.under_reliance": _m(
        N_("Under-reliance"),
        N_("Share of right force recommendations operators rejected"),
        "lower", "share"),
    "human.mean_decision_time_s": _m(
        N_("Mean decision time"),
        N_("Mean seconds an operator took to approve or reject"),
        None, "s"),
    "human.mean_verification_s": _m(
        N_("Mean verification time"),
        N_("Mean seconds an operator spent checking the evidence (inspecting) before answering"),
        None, "s"),
    "human.verification_rate": _m(
        N_("Verification rate"),
        N_("Share of human decisions made after checking the evidence"),
        "higher", "share"),
    "human.human_decisions": _m(
        N_("Human decisions"),
        N_("Approvals and rejections made by operators"),
        None, "count"),
    # mission
    "mission.hostiles_presented": _m(
        N_("Hostile tracks seen"),
        N_("Hostile drones and missiles our sensors detected"),
        None, "count"),
    "mission.threats_neutralised": _m(
        N_("Threats neutralised"),
        N_("Hostile tracks defeated by engagement or jamming"),
        "higher", "count"),
    "mission.leakers": _m(
        N_("Leakers"),
        N_("Hostile tracks that reached the defended asset"),
        "lower", "count"),
    "mission.friendly_losses": _m(
        N_("Friendly losses"),
        N_("Damage the leakers did to the defended asset"),
        "lower", "number"),
    "mission.missed_engagements": _m(
        N_("Missed engagements"),
        N_("Leakers nobody ever acted against"),
        "lower", "count"),
    "mission.mean_time_to_action_s": _m(
        N_("Time to action"),
        N_("Mean seconds from detecting a hostile to first acting against it"),
        "lower", "s"),
    "mission.defence_rate": _m(
        N_("Defence rate"),
        N_("Share of hostile tracks neutralised rather than leaking through"),
        "higher", "share"),
    "human.tlx": _m(
        N_("Workload profile"),
        N_("A NASA-TLX-like workload dimension from the log (mental: workload when reviews "
           "began; temporal: time needed to verify / time available; performance: human "
           "errors; effort: utilisation; frustration: share of judgements that overrode the "
           "AI), 0 to 1"),
        "lower", "share"),
    # ai
    "ai.cases": _m(
        N_("AI judgements"),
        N_("Tracks the AI classified"),
        None, "count"),
    "ai.accuracy": _m(
        N_("AI accuracy"),
        N_("Share of the AI's class judgements that were right (ground truth, hidden from "
           "players)"),
        "higher", "share"),
    "ai.mean_confidence": _m(
        N_("AI mean confidence"),
        N_("How sure the AI said it was, on average"),
        None, "share"),
    "ai.expected_calibration_error": _m(
        N_("Calibration error"),
        N_("Gap between how sure the AI said it was and how often it was right (expected "
           "calibration error)"),
        "lower", "share"),
    "ai.fpr_by_region": _m(
        N_("False alarms in region"),
        N_("Share of civilians in this region the AI called hostile"),
        "lower", "share"),
    "ai.fpr_gap": _m(
        N_("False-alarm gap"),
        N_("Largest difference between regions in the share of civilians called hostile "
           "(equalised odds)"),
        "lower", "share"),
    "ai.tpr_gap": _m(
        N_("Detection gap"),
        N_("Largest difference between regions in the share of hostiles recognised "
           "(equalised odds)"),
        "lower", "share"),
    "ai.silent_errors": _m(
        N_("Silent errors"),
        N_("Wrong calls caused by drift or deception that looked as sure as right ones"),
        "lower", "count"),
}

UNKNOWN = MetricInfo("", N_("No description yet"), None, "number")


def _translated(meta: MetricInfo) -> MetricInfo:
    return MetricInfo(_(meta.label), _(meta.meaning), meta.better, meta.unit)


def info(key: str) -> MetricInfo:
    """The entry for a flattened key, in the language in force; nested keys
    (``harm.harm_by_region.city``) use their parent's entry with the leaf in the label."""
    if key in METRICS:
        return _translated(METRICS[key])
    parent, _sep, leaf = key.rpartition(".")
    if parent in METRICS:
        base = _translated(METRICS[parent])
        pretty = term(leaf) if not leaf.startswith("red_rung_") else leaf.replace(
            "red_rung_", _("red rung") + " ")
        return MetricInfo(f"{base.label}: {pretty}", base.meaning, base.better, base.unit)
    name = key.rpartition(".")[2].replace("_", " ")
    return MetricInfo(name[:1].upper() + name[1:], _(UNKNOWN.meaning), None, "number")


def label(key: str) -> str:
    return info(key).label


def format_value(key: str, value: Any) -> str:
    """How a value reads in the report: n/a for None, shares as percentages, seconds with s."""
    if value is None:
        return _("n/a")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if not isinstance(value, int | float):
        return str(value)
    unit = info(key).unit
    if unit == "share":
        return decimal(f"{100 * value:.1f}%")
    if unit == "s":
        return decimal(f"{value:.1f} s")
    if isinstance(value, int) or (float(value).is_integer() and unit in ("count", "rung")):
        return str(int(value))
    return decimal(f"{value:.3g}" if abs(value) < 100 else f"{value:.1f}")
