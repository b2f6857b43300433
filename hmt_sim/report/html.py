"""Render the after-action report as one self-contained HTML file.

Everything is inline: the style sheet, and every figure as a base64 PNG ``data:`` URI, so the file
opens offline, can be mailed as one attachment, and prints to PDF from any browser. Every piece of
text from a scenario or a session is escaped. Every sentence goes through the catalog
(``hmt_sim.i18n``), so the report is written in the language in force (``--lang``).
"""

from __future__ import annotations

from dataclasses import replace
from html import escape
from typing import Any

from hmt_sim import __version__
from hmt_sim.i18n import N_, _, decimal, language, ngettext
from hmt_sim.metrics import GROUPS, flatten
from hmt_sim.report import extract, plots
from hmt_sim.report.cfsection import counterfactual_section
from hmt_sim.report.counterfactual import Comparison
from hmt_sim.report.css import CSS
from hmt_sim.report.glossary import KEY_METRICS, format_value, group_title, info, label
from hmt_sim.report.method import method_section
from hmt_sim.report.parts import clock, facts, img, prose, section
from hmt_sim.report.redcell import red_cell_section
from hmt_sim.report.source import ReportSource
from hmt_sim.report.vocab import outcome, reasons, term

# Titles marked for the catalog; translated where shown.
SECTIONS = (
    ("scenario", N_("Scenario")),
    ("summary", N_("Metrics summary")),
    ("escalation", N_("Escalation")),
    ("trust", N_("Trust and AI accuracy")),
    ("workload", N_("Workload")),
    ("decisions", N_("Decisions")),
    ("gates", N_("ROE gates")),
    ("injects", N_("Injects and changes")),
    ("counterfactuals", N_("Counterfactuals")),
    ("method", N_("How this report was made")),
)


def _scenario_section(src: ReportSource) -> str:
    sc = src.scenario
    text = sc.text()
    levels = ", ".join(f"{term(k)} {v}" for k, v in sc.autonomy.levels.items())
    made_from = (_("session file {path}") if src.kind == "session"
                 else _("run directory {path}")).format(path=src.path)
    rows = [
        (_("scenario"), f"{sc.id} \u2014 {text.title}"),
        (_("made from"), made_from),
        (_("seed"), str(src.seed)),
        (_("duration"), _("{s} s ({min} min)").format(
            s=decimal(f"{sc.run.duration_s:g}"), min=decimal(f"{sc.run.duration_s / 60:g}"))),
        (_("autonomy levels at start"), levels),
        (_("AI reliability"), decimal(f"{sc.ai.reliability:g}")),
        (_("operators"), f"{sc.operators.count}"),
        (_("people in seats"), ", ".join(src.human_seats) or _("none (model operators only)")),
    ]
    if src.recorded_to is not None:
        rows.append((_("recorded up to"), clock(src.recorded_to)))
    if src.overrides:
        rows.append((_("overrides"), ", ".join(f"{k}={v}" for k, v in src.overrides.items())))
    parts = [f'<p class="lead">{escape(text.description or "")}</p>', facts(rows)]
    if text.briefing:
        parts.append(f'<h3>{escape(_("Briefing"))}</h3>'
                     f'<div class="briefing">{prose(text.briefing)}</div>')
    if text.questions:
        items = "".join(f"<li>{escape(q)}</li>" for q in text.questions)
        parts.append(f'<h3>{escape(_("Discussion questions"))}</h3>'
                     f'<ol class="questions">{items}</ol>')
    return section("scenario", _("Scenario"), "\n".join(parts))


