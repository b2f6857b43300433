"""Render the after-action report as one self-contained HTML file.

Everything is inline: the style sheet, and every figure as a base64 PNG ``data:`` URI, so the file
opens offline, can be mailed as one attachment, and prints to PDF from any browser. Every piece of
text from a scenario or a session is escaped.
"""

from __future__ import annotations

import base64
from html import escape
from typing import Any

from hmt_sim import __version__
from hmt_sim.metrics import GROUPS, flatten
from hmt_sim.report import extract, plots
from hmt_sim.report.counterfactual import Comparison, Placement, placements
from hmt_sim.report.css import CSS
from hmt_sim.report.glossary import GROUP_TITLES, KEY_METRICS, format_value, info, label
from hmt_sim.report.source import ReportSource

SECTIONS = (
    ("scenario", "Scenario"),
    ("summary", "Metrics summary"),
    ("escalation", "Escalation"),
    ("trust", "Trust and AI accuracy"),
    ("workload", "Workload"),
    ("decisions", "Decisions"),
    ("gates", "ROE gates"),
    ("injects", "Injects and changes"),
    ("counterfactuals", "Counterfactuals"),
    ("method", "How this report was made"),
)


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def _clock(t: float) -> str:
    """Simulation seconds as m:ss (runs last minutes, not hours)."""
    total = round(t)
    return f"{total // 60}:{total % 60:02d}"


