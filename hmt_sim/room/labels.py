"""The words on the room's pages, translated into the language of the room.

The pages are plain HTML and JavaScript; the script takes every word it shows from this
dictionary (sent with the page), so the catalogs translate the seat pages like everything else.
"""

from __future__ import annotations

from hmt_sim.i18n import N_, _

WORDS = (N_("warn"), N_("jam"), N_("engage"), N_("hold"), N_("monitor"), N_("hostile"),
         N_("civilian"), N_("unknown"))
"""Engine words a seat page shows (actions, the AI's calls), the same messages the report's
vocabulary translates."""


def labels() -> dict[str, str]:
    """Label key -> translated text (placeholders in braces are filled by the page); engine
    words under ``w:WORD``."""
    return {**{f"w:{w}": _(w) for w in WORDS},
        "seat": _("Seat {n}"),
        "red": _("Red cell"),
        "facilitator": _("Facilitator"),
        "connected": _("connected"),
        "reconnecting": _("reconnecting…"),
        "paused": _("Paused by the facilitator"),
        "finished": _("The exercise has ended"),
        "no_cards": _("No decision is waiting for you."),
        "decision": _("Decision #{d} · track {track}"),
        "action": _("Action: {action}"),
        "ai_call": _("AI: {label} ({confidence}%)"),
        "no_ai_call": _("No AI call: your own judgement"),
        "level": _("Autonomy level {level}"),
        "level_differs": _("Configured level {configured}; in force {level}: {reason}"),
        "time_left": _("{s} s left"),
        "no_deadline": _("goes ahead unless you reject it"),
        "approve": _("Approve"),
        "reject": _("Reject"),
        "inspect": _("Inspect"),
        "inspected": _("Inspected ✓"),
        "sent": _("sent…"),
        "queue_one": _("1 review waiting for a free operator"),
        "queue": _("{n} reviews waiting for a free operator"),
        "comms_down": _("Communications are down"),
        "messages": _("Messages from the facilitator"),
        "map": _("Your picture (tracks as the AI shows them)"),
        "legend_hostile": _("hostile"),
        "legend_civilian": _("civilian"),
        "legend_unknown": _("unknown or other"),
        "legend_asset": _("defended asset"),
        "legend_site": _("protected site"),
        "legend_mine": _("on your cards"),
        "inspect_title": _("What inspection shows (track {track})"),
        "classification": _("AI classification: {label} ({confidence}%), region {region}"),
        "evidence": _("Sensor evidence"),
        "reasons": _("The AI's reasons"),
        "recommendation": _("Recommendation: {action} at level {level}: {explanation}"),
        "gate": _("Rule check {rule}: {outcome}"),
        "close": _("Close"),
        "time": _("Time {clock} of {end}"),
        "red_rung": _("Red's rung: {rung} ({name})"),
        "blue_rung": _("Blue's rung: {rung} ({name})"),
        "red_next": _("Next red reaction in {s} s"),
        "red_chosen": _("Your choice for the next reaction: {step}"),
        "red_model": _("Leave it to the model"),
        "escalate": _("Escalate"),
        "hold": _("Hold"),
        "de-escalate": _("De-escalate"),
        "model": _("Leave it to the model"),
        "red_history": _("Red's past reactions"),
        "by_red_cell": _("chosen by the red cell"),
        "red_none": _("None yet."),
        "by_model": _("by the model"),
        "red_unavailable": _("The red cell is not available in this version of the engine."),
        "pause": _("Pause"),
        "resume": _("Resume"),
        "speed": _("Speed"),
        "send": _("Send"),
        "message_to": _("Message to"),
        "all_seats": _("every seat"),
        "reassign": _("New link"),
        "reassign_confirm": _("Give seat {n} a new link? The old link stops working."),
        "seat_link": _("Join link"),
        "cards_waiting_one": _("1 card waiting"),
        "cards_waiting": _("{n} cards waiting"),
        "not_connected": _("not connected"),
        "inputs": _("{n} inputs recorded"),
        "error": _("Not done"),
    }