def _summary_section(metrics: dict[str, dict[str, Any]]) -> str:
    flat = flatten(metrics)
    cards = []
    for key in KEY_METRICS:
        if key in flat:
            cards.append(f'<div class="card"><div class="v">{escape(format_value(key, flat[key]))}'
                         f'</div><div class="l">{escape(label(key))}</div></div>')
    lead = _("Every number comes from the event log. Each line says what the metric means and "
             "which direction is better; n/a means there was nothing to count (for example a "
             "rate of uses of force in a run without any).")
    parts = [f'<p class="lead">{escape(lead)}</p>', f'<div class="cards">{"".join(cards)}</div>']
    groups = [g for g in GROUPS if g in metrics] + [g for g in metrics if g not in GROUPS]
    for group in groups:
        rows = []
        for key, value in flat.items():
            if key.split(".", 1)[0] != group:
                continue
            meta = info(key)
            rows.append(
                f'<tr><td class="name">{escape(meta.label)}</td>'
                f'<td class="value" data-metric="{escape(key)}" data-raw="{escape(repr(value))}">'
                f"{escape(format_value(key, value))}</td>"
                f'<td class="meaning">{escape(meta.sentence())}</td></tr>')
        parts.append(f"<h3>{escape(group_title(group))}</h3>"
                     f'<table class="metrics"><tbody>{"".join(rows)}</tbody></table>')
    return section("summary", _("Metrics summary"), "\n".join(parts), major=True)


def _marker_caption(markers: list[extract.Marker], marks: list[extract.Bookmark]) -> str:
    bits = [f"{i}: {m.label} ({clock(m.t)})" for i, m in enumerate(markers, 1)]
    text = _("Dotted lines: {list}.").format(list="; ".join(bits)) if bits else ""
    if marks:
        text += " " + _("Orange stars: bookmarks.")
    return text.strip()


def _escalation_section(src: ReportSource, markers: list[extract.Marker],
                        marks: list[extract.Bookmark]) -> str:
    ev = src.events
    steps = extract.escalation_steps(ev)
    png = plots.escalation_png(extract.rung_series(ev), steps, extract.uses_of_force(ev), markers,
                               marks, extract.duration(ev))
    caption = _("Both sides' rungs on the escalation ladder. Dots mark steps; a purple ring marks "
                "an inadvertent step (one that would not have happened without our wrongful "
                "engagements). Ticks at the bottom are uses of force, purple triangles force on "
                "civilians.") + " " + _marker_caption(markers, marks)
    rows = "".join(
        f'<tr{" class=inadvertent" if s.inadvertent else ""}><td class="num">{clock(s.t)}</td>'
        f"<td>{escape(term(s.side))}</td><td>{s.from_rung}\u2192{s.to_rung}</td>"
        f"<td>{escape(reasons(s.reason))}</td>"
        f"<td>{escape(_('yes') if s.inadvertent else _('no'))}</td></tr>" for s in steps)
    head = "".join(f"<th{cls}>{escape(h)}</th>" for cls, h in (
        (" class=num", _("time")), ("", _("side")), ("", _("rung")), ("", _("cause")),
        ("", _("inadvertent"))))
    table = (f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>" if steps else
             f'<p class="muted">{escape(_("Neither side moved on the ladder."))}</p>')
    body = (f"<figure>{img(png, _('escalation rungs over time'))}<figcaption>"
            f"{escape(caption.strip())}</figcaption></figure>"
            f"<h3>{escape(_('Escalation steps'))}</h3>{table}")
    return section("escalation", _("Escalation"), body, major=True)


def _trust_section(src: ReportSource, markers: list[extract.Marker],
                   marks: list[extract.Bookmark]) -> str:
    png = plots.trust_png(src.timeseries, markers, marks, extract.duration(src.events))
    flat = flatten(src.metrics)
    gap = format_value("human.trust_calibration_error", flat.get("human.trust_calibration_error"))
    caption = _("The AI's accuracy at each moment (ground truth, hidden from the players) and the "
                "operators' mean trust in it; the mean gap after assessments was {gap}.").format(
        gap=gap) + " " + _marker_caption(markers, marks)
    body = (f"<figure>{img(png, _('trust versus AI accuracy'))}<figcaption>"
            f"{escape(caption.strip())}</figcaption></figure>")
    return section("trust", _("Trust and AI accuracy"), body)


def _workload_section(src: ReportSource, markers: list[extract.Marker],
                      marks: list[extract.Bookmark]) -> str:
    png = plots.workload_png(src.timeseries, markers, marks, extract.duration(src.events))
    flat = flatten(src.metrics)
    caption = _("Share of operators busy reviewing (mean {mean}) and the number of reviews "
                "waiting for a free operator (longest queue {longest}).").format(
        mean=format_value("human.utilisation_mean", flat.get("human.utilisation_mean")),
        longest=format_value("human.queue_max", flat.get("human.queue_max")),
    ) + " " + _marker_caption(markers, marks)
    body = (f"<figure>{img(png, _('operator workload'))}<figcaption>"
            f"{escape(caption.strip())}</figcaption></figure>")
    return section("workload", _("Workload"), body)


