"""The report's red-cell section: what the people playing the adversary chose, apart from the model.

Shown only when a red cell played (the log holds its choices). It counts the red cell's
choices and the model's own steps for red separately, lists each choice with the rungs it moved
red between, and says that a red cell's deliberate step is never counted as inadvertent
escalation, so the AI is not blamed for it.
"""

from __future__ import annotations

from html import escape
from typing import Any

from hmt_sim.i18n import N_, _, ngettext
from hmt_sim.report.parts import clock, section

STEP_WORDS = {"escalate": N_("escalate"), "hold": N_("hold"), "de-escalate": N_("de-escalate")}


def red_cell_played(events: list[dict[str, Any]]) -> bool:
    """Did a red cell make a choice in this run (an input, or one applied at a reaction)?"""
    return any(e["kind"] == "red_cell" or (e["kind"] == "input"
                                           and e.get("input") == "red_choose")
               for e in events)


def red_cell_section(src: Any) -> str:
    """The section's HTML, or "" when no red cell played."""
    events = src.events
    if not red_cell_played(events):
        return ""
    esc = src.metrics.get("escalation", {})
    chosen = [e for e in events if e["kind"] == "red_cell"]
    n = len(chosen)
    lead = ngettext("A red cell played the adversary's command. It chose red's step at {n} "
                    "reaction: {up} up, {hold} held, {down} down.",
                    "A red cell played the adversary's command. It chose red's step at {n} "
                    "reactions: {up} up, {hold} held, {down} down.", n).format(
        n=n, up=esc.get("red_cell_escalations", 0), hold=esc.get("red_cell_holds", 0),
        down=esc.get("red_cell_de_escalations", 0))
    model = esc.get("red_model_steps", 0)
    lead += " " + ngettext("At the other reactions the model moved red {n} time.",
                           "At the other reactions the model moved red {n} times.",
                           model).format(n=model)
    note = _("A red cell's step is deliberate: it is never counted as inadvertent escalation, "
             "and blue's answer to it is not blamed on wrongful engagements.")
    rows = "".join(
        f'<tr><td class="num">{clock(e["t"])}</td>'
        f"<td>{escape(_(STEP_WORDS.get(e['step'], e['step'])))}</td>"
        f"<td>{e['from_rung']}\u2192{e['to_rung']}</td></tr>" for e in chosen)
    head = "".join(f"<th{cls}>{escape(h)}</th>" for cls, h in (
        (" class=num", _("time")), ("", _("red cell's step")), ("", _("red's rung"))))
    table = (f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>" if chosen
             else f'<p class="muted">{escape(_("The red cell chose no step before the run "
                                                 "ended."))}</p>')
    body = f'<p class="lead">{escape(lead)}</p><p>{escape(note)}</p>{table}'
    return section("red-cell", _("Red cell"), body)
