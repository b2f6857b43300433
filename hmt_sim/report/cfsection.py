"""The report's counterfactual section: where this run sits among re-simulations at other
settings over paired seeds (``hmt_sim.report.counterfactual`` makes the runs)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from typing import Any

from hmt_sim.i18n import _, decimal, ngettext
from hmt_sim.report import extract, plots
from hmt_sim.report.counterfactual import Comparison, Placement, placements
from hmt_sim.report.glossary import KEY_METRICS, format_value, info
from hmt_sim.report.parts import img, section
from hmt_sim.report.source import ReportSource

# Counted metrics in a sentence: "This run had 1 leaker" / "3 leakers". A count metric not
# listed reads "This run's <label>: <n>".
COUNT_PHRASES: dict[str, Callable[[int], str]] = {
    "harm.wrongful_engagements": lambda n: ngettext(
        "{n} wrongful engagement", "{n} wrongful engagements", n),
    "harm.civilian_casualties": lambda n: ngettext(
        "{n} civilian casualty", "{n} civilian casualties", n),
    "mission.leakers": lambda n: ngettext("{n} leaker", "{n} leakers", n),
    "mission.threats_neutralised": lambda n: ngettext(
        "{n} threat neutralised", "{n} threats neutralised", n),
    "control.uses_of_force": lambda n: ngettext("{n} use of force", "{n} uses of force", n),
    "escalation.inadvertent_steps": lambda n: ngettext(
        "{n} inadvertent escalation step", "{n} inadvertent escalation steps", n),
}

_CLASH = re.compile(r"^(?P<kind>\S+) \(clashes with (?P<key>[^)]*)\)$")


def _median_phrase(key: str, p: Placement, first: bool = True) -> str:
    if p.n == 0:
        return _("n/a in every run")
    values = {"median": format_value(key, p.median), "q1": format_value(key, p.q1),
              "q3": format_value(key, p.q3)}
    if first:
        text = _("the median is {median} (IQR {q1}\u2013{q3})").format(**values)
    else:
        text = _("it is {median} (IQR {q1}\u2013{q3})").format(**values)
    if p.n_na:
        text += _(", n/a in {n} of {total} runs").format(n=p.n_na, total=p.n + p.n_na)
    return text


def _cell_phrase(key: str, p: Placement) -> str:
    if p.n == 0:
        return _("n/a in every run")
    text = _("{median} (IQR {q1}\u2013{q3})").format(
        median=format_value(key, p.median), q1=format_value(key, p.q1),
        q3=format_value(key, p.q3))
    if p.n_na:
        text += _(", n/a in {n} of {total} runs").format(n=p.n_na, total=p.n + p.n_na)
    return text


def _head(key: str, actual: Any, kind: str) -> str:
    meta = info(key)
    value = format_value(key, actual)
    session = kind == "session"
    phrase = COUNT_PHRASES.get(key)
    if phrase is not None and isinstance(actual, int | float) and float(actual).is_integer():
        what = phrase(int(actual)).format(n=value)
        return (_("This session had {what}") if session else _("This run had {what}")).format(
            what=what)
    return (_("This session's {metric} was {value}") if session
            else _("This run's {metric} was {value}")).format(metric=meta.label.lower(),
                                                             value=value)


def sentence(key: str, actual: Any, labels: list[str], places: list[Placement],
             kind: str) -> str:
    """"This run had 2 wrongful engagements; at level 5 the median is 0 (IQR 0-1), ..."."""
    parts = [f"{lab} {_median_phrase(key, p, first=i < 2)}"
             for i, (lab, p) in enumerate(zip(labels, places, strict=True))]
    return f"{_head(key, actual, kind)}; " + "; ".join(parts) + "."


def _percentile_note(p: Placement, actual: Any, kind: str) -> str:
    if p.percentile is None or actual is None:
        return ""
    note = (_("this session at P{p}") if kind == "session" else _("this run at P{p}"))
    return "<br>" + escape(note.format(p=f"{p.percentile:.0f}"))


def _group_phrase(label_: str, i: int, kind: str) -> str:
    if i == 0:
        return (_("as set up, with model operators,") if kind == "session" else _("as set up"))
    return _("at {setting}").format(setting=label_)


def _input_label(label_: str) -> str:
    clash = _CLASH.match(label_)
    if clash:
        return _("{input} (clashes with {key})").format(input=clash["kind"], key=clash["key"])
    return label_


def _notes(src: ReportSource, cmp: Comparison) -> list[str]:
    notes = []
    kept = extract.input_counts(cmp.inputs_kept)
    if src.human_seats or cmp.inputs_dropped or src.kind == "session":
        notes.append(_("Counterfactual runs put model operators in every seat: the people's own "
                       "decisions cannot be replayed, because a decision in this run may not "
                       "exist at another setting. Only the facilitator's inputs (injects, "
                       "autonomy and reliability changes, bookmarks) are re-applied."))
    if kept:
        notes.append(_("Re-applied: {list}.").format(
            list=", ".join(f"{k} \u00d7{n}" for k, n in kept.items())))
    if cmp.inputs_dropped:
        notes.append(_("Not re-applied: {list}.").format(
            list=", ".join(f"{_input_label(k)} \u00d7{n}" for k, n in cmp.inputs_dropped.items())))
    first = cmp.groups[0].rows[0] if cmp.groups[0].rows else {}
    same = all(first.get(k) == cmp.actual.get(k) for k in KEY_METRICS)
    if not src.human_seats and not cmp.inputs_dropped:  # "as run" replays the run exactly
        if same:
            notes.append(_("Check: the \u201cas run\u201d re-simulation at seed {seed} "
                           "reproduces this run's key metrics.").format(seed=cmp.seeds[0]))
        else:
            notes.append(_("Check: the \u201cas run\u201d re-simulation at seed {seed} does NOT "
                           "reproduce this run's key metrics (the engine changed since the run "
                           "was made?).").format(seed=cmp.seeds[0]))
    return notes


def counterfactual_section(src: ReportSource, cmp: Comparison | None) -> str:
    """Each key metric: this run's value against its spread at each compared setting."""
    title = _("Counterfactuals")
    if cmp is None:
        text = escape(_("Not requested. Add {code} to re-simulate this scenario at other settings "
                        "over paired seeds and see where this run sits.")).format(
            code="<code>--compare autonomy.level=5,7,9 --seeds 50</code>")
        return section("counterfactuals", title, f'<p class="muted">{text}</p>')
    labels = [g.label for g in cmp.groups]
    phrases = [_group_phrase(lab, i, src.kind) for i, lab in enumerate(labels)]
    short = [_("as run")] + [lab.partition("=")[2] for lab in labels[1:]]
    seeds = f"{cmp.seeds[0]}\u2013{cmp.seeds[-1]}" if len(cmp.seeds) > 1 else str(cmp.seeds[0])
    intro = escape(_(
        "Each setting of {key} was re-simulated over the same {n} seeds ({seeds}; this run's "
        "seed first), so every setting sees the same world, the same AI errors and the same "
        "adversary: the seeds are paired. \u201cas run\u201d is the scenario with this run's own "
        "settings.")).format(key=f"<code>{escape(cmp.spec.key)}</code>", n=len(cmp.seeds),
                             seeds=seeds)
    cards = []
    table_rows = []
    units = {"count": _("count"), "share": _("share (0-1)"), "rung": _("rung (0-7)"),
             "s": _("seconds")}
    for key in KEY_METRICS:
        places = placements(cmp, key)
        actual = cmp.actual.get(key)
        meta = info(key)
        png = plots.distribution_png(meta.label, units.get(meta.unit, meta.unit), short,
                                     [g.values(key) for g in cmp.groups], actual,
                                     seed=cmp.seeds[0], xlabel=cmp.spec.key,
                                     integer=meta.unit in ("count", "rung"))
        text = sentence(key, actual, phrases, places, src.kind)
        alt = _("{metric} by setting").format(metric=meta.label)
        cards.append(f'<div class="cf" data-metric="{escape(key)}"><p>{escape(text)}</p>'
                     f"<figure>{img(png, alt)}</figure></div>")
        cells = "".join(
            f'<td class="num" data-median="{p.median}">{escape(_cell_phrase(key, p))}'
            f"{_percentile_note(p, actual, src.kind)}</td>" for p in places)
        table_rows.append(f"<tr><td>{escape(meta.label)}</td><td class=num>"
                          f"{escape(format_value(key, actual))}</td>{cells}</tr>")
    head = "".join(f"<th class=num>{escape(lab)}</th>" for lab in labels)
    this = _("this session") if src.kind == "session" else _("this run")
    table = (f"<table><thead><tr><th>{escape(_('metric'))}</th><th class=num>{escape(this)}"
             f"</th>{head}</tr></thead><tbody>{''.join(table_rows)}</tbody></table>"
             '<p class="legend">' + escape(_(
                 "Median (IQR: middle half of the runs); P = the percentile where this run sits "
                 "among the runs at that setting (50 = typical).")) + "</p>")
    notes = _notes(src, cmp)
    note_html = f'<p class="note">{escape(" ".join(notes))}</p>' if notes else ""
    runs = len(cmp.seeds) * len(cmp.groups)
    legend = (_("Dots: one run per seed; boxes: median and quartiles; dashed line: this session.")
              if src.kind == "session" else
              _("Dots: one run per seed; boxes: median and quartiles; dashed line: this run."))
    timing = ngettext("{runs} runs on {n} worker process in {s} s.",
                      "{runs} runs on {n} worker processes in {s} s.", cmp.workers).format(
        runs=runs, n=cmp.workers, s=decimal(f"{cmp.elapsed_s:.1f}"))
    body = (f'<p class="lead">{intro}</p>{note_html}{table}'
            f'<div class="cf-grid">{"".join(cards)}</div>'
            f'<p class="legend">{escape(legend)} {escape(timing)}</p>')
    return section("counterfactuals", title, body, major=True)