DECISION_HEADERS = ("", "#", N_("time"), N_("track"), N_("truth"), N_("AI recommends"),
                    N_("level / protocol"), N_("who decided"), N_("review"), N_("verified"),
                    N_("outcome"), N_("civilian harm"), N_("escalation"))


def _decision_row(r: extract.DecisionRow) -> str:
    cls = ' class="bookmarked"' if r.bookmarks else ""
    star = (f'<span class="star" title="{escape("; ".join(r.bookmarks))}">\u2605</span>'
            if r.bookmarks else "")
    truth = escape(term(r.truth))
    if r.ai_wrong:
        truth = f'<span class="wrong">{truth}</span>'
    review = escape("-" if r.review_s is None else decimal(f"{r.review_s:.1f} s"))
    if r.review_note:
        review += f'<br><span class="muted">{escape(r.review_note)}</span>'
    harm = f'<span class="harm">{r.civilian_harm}</span>' if r.civilian_harm else "0"
    esc_cls = ' class="inadvertent"' if r.inadvertent else ""
    advice = _("{action} ({label}, {pct}%)").format(
        action=term(r.action), label=term(r.label), pct=f"{100 * r.confidence:.0f}")
    return (
        f'<tr{cls} data-decision="{r.decision}"><td>{star}</td><td class="num">{r.decision}'
        f'</td><td class="num">{clock(r.t)}</td><td>{r.track} {escape(term(r.contact))}</td>'
        f"<td>{truth}</td><td class=wrap>{escape(advice)}</td>"
        f"<td>{r.level} {escape(term(r.protocol))}</td>"
        f"<td>{escape(r.who)}</td><td class=num>{review}</td>"
        f"<td>{escape(r.verified)}</td><td class=wrap>{escape(outcome(r.outcome))}</td>"
        f'<td class="num">{harm}</td><td{esc_cls}>{escape(r.escalation)}</td></tr>')


def _decisions_section(src: ReportSource, marks: list[extract.Bookmark]) -> str:
    rows = extract.decision_rows(src.events)
    head = "".join(f"<th>{escape(_(h) if h not in ('', '#') else h)}</th>"
                   for h in DECISION_HEADERS)
    lead = escape(_(
        "One row per AI recommendation. {b}truth{_b} is the contact's real class, in red where "
        "acting on the advice would have been wrong. {b}who decided{_b}: a person in a seat, a "
        "model operator, or the AI (levels 6 and up). {b}review{_b} is the time the operator "
        "spent on it; a {b}rubber stamp{_b} is an approval of force not verified or shorter "
        "than the minimum review the ROE required at that moment.")).format(b="<b>", _b="</b>")
    bookmark_list = ""
    if marks:
        lead += " " + escape(_(
            "Rows highlighted with \u2605 are decisions something happened to near a bookmark: "
            "the AI's recommendation, a person's answer or the moment it was settled (carried "
            "out, rejected, blocked or timed out) falls within {n} s of the bookmark, before or "
            "after. A decision that was only waiting at that moment is not marked."
        ).format(n=f"{extract.BOOKMARK_SLACK_S:g}"))
        items = "".join(f"<li><b>{clock(b.t)}</b> {escape(b.label or _('bookmark'))}</li>"
                        for b in marks)
        bookmark_list = f'<h3>{escape(_("Bookmarks"))}</h3><ul class="bookmarks">{items}</ul>'
    else:
        lead += " " + escape(_("No bookmarks were set in this run."))
    table = (f'<div class="scroll"><table class="decisions"><thead><tr>{head}</tr></thead>'
             f'<tbody>{"".join(_decision_row(r) for r in rows)}</tbody></table></div>' if rows
             else f'<p class="muted">{escape(_("The AI made no recommendations."))}</p>')
    return section("decisions", _("Decisions"),
                   f'<p class="legend">{lead}</p>{bookmark_list}{table}', major=True)


