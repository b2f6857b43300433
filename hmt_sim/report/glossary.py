"""Plain-language meanings of the metrics, their units and which direction is better.

A debrief audience reads "meaningful review rate 0.75" and needs one sentence to know what it
means and whether it is good. This is the single place that says so; the report, its counterfactual
section and the key-metric list all read from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The metrics the counterfactual section compares, in this order (DOMAIN.md s.7: harm, mission
# and control side by side, so autonomy never looks uniformly good or bad).
KEY_METRICS: tuple[str, ...] = (
    "harm.wrongful_engagements",
    "harm.civilian_casualties",
    "mission.leakers",
    "control.meaningful_review_rate",
    "escalation.max_rung_red",
)

GROUP_TITLES = {
    "escalation": "Escalation",
    "harm": "Civilian harm",
    "control": "Human control",
    "human": "Human factors",
    "mission": "Mission",
    "ai": "AI decision support",
}


@dataclass(frozen=True, slots=True)
class MetricInfo:
    label: str
    meaning: str
    better: str | None  # "higher", "lower" or None (context, not a score)
    unit: str  # "count", "share", "s", "rung", "number", "text"

    def sentence(self) -> str:
        """What it means and whether higher is better, as one sentence."""
        if self.better == "higher":
            tail = "higher is better"
        elif self.better == "lower":
            tail = "lower is better"
        else:
            tail = "context, neither higher nor lower is better"
        return f"{self.meaning} ({tail})."


def _m(label: str, meaning: str, better: str | None, unit: str) -> MetricInfo:
    return MetricInfo(label, meaning, better, unit)


METRICS: dict[str, MetricInfo] = {
    # escalation
    "escalation.max_rung_red": _m("Highest adversary rung", "The highest rung of the escalation "
                                  "ladder the adversary reached (0 sub-crisis to 7 central war)",
                                  "lower", "rung"),
    "escalation.max_rung_blue": _m("Highest own rung", "The highest escalation rung our own side "
                                   "reached", "lower", "rung"),
    "escalation.final_rung_red": _m("Final adversary rung", "The adversary's rung when the run "
                                    "ended", "lower", "rung"),
    "escalation.final_rung_blue": _m("Final own rung", "Our own side's rung when the run ended",
                                     "lower", "rung"),
    "escalation.steps_up": _m("Escalation steps", "How many times either side moved up the "
                              "ladder", "lower", "count"),
    "escalation.de_escalation_steps": _m("De-escalation steps", "How many times either side "
                                         "moved down the ladder", "higher", "count"),
    "escalation.threshold_crossings": _m("Threshold crossings", "How many key thresholds (rungs "
                                         "1, 2 and 6) were crossed upwards", "lower", "count"),
    "escalation.time_above_threshold_s": _m("Time at or above a rung", "Seconds the adversary "
                                            "spent at or above this rung", "lower", "s"),
    "escalation.inadvertent_steps": _m("Inadvertent escalation steps", "Steps that would not "
                                       "have happened without our wrongful engagements",
                                       "lower", "count"),
    "escalation.score_total": _m("Escalation score", "Weighted sum of escalatory actions and "
                                 "ladder steps (Rivera et al. 2024 weights)", "lower", "number"),
    "escalation.score_table": _m("Score table", "Which weighting table the escalation score "
                                 "used", None, "text"),
    # harm
    "harm.civilian_casualties": _m("Civilian casualties", "Estimated civilians killed or injured "
                                   "by our engagements (a proxy)", "lower", "count"),
    "harm.objects_damaged": _m("Protected sites damaged", "Engagements whose effects reached a "
                               "protected site such as a hospital or school", "lower", "count"),
    "harm.civilians_presented": _m("Civilian tracks seen", "Civilian aircraft and drones our "
                                   "sensors detected", None, "count"),
    "harm.civilians_engaged": _m("Civilian tracks engaged", "Distinct civilian tracks we fired "
                                 "at", "lower", "count"),
    "harm.distinction_fpr": _m("Distinction failure rate", "Share of civilian tracks seen that "
                               "we fired at", "lower", "share"),
    "harm.false_discovery_rate": _m("Wrong-target share", "Share of our engagements that were on "
                                    "civilians", "lower", "share"),
    "harm.wrongful_engagements": _m("Wrongful engagements", "Kinetic engagements of civilian "
                                    "tracks", "lower", "count"),
    "harm.excessive_engagements": _m("Excessive engagements", "Engagements whose civilian harm "
                                     "exceeded the military advantage gained (proportionality)",
                                     "lower", "count"),
    "harm.precaution_score": _m("Precaution score", "Share of tracks the AI wanted to engage "
                                "where someone verified, warned first or held fire", "higher",
                                "share"),
    "harm.harm_per_advantage": _m("Harm per advantage", "Civilian casualties per unit of military "
                                  "advantage gained", "lower", "number"),
    "harm.harm_by_region": _m("Casualties in region", "Civilian casualties in this region (a gap "
                              "between regions points to bias)", "lower", "count"),
    # control
    "control.uses_of_force": _m("Uses of force", "Kinetic engagements in the run", None, "count"),
    "control.human_authorisation_rate": _m("Human authorisation rate", "Share of uses of force "
                                           "a human approved beforehand", "higher", "share"),
    "control.meaningful_review_rate": _m("Meaningful review rate", "Share of uses of force "
                                         "approved after a verified review of at least the "
                                         "minimum time", "higher", "share"),
    "control.rubber_stamp_rate": _m("Rubber-stamp rate", "Share of force approvals given without "
                                    "verification or faster than the minimum review time",
                                    "lower", "share"),
    "control.veto_opportunity_ratio": _m("Veto opportunity", "Share of autonomous uses of force "
                                         "whose veto window was long enough for an operator to "
                                         "react", "higher", "share"),
    "control.override_rate": _m("Override rate", "Share of force recommendations that operators "
                                "vetoed or rejected", None, "share"),
    "control.override_of_wrong_rate": _m("Wrong advice caught", "Share of wrong force "
                                         "recommendations that operators vetoed", "higher",
                                         "share"),
    "control.override_of_right_rate": _m("Right advice overruled", "Share of correct force "
                                         "recommendations that operators vetoed", "lower",
                                         "share"),
    "control.time_to_intervene_s": _m("Time to intervene", "Mean seconds from a wrong "
                                      "recommendation to the operator's veto", "lower", "s"),
    "control.tracing_completeness": _m("Tracing completeness", "Share of uses of force with an "
                                       "accountable person, a rationale and an AI version "
                                       "logged", "higher", "share"),
    "control.envelope_compliance": _m("Envelope compliance", "Share of uses of force inside the "
                                      "authorised area, time and class", "higher", "share"),
    "control.out_of_loop_exposure": _m("Out-of-loop exposure", "Share of uses of force the AI "
                                       "executed at level 7 or above", "lower", "share"),
    "control.commission_error_rate": _m("Commission errors", "Share of human-approved uses of "
                                        "force where the AI was wrong", "lower", "share"),
    # human
    "human.utilisation_mean": _m("Mean utilisation", "Average share of operator time spent "
                                 "reviewing", None, "share"),
    "human.utilisation_peak": _m("Peak utilisation", "Highest sampled share of operators busy at "
                                 "once", "lower", "share"),
    "human.queue_mean": _m("Mean queue", "Average number of reviews waiting for an operator",
                           "lower", "number"),
    "human.queue_max": _m("Longest queue", "Most reviews waiting at one time", "lower", "count"),
    "human.trust_final": _m("Final trust", "Operators' trust in the AI at the end (0 to 1)", None,
                            "number"),
    "human.trust_min": _m("Lowest trust", "Operators' lowest trust in the AI during the run",
                          None, "number"),
    "human.trust_calibration_error": _m("Trust calibration error", "Mean gap between trust and "
                                        "the AI's measured recent accuracy", "lower", "number"),
    "human.over_reliance": _m("Over-reliance", "Share of wrong force recommendations operators "
                              "agreed with", "lower", "share"),
    "human.under_reliance": _m("Under-reliance", "Share of right force recommendations operators "
                               "rejected", "lower", "share"),
    "human.mean_decision_time_s": _m("Mean decision time", "Mean seconds an operator took to "
                                     "approve or reject", None, "s"),
    "human.verification_rate": _m("Verification rate", "Share of human decisions made after "
                                  "checking the evidence", "higher", "share"),
    "human.human_decisions": _m("Human decisions", "Approvals and rejections made by operators",
                                None, "count"),
    # mission
    "mission.hostiles_presented": _m("Hostile tracks seen", "Hostile drones and missiles our "
                                     "sensors detected", None, "count"),
    "mission.threats_neutralised": _m("Threats neutralised", "Hostile tracks defeated by "
                                      "engagement or jamming", "higher", "count"),
    "mission.leakers": _m("Leakers", "Hostile tracks that reached the defended asset", "lower",
                          "count"),
    "mission.friendly_losses": _m("Friendly losses", "Damage the leakers did to the defended "
                                  "asset", "lower", "number"),
    "mission.missed_engagements": _m("Missed engagements", "Leakers nobody ever acted against",
                                     "lower", "count"),
    "mission.mean_time_to_action_s": _m("Time to action", "Mean seconds from detecting a hostile "
                                        "to first acting against it", "lower", "s"),
    "mission.defence_rate": _m("Defence rate", "Share of hostile tracks neutralised rather than "
                               "leaking through", "higher", "share"),
    "human.tlx": _m("Workload profile", "A NASA-TLX-like workload dimension from the log "
                    "(mental: workload when reviews began; temporal: time needed to verify / "
                    "time available; performance: human errors; effort: utilisation; "
                    "frustration: share of judgements that overrode the AI), 0 to 1",
                    "lower", "share"),
    # ai
    "ai.cases": _m("AI judgements", "Tracks the AI classified", None, "count"),
    "ai.accuracy": _m("AI accuracy", "Share of the AI's class judgements that were right "
                      "(ground truth, hidden from players)", "higher", "share"),
    "ai.mean_confidence": _m("AI mean confidence", "How sure the AI said it was, on average",
                             None, "share"),
    "ai.expected_calibration_error": _m("Calibration error", "Gap between how sure the AI said "
                                        "it was and how often it was right (expected calibration "
                                        "error)", "lower", "share"),
    "ai.fpr_by_region": _m("False alarms in region", "Share of civilians in this region the AI "
                           "called hostile", "lower", "share"),
    "ai.fpr_gap": _m("False-alarm gap", "Largest difference between regions in the share of "
                     "civilians called hostile (equalised odds)", "lower", "share"),
    "ai.tpr_gap": _m("Detection gap", "Largest difference between regions in the share of "
                     "hostiles recognised (equalised odds)", "lower", "share"),
    "ai.silent_errors": _m("Silent errors", "Wrong calls caused by drift or deception that "
                           "looked as sure as right ones", "lower", "count"),
}

UNKNOWN = MetricInfo("", "No description yet", None, "number")


def info(key: str) -> MetricInfo:
    """The entry for a flattened key; nested keys (``harm.harm_by_region.city``) use their
    parent's entry with the leaf in the label."""
    if key in METRICS:
        return METRICS[key]
    parent, _, leaf = key.rpartition(".")
    if parent in METRICS:
        base = METRICS[parent]
        pretty = leaf.replace("red_rung_", "red rung ").replace("_", " ")
        return MetricInfo(f"{base.label}: {pretty}", base.meaning, base.better, base.unit)
    name = key.rpartition(".")[2].replace("_", " ")
    return MetricInfo(name[:1].upper() + name[1:], UNKNOWN.meaning, None, "number")


def label(key: str) -> str:
    return info(key).label


def format_value(key: str, value: Any) -> str:
    """How a value reads in the report: n/a for None, shares as percentages, seconds with s."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, int | float):
        return str(value)
    unit = info(key).unit
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit == "s":
        return f"{value:.1f} s"
    if isinstance(value, int) or (float(value).is_integer() and unit in ("count", "rung")):
        return str(int(value))
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.1f}"