def _facts(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="facts">{body}</table>'


def _section(sid: str, title: str, body: str, major: bool = False) -> str:
    cls = ' class="major"' if major else ""
    return f'<section id="{sid}"{cls}><h2>{escape(title)}</h2>\n{body}\n</section>\n'


def _scenario_section(src: ReportSource) -> str:
    sc = src.scenario
    levels = ", ".join(f"{k} {v}" for k, v in sc.autonomy.levels.items())
    facts = [
        ("scenario", f"{sc.id} \u2014 {sc.title}"),
        ("made from", f"{'session file' if src.kind == 'session' else 'run directory'} "
                      f"{src.path}"),
        ("seed", str(src.seed)),
        ("duration", f"{sc.run.duration_s:g} s ({sc.run.duration_s / 60:g} min)"),
        ("autonomy levels at start", levels),
        ("AI reliability", f"{sc.ai.reliability:g}"),
        ("operators", f"{sc.operators.count}"),
        ("people in seats", ", ".join(src.human_seats) or "none (model operators only)"),
    ]
    if src.recorded_to is not None:
        facts.append(("recorded up to", _clock(src.recorded_to)))
    if src.overrides:
        facts.append(("overrides", ", ".join(f"{k}={v}" for k, v in src.overrides.items())))
    parts = [f'<p class="lead">{escape(sc.description or "")}</p>', _facts(facts)]
    if sc.briefing:
        paras = "".join(f"<p>{escape(' '.join(p.split()))}</p>"
                        for p in sc.briefing.strip().split("\n\n") if p.strip())
        parts.append(f'<h3>Briefing</h3><div class="briefing">{paras}</div>')
    if sc.questions:
        items = "".join(f"<li>{escape(q)}</li>" for q in sc.questions)
        parts.append(f'<h3>Discussion questions</h3><ol class="questions">{items}</ol>')
    return _section("scenario", "Scenario", "\n".join(parts))


def _summary_section(metrics: dict[str, dict[str, Any]]) -> str:
    flat = flatten(metrics)
    cards = []
    for key in KEY_METRICS:
        if key in flat:
            cards.append(f'<div class="card"><div class="v">{escape(format_value(key, flat[key]))}'
                         f'</div><div class="l">{escape(label(key))}</div></div>')
    parts = ['<p class="lead">Every number comes from the event log. Each line says what the '
             "metric means and which direction is better; n/a means there was nothing to count "
             "(for example a rate of uses of force in a run without any).</p>",
             f'<div class="cards">{"".join(cards)}</div>']
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
        parts.append(f"<h3>{escape(GROUP_TITLES.get(group, group.title()))}</h3>"
                     f'<table class="metrics"><tbody>{"".join(rows)}</tbody></table>')
    return _section("summary", "Metrics summary", "\n".join(parts), major=True)


def _marker_caption(markers: list[extract.Marker], marks: list[extract.Bookmark]) -> str:
    bits = [f"{i}: {m.label} ({_clock(m.t)})" for i, m in enumerate(markers, 1)]
    text = "Dotted lines: " + "; ".join(bits) + "." if bits else ""
    if marks:
        text += " Orange stars: bookmarks."
    return text


def _escalation_section(src: ReportSource, markers: list[extract.Marker],
                        marks: list[extract.Bookmark]) -> str:
    ev = src.events
    steps = extract.escalation_steps(ev)
    png = plots.escalation_png(extract.rung_series(ev), steps, extract.uses_of_force(ev), markers,
                               marks, extract.duration(ev))
    caption = ("Both sides' rungs on the escalation ladder. Dots mark steps; a purple ring marks "
               "an inadvertent step (one that would not have happened without our wrongful "
               "engagements). Ticks at the bottom are uses of force, purple triangles force on "
               "civilians. " + _marker_caption(markers, marks))
    rows = "".join(
        f'<tr{" class=inadvertent" if s.inadvertent else ""}><td class="num">{_clock(s.t)}</td>'
        f"<td>{escape(s.side)}</td><td>{s.from_rung}\u2192{s.to_rung}</td>"
        f"<td>{escape(s.reason.replace('_', ' ').replace(',', ', '))}</td>"
        f"<td>{'yes' if s.inadvertent else 'no'}</td></tr>" for s in steps)
    table = ("<table><thead><tr><th class=num>time</th><th>side</th><th>rung</th><th>cause</th>"
             f"<th>inadvertent</th></tr></thead><tbody>{rows}</tbody></table>" if steps else
             '<p class="muted">Neither side moved on the ladder.</p>')
    body = (f"<figure>{_img(png, 'escalation rungs over time')}<figcaption>{escape(caption)}"
            f"</figcaption></figure><h3>Escalation steps</h3>{table}")
    return _section("escalation", "Escalation", body, major=True)


def _trust_section(src: ReportSource, markers: list[extract.Marker],
                   marks: list[extract.Bookmark]) -> str:
    png = plots.trust_png(src.timeseries, markers, marks, extract.duration(src.events))
    flat = flatten(src.metrics)
    gap = format_value("human.trust_calibration_error", flat.get("human.trust_calibration_error"))
    caption = ("The AI's accuracy at each moment (ground truth, hidden from the players) and the "
               f"operators' mean trust in it; the mean gap after assessments was {gap}. "
               + _marker_caption(markers, marks))
    body = f"<figure>{_img(png, 'trust versus AI accuracy')}<figcaption>{escape(caption)}" \
           "</figcaption></figure>"
    return _section("trust", "Trust and AI accuracy", body)


def _workload_section(src: ReportSource, markers: list[extract.Marker],
                      marks: list[extract.Bookmark]) -> str:
    png = plots.workload_png(src.timeseries, markers, marks, extract.duration(src.events))
    flat = flatten(src.metrics)
    caption = (f"Share of operators busy reviewing (mean "
               f"{format_value('human.utilisation_mean', flat.get('human.utilisation_mean'))}) "
               "and the number of reviews waiting for a free operator (longest queue "
               f"{format_value('human.queue_max', flat.get('human.queue_max'))}). "
               + _marker_caption(markers, marks))
    body = f"<figure>{_img(png, 'operator workload')}<figcaption>{escape(caption)}" \
           "</figcaption></figure>"
    return _section("workload", "Workload", body)


DECISION_HEADERS = ("", "#", "time", "track", "truth", "AI recommends", "level / protocol",
                    "who decided", "review", "verified", "outcome", "civilian harm",
                    "escalation")


def _decisions_section(src: ReportSource, marks: list[extract.Bookmark]) -> str:
    rows = extract.decision_rows(src.events)
    body_rows = []
    for r in rows:
        cls = ' class="bookmarked"' if r.bookmarks else ""
        star = (f'<span class="star" title="{escape("; ".join(r.bookmarks))}">\u2605</span>'
                if r.bookmarks else "")
        truth = f'<span class="wrong">{escape(r.truth)}</span>' if r.ai_wrong else escape(r.truth)
        review = "-" if r.review_s is None else f"{r.review_s:.1f} s"
        review = escape(review)
        if r.review_note:
            review += f'<br><span class="muted">{escape(r.review_note)}</span>'
        harm = (f'<span class="harm">{r.civilian_harm}</span>' if r.civilian_harm
                else "0")
        esc_cls = ' class="inadvertent"' if r.inadvertent else ""
        protocol = r.protocol.replace("_", " ")
        body_rows.append(
            f'<tr{cls} data-decision="{r.decision}"><td>{star}</td><td class="num">{r.decision}'
            f'</td><td class="num">{_clock(r.t)}</td><td>{r.track} {escape(r.contact)}</td>'
            f"<td>{truth}</td><td class=wrap>{escape(r.action)} ({escape(r.label)}, "
            f"{100 * r.confidence:.0f}%)</td><td>{r.level} {escape(protocol)}</td>"
            f"<td>{escape(r.who)}</td><td class=num>{review}</td>"
            f"<td>{escape(r.verified)}</td><td class=wrap>{escape(r.outcome)}</td>"
            f'<td class="num">{harm}</td><td{esc_cls}>{escape(r.escalation)}</td></tr>')
    head = "".join(f"<th>{escape(h)}</th>" for h in DECISION_HEADERS)
    lead = ("One row per AI recommendation. <b>truth</b> is the contact's real class, in red "
            "where acting on the advice would have been wrong. <b>who decided</b>: a person in "
            "a seat, a model operator, or the AI (levels 6 and up). <b>review</b> is the time "
            "the operator spent on it; a <b>rubber stamp</b> is an approval of force not verified "
            "or shorter than the minimum review the ROE required at that moment.")
    bookmark_list = ""
    if marks:
        lead += (" Rows highlighted with \u2605 are at bookmarked moments (the bookmark falls "
                 f"within {extract.BOOKMARK_SLACK_S:g} s of the decision).")
        items = "".join(f"<li><b>{_clock(b.t)}</b> {escape(b.label or 'bookmark')}</li>"
                        for b in marks)
        bookmark_list = f'<h3>Bookmarks</h3><ul class="bookmarks">{items}</ul>'
    else:
        lead += " No bookmarks were set in this run."
    table = (f'<div class="scroll"><table class="decisions"><thead><tr>{head}</tr></thead>'
             f'<tbody>{"".join(body_rows)}</tbody></table></div>' if rows else
             '<p class="muted">The AI made no recommendations.</p>')
    return _section("decisions", "Decisions",
                    f'<p class="legend">{lead}</p>{bookmark_list}{table}', major=True)


def _gates_section(src: ReportSource) -> str:
    gates = extract.gates(src.events)
    if not gates:
        return _section("gates", "ROE gates", '<p class="muted">No rule-of-engagement or '
                        "governance gate fired in this run.</p>")
    counts: dict[tuple[str, str], int] = {}
    for g in gates:
        counts[(g["rule"], g["outcome"])] = counts.get((g["rule"], g["outcome"]), 0) + 1
    summary = ", ".join(f"{rule} {outcome} \u00d7{n}" for (rule, outcome), n in counts.items())
    rows = "".join(
        f'<tr><td class="num">{_clock(g["t"])}</td><td class="num">{g.get("decision", "")}</td>'
        f'<td class="num">{g.get("track", "")}</td><td>{escape(str(g["rule"]))}</td>'
        f'<td>{escape(str(g["outcome"]))}</td><td>{escape(str(g.get("detail") or ""))}</td></tr>'
        for g in gates)
    body = (f'<p class="lead">Gates that changed who decides (referred, raised to human '
            f"control) or stopped force (held, blocked): {escape(summary)}.</p>"
            "<table><thead><tr><th class=num>time</th><th class=num>decision</th>"
            "<th class=num>track</th><th>rule</th><th>outcome</th><th>detail</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")
    return _section("gates", "ROE gates", body)


def _injects_section(markers: list[extract.Marker]) -> str:
    if not markers:
        return _section("injects", "Injects and changes",
                        '<p class="muted">No injects or facilitator changes.</p>')
    rows = "".join(f'<tr><td class="num">{i}</td><td class="num">{_clock(m.t)}</td>'
                   f"<td>{escape(m.label)}</td><td>{escape(m.source)}</td></tr>"
                   for i, m in enumerate(markers, 1))
    body = ('<p class="lead">Numbered as on the time plots.</p><table><thead><tr>'
            "<th class=num>#</th><th class=num>time</th><th>what</th><th>source</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>")
    return _section("injects", "Injects and changes", body)


def _median_phrase(key: str, p: Placement) -> str:
    if p.n == 0:
        return "n/a in every run"
    text = (f"the median is {format_value(key, p.median)} (IQR {format_value(key, p.q1)}"
            f"\u2013{format_value(key, p.q3)})")
    if p.n_na:
        text += f", n/a in {p.n_na} of {p.n + p.n_na} runs"
    return text


def sentence(key: str, actual: Any, labels: list[str], places: list[Placement],
             kind: str) -> str:
    """"This run had 2 wrongful engagements; at level 5 the median is 0 (IQR 0-1), ..."."""
    meta = info(key)
    subject = "This session" if kind == "session" else "This run"
    value = format_value(key, actual)
    if meta.unit == "count":
        head = f"{subject} had {value} {meta.label.lower()}"
    else:
        head = f"{subject}'s {meta.label.lower()} was {value}"
    parts = []
    for i, (lab, p) in enumerate(zip(labels, places, strict=True)):
        phrase = _median_phrase(key, p)
        if i > 1 and p.n:
            phrase = phrase.replace("the median is", "it is", 1)
        parts.append(f"{lab} {phrase}")
    return f"{head}; " + "; ".join(parts) + "."


def _percentile_note(p: Placement, actual: Any) -> str:
    if p.percentile is None or actual is None:
        return ""
    return f"<br>this run at P{p.percentile:.0f}"


def _group_phrase(label_: str, i: int, kind: str) -> str:
    if i == 0:
        return ("as set up, with model operators," if kind == "session" else "as set up")
    return f"at {label_}"


def _counterfactual_section(src: ReportSource, cmp: Comparison | None) -> str:
    if cmp is None:
        return _section("counterfactuals", "Counterfactuals", (
            '<p class="muted">Not requested. Add <code>--compare autonomy.level=5,7,9 '
            "--seeds 50</code> to re-simulate this scenario at other settings over paired "
            "seeds and see where this run sits.</p>"))
    labels = [g.label for g in cmp.groups]
    phrases = [_group_phrase(lab, i, src.kind) for i, lab in enumerate(labels)]
    short = ["as run"] + [lab.partition("=")[2] for lab in labels[1:]]
    seeds = f"{cmp.seeds[0]}\u2013{cmp.seeds[-1]}" if len(cmp.seeds) > 1 else str(cmp.seeds[0])
    intro = (f"Each setting of <code>{escape(cmp.spec.key)}</code> was re-simulated over the same "
             f"{len(cmp.seeds)} seeds ({seeds}; this run's seed first), so every setting sees the "
             "same world, the same AI errors and the same adversary: the seeds are paired. "
             "\u201cas run\u201d is the scenario with this run's own settings.")
    notes = []
    kept = extract.input_counts(cmp.inputs_kept)
    if src.human_seats or cmp.inputs_dropped or src.kind == "session":
        notes.append("Counterfactual runs put model operators in every seat: the people's own "
                     "decisions cannot be replayed, because a decision in this run may not exist "
                     "at another setting. Only the facilitator's inputs (injects, autonomy and "
                     "reliability changes, bookmarks) are re-applied.")
    if kept:
        notes.append("Re-applied: " + ", ".join(f"{n} {k}" for k, n in kept.items()) + ".")
    if cmp.inputs_dropped:
        notes.append("Not re-applied: " + ", ".join(f"{n} {k}" for k, n in
                                                    cmp.inputs_dropped.items()) + ".")
    first = cmp.groups[0].rows[0] if cmp.groups[0].rows else {}
    same = all(first.get(k) == cmp.actual.get(k) for k in KEY_METRICS)
    if not src.human_seats and not cmp.inputs_dropped:  # "as run" replays the run exactly
        notes.append("Check: the \u201cas run\u201d re-simulation at seed "
                     f"{cmp.seeds[0]} {'reproduces' if same else 'does NOT reproduce'} this "
                     "run's key metrics" + ("." if same else " (the engine changed since the "
                                            "run was made?)."))
    cards = []
    table_rows = []
    for key in KEY_METRICS:
        places = placements(cmp, key)
        actual = cmp.actual.get(key)
        text = sentence(key, actual, phrases, places, src.kind)
        meta = info(key)
        unit = {"count": "count", "share": "share (0-1)", "rung": "rung (0-7)",
                "s": "seconds"}.get(meta.unit, meta.unit)
        png = plots.distribution_png(meta.label, unit, short,
                                     [g.values(key) for g in cmp.groups], actual,
                                     seed=cmp.seeds[0], xlabel=cmp.spec.key,
                                     integer=meta.unit in ("count", "rung"))
        cards.append(f'<div class="cf" data-metric="{escape(key)}"><p>{escape(text)}</p>'
                     f"<figure>{_img(png, meta.label + ' by setting')}</figure></div>")
        cells = "".join(
            f'<td class="num" data-median="{p.median}">'
            f"{escape(_median_phrase(key, p).replace('the median is ', ''))}"
            f"{_percentile_note(p, actual)}</td>" for p in places)
        table_rows.append(f"<tr><td>{escape(meta.label)}</td><td class=num>"
                          f"{escape(format_value(key, actual))}</td>{cells}</tr>")
    head = "".join(f"<th class=num>{escape(lab)}</th>" for lab in labels)
    table = (f"<table><thead><tr><th>metric</th><th class=num>this {src.kind}</th>{head}</tr>"
             f"</thead><tbody>{''.join(table_rows)}</tbody></table>"
             '<p class="legend">Median (IQR: middle half of the runs); P = the percentile where '
             "this run sits among the runs at that setting (50 = typical).</p>")
    note_html = f'<p class="note">{escape(" ".join(notes))}</p>' if notes else ""
    body = (f'<p class="lead">{intro}</p>{note_html}{table}'
            f'<div class="cf-grid">{"".join(cards)}</div>'
            f'<p class="legend">Dots: one run per seed; boxes: median and quartiles; dashed line: '
            f"this {src.kind}. {len(cmp.seeds) * len(cmp.groups)} runs on {cmp.workers} "
            f"worker process(es) in {cmp.elapsed_s:.1f} s.</p>")
    return _section("counterfactuals", "Counterfactuals", body, major=True)


def _method_section(src: ReportSource) -> str:
    made = ("re-simulated from the session's scenario, seed and inputs" if src.kind == "session"
            else "read from the run directory's event log and metrics.json")
    version = src.version or "unknown"
    counts = extract.input_counts(src.inputs)
    inputs = ", ".join(f"{n} {k}" for k, n in counts.items()) or "none"
    if src.recorded_to is not None and src.recorded_to < src.scenario.run.duration_s:
        made += (f" (the room stopped at {_clock(src.recorded_to)}; the rest of the run was "
                 "simulated with no further input, so decisions waiting for a person in a seat "
                 "timed out)")
    body = (f"<p>This report was {made}. A run is a pure function of its scenario, seed and "
            "inputs, so the same three reproduce it event for event. Inputs recorded: "
            f"{escape(inputs)}. Made with hmt-sim {escape(__version__)} (run recorded with "
            f"{escape(version)}); {len(src.events)} events.</p>"
            f"<p>Reproduce: <code>hmt-sim run {escape(src.scenario.id)} --seed {src.seed}</code>"
            f"{' with the session inputs' if src.inputs else ''}.</p>")
    return _section("method", "How this report was made", body)


def render(src: ReportSource, comparison: Comparison | None = None) -> str:
    """The whole report as one HTML string (no external resources)."""
    markers = extract.markers(src.events)
    marks = extract.bookmarks(src.events)
    sc = src.scenario
    toc = "".join(f'<a href="#{sid}">{escape(title)}</a>' for sid, title in SECTIONS)
    body = [
        _scenario_section(src),
        _summary_section(src.metrics),
        _escalation_section(src, markers, marks),
        _trust_section(src, markers, marks),
        _workload_section(src, markers, marks),
        _decisions_section(src, marks),
        _gates_section(src),
        _injects_section(markers),
        _counterfactual_section(src, comparison),
        _method_section(src),
    ]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>After-action review: {escape(sc.title)}</title><style>{CSS}</style></head>"
        "<body><main>"
        f'<header class="top"><div class="kicker">After-action review</div>'
        f"<h1>{escape(sc.title)}</h1><div class=\"sub\">{escape(sc.id)} \u00b7 seed {src.seed}"
        f" \u00b7 {'session' if src.kind == 'session' else 'run'} {escape(src.path.name)}</div>"
        f'</header><nav class="toc">{toc}</nav>\n'
        + "".join(body)
        + f"<footer>hmt-sim {escape(__version__)} \u00b7 after-action report</footer>"
        "</main></body></html>\n"
    )
