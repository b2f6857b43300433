"""The handout as one HTML page: briefing, a role card per seat, discussion questions.

Every sentence goes through the catalog, so the handout is in the language in force; the
scenario's own texts come from its translations when it has them (``Scenario.text``). QR codes
are inline SVG made locally (``hmt_sim.room.qr``, segno): the file needs no network.
"""

from __future__ import annotations

from html import escape

from hmt_sim import __version__, autonomy
from hmt_sim.handout.css import CSS
from hmt_sim.handout.links import JoinLinks
from hmt_sim.i18n import _, decimal, language, ngettext
from hmt_sim.report.parts import facts, prose
from hmt_sim.report.vocab import term
from hmt_sim.scenario.schema import Scenario


def level_sentence(action: str, level: int, veto_s: float) -> str:
    """What an autonomy level means for the person in the seat, for one action class."""
    name = term(action)
    if level == 1:
        text = _("you decide and act yourself; the AI gives no advice")
    elif level <= 4:
        text = _("you decide and act yourself; the AI suggests")
    else:
        text = {
            autonomy.Protocol.APPROVAL: _("the AI proposes; nothing happens unless you approve"),
            autonomy.Protocol.VETO: _("the AI acts when its {s} s window closes, unless you "
                                      "reject in time").format(s=decimal(f"{veto_s:g}")),
            autonomy.Protocol.INFORM_AFTER: _("the AI acts and tells you afterwards"),
            autonomy.Protocol.ON_REQUEST: _("the AI acts and tells you only if you ask"),
            autonomy.Protocol.AI_DISCRETION: _("the AI acts and tells you only when it is "
                                               "unsure"),
            autonomy.Protocol.SILENT: _("the AI acts without telling you"),
        }[autonomy.protocol(level)]
    return _("{action} at level {level}: {meaning}").format(action=name, level=level,
                                                            meaning=text)


def _briefing_page(sc: Scenario, seats: int, red: bool) -> str:
    text = sc.text()
    levels = sc.autonomy.levels
    rows = [
        (_("exercise"), f"{sc.id}"),
        (_("duration"), _("{min} minutes of simulated time").format(
            min=decimal(f"{sc.run.duration_s / 60:g}"))),
        (_("seats"), ngettext("{n} operator seat", "{n} operator seats", seats).format(n=seats)
         + (" + " + _("red cell") if red else "")),
        (_("AI reliability at start"), decimal(f"{sc.ai.reliability:g}")),
    ]
    how = [
        _("Each decision the AI or the rules send to your seat arrives as a card with a "
          "countdown: Approve, Reject, or Inspect first."),
        _("Inspect shows what the operator can learn: the sensor evidence and the AI's reasons. "
          "The time you spend inspecting counts as verification."),
        _("Your screen shows the picture as the AI presents it, never the ground truth."),
        _("The facilitator may pause the exercise, send you messages, change the autonomy "
          "levels or fire injects (sudden events)."),
        _("Every input is recorded with its simulated time, so the after-action review can "
          "replay the exercise exactly."),
    ]
    briefing = (f'<h2>{escape(_("Briefing"))}</h2><div class="briefing">'
                f"{prose(text.briefing or '')}</div>" if text.briefing else "")
    level_items = "".join(
        f"<li>{escape(level_sentence(a, lv, sc.autonomy.veto_window_s))}</li>"
        for a, lv in levels.items())
    return (
        '<section class="page" id="briefing">'
        f'<header class="top"><div class="kicker">{escape(_("Tabletop exercise handout"))}'
        f"</div><h1>{escape(text.title or sc.title)}</h1>"
        f'<div class="lead">{escape(text.description or "")}</div></header>'
        f"{facts(rows)}{briefing}"
        f'<h2>{escape(_("How the exercise works"))}</h2>'
        f'<ul class="how">{"".join(f"<li>{escape(h)}</li>" for h in how)}</ul>'
        f'<h2>{escape(_("Who decides at the start"))}</h2><ul class="how">{level_items}</ul>'
        "</section>")


