"""Discussion questions chosen by what happened in the run.

A question whose premise is false for this run is not asked: "An airliner was shot down" only
when one was. A scenario question may carry a condition on the run's metrics
(``question_when: {2: "harm.wrongful_engagements >= 1"}``, numbered from 1, in the grammar of
``hmt-sim discover --where``); it is asked only when the condition holds. Questions without one
are always asked. A few generic questions follow, each chosen from the run's metrics (rubber
stamps, a wrongful engagement, an inadvertent step, leakers, a red cell ...).

The debrief screen and the run report both ask ``chosen_questions``, so they agree. Conditions
are checked when the scenario is loaded (``condition_problems``): an unknown metric or a
malformed condition is a located error with the nearest metric names.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from hmt_sim.errors import InputError
from hmt_sim.i18n import N_, _

# Metric groups whose keys depend on the scenario (region names): any leaf is accepted.
OPEN_PREFIXES = ("harm.harm_by_region.", "ai.fpr_by_region.")
MAX_GENERIC = 3

# Generic questions: (condition, question), asked in this order when the condition holds.
GENERIC: tuple[tuple[str, str], ...] = (
    ("harm.wrongful_engagements >= 1",
     N_("Force was used on a contact that was not hostile. Where could it have been stopped: "
        "the AI's call, the review, or the rules of engagement?")),
    ("control.rubber_stamp_rate > 0",
     N_("Some approvals of force came without verification or faster than the minimum review "
        "time. What made them quick, and were they still decisions?")),
    ("escalation.inadvertent_steps >= 1",
     N_("An escalation step followed from a mistaken engagement. How could the other side have "
        "told it from a deliberate one?")),
    ("escalation.red_cell_steps >= 1",
     N_("The red cell chose some of red's steps. What were they answering, and did blue read "
        "them right?")),
    ("control.override_rate > 0",
     N_("Operators overrode the AI. Were they right, and what told them?")),
    ("mission.leakers >= 1",
     N_("Threats got through. Was it time, attention, the rules or the AI that let them "
        "pass?")),
    ("mission.threats_neutralised >= 1",
     N_("Every hostile was dealt with and no one was wrongly engaged. What in this run made "
        "that possible, and what would change with another seed?")),
)


@cache
def metric_names() -> tuple[str, ...]:
    """Every metric a condition may name (the keys of ``metrics.json``, flattened)."""
    from hmt_sim.metrics import compute_metrics, flatten

    return tuple(sorted(flatten(compute_metrics([]))))


def _condition(text: str) -> Any:
    from hmt_sim.explore.where import parse_condition

    names = list(metric_names())
    if any(text.strip().startswith(p) for p in OPEN_PREFIXES):
        names.append(text.split()[0] if text.split() else text)
    return parse_condition(text, names)


def condition_problems(questions: tuple[str, ...], when: dict[int, str]
                       ) -> list[tuple[tuple[str | int, ...], str]]:
    """What is wrong with a scenario's ``question_when``, as (key path, message) pairs."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for number, text in when.items():
        if not 1 <= number <= len(questions):
            problems.append((("question_when", number), (
                f"there is no question {number}; the scenario has {len(questions)} "
                "(numbered from 1)")))
            continue
        try:
            _condition(text)
        except InputError as error:
            problems.append((("question_when", number),
                             str(error).replace("--where ", "condition ", 1)
                             .replace("`hmt-sim analyse DIR` lists the metrics of a sweep",
                                      "the metrics of metrics.json")))
    return problems


def _holds(text: str, flat: dict[str, Any]) -> bool:
    cond = _condition(text)
    value = flat.get(cond.metric)
    if isinstance(value, bool):
        value = float(value)
    if not isinstance(value, int | float):
        return False  # a missing value never satisfies a condition
    return bool(cond.holds([float(value)])[0])


def chosen_questions(scenario: Any, metrics: dict[str, dict[str, Any]],
                     lang: str | None = None) -> list[str]:
    """The questions to ask after this run: the scenario's own whose condition holds (in the
    language in force, or ``lang``), then up to ``MAX_GENERIC`` generic ones."""
    from hmt_sim.metrics import flatten

    flat = flatten(metrics)
    own = scenario.text(lang).questions if hasattr(scenario, "text") else scenario.questions
    when: dict[int, str] = dict(getattr(scenario, "question_when", {}) or {})
    out = [q for i, q in enumerate(own or (), 1) if i not in when or _holds(when[i], flat)]
    generic = [_(q) for cond, q in GENERIC
               if _holds(cond, flat) and _generic_fits(cond, flat)]
    return out + generic[:MAX_GENERIC]


def _generic_fits(cond: str, flat: dict[str, Any]) -> bool:
    """The 'nothing went wrong' question only when nothing did."""
    if cond.startswith("mission.threats_neutralised"):
        return not flat.get("harm.wrongful_engagements") and not flat.get("mission.leakers")
    return True
