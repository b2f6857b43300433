"""Why a card's level differs from the level set for its action, in a sentence for the person.

The top bar shows the level configured for each action class now; a card shows the level in
force for its decision. They differ when a gate referred the decision to people (the ROE, a stop
order, the two-person rule above a rung, an unreliable or biased AI), when the operator flagged
the track themselves, or when the facilitator changed the level after the AI recommended it.
``level_reason`` says which, so a participant never has to find the referral in the report.
"""

from __future__ import annotations

from typing import Any

from hmt_sim.i18n import N_, _

# Gate rule -> why it sent the decision to people (``hmt_sim.roe.autonomy_gates`` names them).
RULE_REASONS: dict[str, str] = {
    "kill_switch": N_("a stop order is in force: autonomous action is suspended"),
    "human_only_rung": N_("red has reached the rung from which lethal force needs the approval "
                          "of two people"),
    "anti_personnel": N_("the rules of engagement allow no autonomous anti-personnel force"),
    "category_whitelist": N_("this kind of target is not authorised for autonomous action"),
    "envelope": N_("the track is outside the area, time or scale authorised for autonomy"),
    "reliability_floor": N_("the AI's measured accuracy is below the floor the rules of "
                            "engagement set"),
    "drift": N_("drift was detected: the data no longer looks like what the AI was trained on"),
    "bias_gap": N_("the AI's false alarms in this region are well above those elsewhere"),
}


def _why(decision: Any) -> str | None:
    referral = getattr(decision, "referral", None)
    if referral is not None:
        rule, detail = referral
        if rule == "reliability_floor" and str(detail).startswith("drift"):
            rule = "drift"
        text = RULE_REASONS.get(rule)
        return _(text) if text is not None else _("a rule of engagement ({rule}) referred it to "
                                                  "people").format(rule=rule)
    if decision.human_initiated:
        return _("you flagged this track yourself, so you propose and carry out the action")
    if decision.screened_by is not None or decision.level <= 4:
        return _("at levels 1-4 operators make their own call on every track")
    return None


def level_reason(decision: Any, configured_now: int) -> str | None:
    """A translated sentence saying why the card's level is not the one set for its action now,
    or None when they agree."""
    level, action = decision.level, _(decision.action)  # the action in the room's words
    if level == configured_now:
        return None
    parts = []
    # an operator's own proposal records its own level as the configured one, not the table's
    own = bool(decision.human_initiated) or decision.screened_by is not None
    then = configured_now if own else decision.configured_level
    if then != configured_now:
        parts.append(_("{action} was set to level {then} when the AI recommended this; it is set "
                       "to level {now} now").format(action=action,
                                                    then=then, now=configured_now))
    if level != then:
        why = _why(decision)
        parts.append(_("this one came to you at level {level}").format(level=level)
                     if why is None else
                     _("this one came to you at level {level} because {why}").format(
                         level=level, why=why))
    if not parts:
        return None
    if then == configured_now:
        return _("{action} is set to level {now}; {rest}").format(
            action=action, now=configured_now, rest="; ".join(parts)) + "."
    return "; ".join(parts) + "."