def _qr_block(link: str | None) -> str:
    if link is None:
        note = _("Your join link and its QR code appear on the facilitator's screen when the "
                 "room opens (hmt-sim serve). Scan it with your phone's camera or type the "
                 "link into a browser.")
        return f'<div class="qr"><div class="nolink">{escape(note)}</div></div>'
    from hmt_sim.room.qr import svg

    code = svg(link)
    return (f'<div class="qr">{code}<div class="link">{escape(link)}</div>'
            f"<div>{escape(_('Scan with your phone camera'))}</div></div>")


def _seat_card(sc: Scenario, n: int, link: str | None) -> str:
    tasks = [
        _("Open the link on your phone or laptop: nothing to install. Keep the page open; if "
          "the connection drops, open the same link again and you are back in your seat."),
        _("Decide each card before its countdown ends: Approve, Reject, or Inspect first."),
        _("You see only your own cards and your own picture, never another seat's."),
    ]
    levels = "".join(f"<li>{escape(level_sentence(a, lv, sc.autonomy.veto_window_s))}</li>"
                     for a, lv in sc.autonomy.levels.items())
    return (
        f'<div class="role" data-seat="{n}"><h2>{escape(_("Operator"))}</h2>'
        f'<div class="seat">{escape(_("Seat {n}").format(n=n))} \u00b7 {escape(sc.id)}</div>'
        f'<div class="what">{"".join(f"<p>{escape(t)}</p>" for t in tasks)}'
        f'<p><b>{escape(_("At the start of the exercise:"))}</b></p><ul>{levels}</ul></div>'
        f"{_qr_block(link)}"
        f'<div class="notes">{escape(_("Your notes:"))}</div></div>')


def _red_card(sc: Scenario, link: str | None) -> str:
    tasks = [
        _("You play the adversary's command. At each of red's reaction moments you choose: "
          "escalate, hold or de-escalate, or leave it to the model."),
        _("Your choices are recorded like every other input; the report shows them apart from "
          "the model's own reactions."),
        _("You see red's rung on the escalation ladder and the time to the next reaction; you "
          "do not see blue's cards."),
    ]
    return (
        f'<div class="role red" data-seat="red"><h2>{escape(_("Red cell"))}</h2>'
        f'<div class="seat">{escape(sc.id)}</div>'
        f'<div class="what">{"".join(f"<p>{escape(t)}</p>" for t in tasks)}</div>'
        f"{_qr_block(link)}"
        f'<div class="notes">{escape(_("Your notes:"))}</div></div>')


def _cards_page(sc: Scenario, seats: int, red: bool, links: JoinLinks | None) -> str:
    cards = []
    for n in range(1, seats + 1):
        link = links.seats[n - 1] if links is not None and n <= len(links.seats) else None
        cards.append(_seat_card(sc, n, link))
    if red:
        cards.append(_red_card(sc, links.red if links is not None else None))
    return (f'<section class="page" id="cards"><h2>{escape(_("Role cards"))}</h2>'
            f'<p class="lead">{escape(_("One card per seat: cut along the line and hand one to "
                                         "each participant."))}</p>'
            + "".join(cards) + "</section>")


def _questions_page(sc: Scenario) -> str:
    questions = sc.text().questions or ()
    if not questions:
        body = f'<p class="lead">{escape(_("This scenario has no discussion questions."))}</p>'
    else:
        items = "".join(f"<li>{escape(q)}</li>" for q in questions)
        body = (f'<p class="lead">{escape(_("For the discussion after the exercise. Note your "
                                              "answer below each question."))}</p>'
                f'<ol class="questions">{items}</ol>')
    return (f'<section class="page" id="questions"><h2>{escape(_("Discussion questions"))}'
            f"</h2>{body}</section>")


def render_handout(sc: Scenario, seats: int, red: bool = False,
                   links: JoinLinks | None = None) -> str:
    """The whole handout as one self-contained HTML string, in the language in force."""
    title = sc.text().title or sc.title
    return (
        f'<!DOCTYPE html>\n<html lang="{language()}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(_('Handout: {title}').format(title=title))}</title>"
        f"<style>{CSS}</style></head><body><main>"
        + _briefing_page(sc, seats, red)
        + _cards_page(sc, seats, red, links)
        + _questions_page(sc)
        + f"<footer>hmt-sim {escape(__version__)} \u00b7 {escape(sc.id)}</footer>"
        "</main></body></html>\n"
    )