def _gates_section(src: ReportSource) -> str:
    gates = extract.gates(src.events)
    if not gates:
        return section("gates", _("ROE gates"), '<p class="muted">' + escape(_(
            "No rule-of-engagement or governance gate fired in this run.")) + "</p>")
    counts: dict[tuple[str, str], int] = {}
    for g in gates:
        counts[(g["rule"], g["outcome"])] = counts.get((g["rule"], g["outcome"]), 0) + 1
    summary = ", ".join(f"{term(rule)} {term(result)} \u00d7{n}"
                        for (rule, result), n in counts.items())
    rows = "".join(
        f'<tr><td class="num">{clock(g["t"])}</td><td class="num">{g.get("decision", "")}</td>'
        f'<td class="num">{g.get("track", "")}</td><td>{escape(term(str(g["rule"])))}</td>'
        f'<td>{escape(term(str(g["outcome"])))}</td>'
        f'<td>{escape(str(g.get("detail") or ""))}</td></tr>'
        for g in gates)
    head = "".join(f"<th{cls}>{escape(h)}</th>" for cls, h in (
        (" class=num", _("time")), (" class=num", _("decision")), (" class=num", _("track")),
        ("", _("rule")), ("", _("outcome")), ("", _("detail"))))
    lead = _("Gates that changed who decides (referred, raised to human control) or stopped "
             "force (held, blocked): {summary}.").format(summary=summary)
    body = (f'<p class="lead">{escape(lead)}</p>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return section("gates", _("ROE gates"), body)


def _injects_section(markers: list[extract.Marker]) -> str:
    if not markers:
        return section("injects", _("Injects and changes"), '<p class="muted">' + escape(
            _("No injects or facilitator changes.")) + "</p>")
    rows = "".join(f'<tr><td class="num">{i}</td><td class="num">{clock(m.t)}</td>'
                   f"<td>{escape(m.label)}</td><td>{escape(term(m.source))}</td></tr>"
                   for i, m in enumerate(markers, 1))
    head = "".join(f"<th{cls}>{escape(h)}</th>" for cls, h in (
        (" class=num", "#"), (" class=num", _("time")), ("", _("what")), ("", _("source"))))
    body = (f'<p class="lead">{escape(_("Numbered as on the time plots."))}</p>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return section("injects", _("Injects and changes"), body)


def render(src: ReportSource, comparison: Comparison | None = None) -> str:
    """The whole report as one HTML string (no external resources), in the language in force."""
    sc = src.scenario
    markers = [replace(m, label=sc.inject_label(m.label)) for m in extract.markers(src.events)]
    marks = extract.bookmarks(src.events)
    title = sc.text().title or sc.title
    red_cell = red_cell_section(src)  # "" unless a red cell played
    sections = list(SECTIONS)
    if red_cell:
        sections.insert(3, ("red-cell", N_("Red cell")))
    toc = "".join(f'<a href="#{sid}">{escape(_(name))}</a>' for sid, name in sections)
    body = [
        _scenario_section(src),
        _summary_section(src.metrics),
        _escalation_section(src, markers, marks),
        red_cell,  # only when a red cell played
        _trust_section(src, markers, marks),
        _workload_section(src, markers, marks),
        _decisions_section(src, marks),
        _gates_section(src),
        _injects_section(markers),
        counterfactual_section(src, comparison),
        method_section(src),
    ]
    kind = _("session") if src.kind == "session" else _("run")
    n_events = len(src.events)
    return (
        f'<!DOCTYPE html>\n<html lang="{language()}"><head><meta charset="utf-8">'
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(_('After-action review: {title}').format(title=title))}</title>"
        f"<style>{CSS}</style></head><body><main>"
        f'<header class="top"><div class="kicker">{escape(_("After-action review"))}</div>'
        f"<h1>{escape(title)}</h1><div class=\"sub\">{escape(sc.id)} \u00b7 "
        f"{escape(_('seed {n}').format(n=src.seed))} \u00b7 {escape(kind)} "
        f"{escape(src.path.name)}</div></header><nav class=\"toc\">{toc}</nav>\n"
        + "".join(body)
        + f"<footer>hmt-sim {escape(__version__)} \u00b7 "
        f"{escape(ngettext('{n} event', '{n} events', n_events).format(n=n_events))} \u00b7 "
        f"{escape(_('after-action report'))}</footer></main></body></html>\n"
    )
