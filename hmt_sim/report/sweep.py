"""The sweep report: one self-contained HTML page that explains a sweep to a room of
policymakers (``hmt-sim report SWEEP_DIR -o sweep.html``).

It reads a sweep results folder and shows, in plain words first and figures second: what was
varied, which outcome each factor moves and by how much (main effects with 95% intervals), how
two factors act together (a heatmap), how much of each outcome's variation each factor accounts
for (Sobol or Morris indices, when the design allows), and where in the space an outcome becomes
likely, as rules (PRIM and CART). Like the run report, everything is inline (style sheet and
PNG figures as ``data:`` URIs), all text is escaped, and the page prints to A4.
"""

from __future__ import annotations

import base64
import math
import os
from html import escape
from pathlib import Path
from typing import Any

from hmt_sim import __version__
from hmt_sim.i18n import N_, _, decimal, language, ngettext, pgettext
from hmt_sim.report.css import CSS
from hmt_sim.report.glossary import info
from hmt_sim.report.sweep_data import (
    DEFAULT_WHERE,
    MAX_FACTORS,
    MAX_METRICS,
    Effect,
    SweepReportData,
    collect,
    strongest,
)
from hmt_sim.report.sweep_names import factor_name, metric_name

SECTIONS = (  # titles marked for the catalog, translated where shown
    ("overview", N_("What was swept")),
    ("findings", N_("Key findings")),
    ("effects", N_("Main effects")),
    ("interaction", N_("Interaction")),
    ("sensitivity", N_("Sensitivity")),
    ("rules", N_("Where it becomes likely")),
    ("glossary", N_("Glossary")),
    ("method", N_("How this report was made")),
)
EXTRA_CSS = """
ul.findings li { margin: 4px 0 8px; }
ol.rules li { margin: 4px 0 10px; }
.rule-meta { color: var(--muted); font-size: 13px; }
code { font-size: 13px; background: var(--band); padding: 0 3px; border-radius: 3px; }
figure.narrow img { max-width: 760px; }
.nowrap { white-space: nowrap; }
"""
UNIT_WORDS = {"count": N_("count"), "share": N_("share, 0-1"), "s": N_("seconds"),
              "rung": N_("rung, 0-7"), "number": N_("number"), "text": N_("text")}
OP_WORDS = {">=": N_("is at least"), ">": N_("is more than"), "<=": N_("is at most"),
            "<": N_("is less than"), "==": N_("equals")}


def is_sweep_dir(path: str | os.PathLike[str]) -> bool:
    """A sweep results folder (it has the sweep manifest), as opposed to a run directory."""
    from hmt_sim.sweep.store import MANIFEST

    p = Path(path)
    return p.is_dir() and (p / MANIFEST).is_file()


def default_output(path: str | os.PathLike[str]) -> Path:
    """``DIR.report.html`` beside the sweep folder (never inside it: the folder holds only the
    sweep's own files, so ``--force`` can replace it)."""
    p = Path(path)
    return p.with_name(f"{p.name}.report.html")


def build_sweep_report(source: str | os.PathLike[str],
                       out: str | os.PathLike[str] | None = None, *,
                       where: str | None = None, metrics: list[str] | None = None,
                       heatmap: tuple[str, str] | None = None, seed: int = 0) -> Path:
    """Write the sweep report of ``source`` and return its path.

    ``where``: the condition of the discovery section (default ``DEFAULT_WHERE`` when the sweep
    kept that metric); ``metrics``: metrics or groups to show (default: the key metrics);
    ``heatmap``: the two factors of the interaction map (default: the two that move the
    condition's metric most); ``seed``: the sensitivity bootstrap's seed.
    """
    from hmt_sim.errors import InputError
    from hmt_sim.fileio import write_text_atomic

    path = Path(out) if out is not None else default_output(source)
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give a file name such as sweep.html")
    if not path.parent.exists():
        raise InputError(f"{path.parent}: no such directory for the report")
    data = collect(source, where=where, metrics=metrics, heatmap=heatmap, seed=seed)
    write_text_atomic(path, render_sweep(data))
    return path


# --------------------------------------------------------------------------------------------
# Small pieces
# --------------------------------------------------------------------------------------------


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def _section(sid: str, title: str, body: str, major: bool = False) -> str:
    cls = ' class="major"' if major else ""
    return f'<section id="{sid}"{cls}><h2>{escape(title)}</h2>\n{body}\n</section>\n'


def _num(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(v):
        return _("n/a")
    if v.is_integer() and abs(v) < 1e6:
        return str(int(v))
    return decimal(f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}")


def _value(metric: str, value: float) -> str:
    """A metric's value as a reader expects it: shares as percentages."""
    if not math.isfinite(value):
        return _("n/a")
    if info(metric).unit == "share":
        return f"{100 * value:.0f}%"
    return _num(value)


def _ci(metric: str, low: float, high: float) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return _("no interval")
    return _("95% CI {low} to {high}").format(low=_value(metric, low), high=_value(metric, high))


def _lower(text: str) -> str:
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def _level(value: Any, binned: bool) -> str:
    return _("about {value}").format(value=_num(value)) if binned else _num(value)


def _table(head: list[str], rows: list[list[str]], num: set[int] | None = None) -> str:
    num = num or set()
    th = "".join(f'<th{" class=num" if i in num else ""}>{escape(h)}</th>'
                 for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f'<td{" class=num" if i in num else ""}>{c}</td>'
                                    for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f'<div class="scroll"><table><thead><tr>{th}</tr></thead><tbody>{body}</tbody>' \
           "</table></div>"


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------


def scenario_name(text: str) -> str:
    """A bundled scenario's id rather than the path it was read from."""
    return Path(text).stem if text.endswith((".yaml", ".yml")) else text


def _factor_values(data: SweepReportData, factor: str) -> str:
    values = sorted({p["factors"][factor] for p in data.manifest["points"]}, key=str)
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    if numeric:
        values = sorted(values)
    if len(values) <= 8:
        return ", ".join(_num(v) if numeric else str(v) for v in values)
    return _("{low} to {high} ({n} values sampled)").format(low=_num(values[0]),
                                                           high=_num(values[-1]), n=len(values))


def _overview(data: SweepReportData) -> str:
    spec = data.manifest.get("spec", {})
    design = spec.get("design")
    design_text = (_("{design} of {size}").format(design=next(iter(design)),
                                                  size=next(iter(design.values())))
                   if isinstance(design, dict) else str(design or "full_factorial"))
    df = data.results
    failed = int((df["status"] != "ok").sum())
    points = len(data.manifest["points"])
    facts = [
        (_("scenario"), scenario_name(str(spec.get("scenario", "?")))),
        (_("design"), ngettext("{design}: {n} design point", "{design}: {n} design points",
                               points).format(design=design_text, n=points)),
        (_("seeds"), _("{n} per point, the same at every point (paired)").format(n=data.seeds)),
        (_("runs"), _("{n} ({ok} ok, {failed} failed)").format(n=len(df), ok=data.ok_runs,
                                                               failed=failed)),
        (_("fixed settings"), ", ".join(f"{k}={v}" for k, v in (spec.get("set") or {}).items())
         or _("none")),
    ]
    precision = data.manifest.get("precision")
    if isinstance(precision, dict):
        facts.append((_("seeds chosen by"), _(
            "precision target: {metric} within +/- {half} (95% interval), at most {n} seeds"
        ).format(metric=precision.get("metric"), half=precision.get("halfwidth"),
                 n=precision.get("max_seeds"))))
    fact_rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    rows = [[escape(factor_name(f)), f"<code>{escape(f)}</code>", escape(_factor_values(data, f))]
            for f in data.results.attrs["factors"]]
    lead = escape(spec.get("description") or spec.get("name") or "")
    body = (f'<p class="lead">{lead}</p><table class="facts">{fact_rows}</table>'
            f"<h3>{escape(_('Factors varied'))}</h3>"
            + _table([_("factor"), _("key"), _("values")], rows)
            + '<p class="legend">' + escape(_(
                "Every design point ran the same seeds, so each point saw the same world, the "
                "same AI errors and the same adversary: differences between points come from "
                "the settings, not from luck.")) + "</p>")
    return _section("overview", _("What was swept"), body)


def effect_sentence(effect: Effect, why: str | None = None, note: str = "") -> str:
    """``Wrongful engagements (count) moves most with AI reliability: from 0.4 (95% CI ...) at
    about 0.93 to 3.1 (...) at about 0.62, averaged over the other factors; ...``"""
    t = effect.table.dropna(subset=["mean"])
    lo, hi = t.loc[t["mean"].idxmin()], t.loc[t["mean"].idxmax()]
    m = effect.metric
    separate = hi["ci_low"] > lo["ci_high"]
    verdict = (_("the intervals do not overlap: a clear effect at these seeds") if separate else
               _("the intervals overlap: the sweep cannot yet tell these apart"))
    return _("{metric} {why} {factor}{note}: from {low} ({low_ci}) at {low_at} to {high} "
             "({high_ci}) at {high_at}, averaged over the other factors; {verdict}.").format(
        metric=metric_name(m), why=why if why is not None else _("moves most with"),
        factor=_lower(factor_name(effect.factor)), note=note, low=_value(m, lo["mean"]),
        low_ci=_ci(m, lo["ci_low"], lo["ci_high"]), low_at=_level(lo[effect.factor],
                                                                 effect.binned),
        high=_value(m, hi["mean"]), high_ci=_ci(m, hi["ci_low"], hi["ci_high"]),
        high_at=_level(hi[effect.factor], effect.binned), verdict=verdict)


def _findings(data: SweepReportData) -> str:
    items = []
    for metric in data.metrics:
        top = strongest(data.effects.get(metric, []))
        if top is None or top.spread == 0:
            items.append(_("{metric} does not change over this sweep.").format(
                metric=metric_name(metric)))
            continue
        driver = _sobol_driver(data, metric)
        if driver is None:
            items.append(effect_sentence(top))
            continue
        factor, total = driver
        effect = next(e for e in data.effects[metric] if e.factor == factor)
        items.append(effect_sentence(effect, _("depends most on"), " " + _(
            "(Sobol total index {st})").format(st=decimal(f"{total:.2f}"))))
    found = data.discovery
    if found is not None and found.prim_rules and found.prim_rules[0].limits:
        items.append(_("Scenario discovery: {rule}").format(
            rule=rule_sentence(found.prim_rules[0], found)))
    lis = "".join(f"<li>{escape(t)}</li>" for t in items)
    left = ""
    if data.left_out:
        left = " " + _("Not shown (the report keeps to {m} outcomes and {f} factors): {list}; "
                       "choose outcomes with --metric.").format(
            m=MAX_METRICS, f=MAX_FACTORS, list=", ".join(data.left_out))
    legend = _("Each figure is a mean over the runs at that setting with its 95% bootstrap "
               "interval. An interval is the range of values the sweep cannot rule out; where "
               "two intervals overlap, more seeds are needed before calling the difference real.")
    body = (f'<ul class="findings">{lis}</ul><p class="legend">{escape(legend)}'
            f"{escape(left)}</p>")
    return _section("findings", _("Key findings"), body)


def _sobol_driver(data: SweepReportData, metric: str) -> tuple[str, float] | None:
    """The factor with the largest Sobol total index for ``metric`` and that index, when the
    sweep has Sobol indices for it (they account for the other factors; a pooled main effect
    of a sampled design can reflect them)."""
    res = data.sensitivity
    if res is None or res.method != "sobol":
        return None
    for m in res.metrics:
        if m.metric == metric and m.indices:
            top = max(m.indices, key=lambda r: r.total)
            if top.factor in data.factors:
                return top.factor, top.total
    return None


def _effects(data: SweepReportData) -> str:
    from hmt_sim.report.sweep_figures import main_effects_png

    if not data.factors:
        return _section("effects", _("Main effects"), '<p class="muted">' + escape(_(
            "No factor varies in this sweep.")) + "</p>")
    moving = {m: e for m, e in data.effects.items() if any(x.spread > 0 for x in e)}
    if not moving:
        return _section("effects", _("Main effects"), '<p class="muted">' + escape(_(
            "No outcome changes over this sweep.")) + "</p>")
    png = main_effects_png(moving, data.factors)
    caption = _("Each panel: the mean of one outcome (row) at each value of one factor (column), "
                "over every run at that value, whatever the other factors were; the band is the "
                "95% bootstrap interval over those runs (it never leaves the outcome's possible "
                "range). Panels in a row share their vertical scale, so the steepest line is the "
                "factor that moves that outcome most. Sampled factors are grouped into 8 bins. "
                "Outcomes that do not change are left out.")
    rows = []
    for metric in data.metrics:
        effects = data.effects[metric]
        top = strongest(effects)
        cells = []
        for e in effects:
            text = escape(_spread_text(metric, e))
            cells.append(f"<b>{text}</b>" if e is top and e.spread > 0 else text)
        rows.append([escape(metric_name(metric)), *cells])
    table = ('<p class="legend">' + escape(_(
        "How far each factor moves each outcome: the highest minus the lowest mean over the "
        "factor's values (in bold: the factor that moves it most). Shares are in percentage "
        "points.")) + "</p>"
             + _table([pgettext("sweep", "outcome"), *(factor_name(f) for f in data.factors)], rows,
                      num=set(range(1, len(data.factors) + 1))))
    body = (f"<figure>{_img(png, _('main effects of each factor on each outcome'))}"
            f"<figcaption>{escape(caption)}</figcaption></figure>{table}")
    return _section("effects", _("Main effects"), body, major=True)


def _spread_text(metric: str, effect: Effect) -> str:
    if info(metric).unit == "share":
        return _("{n} points").format(n=f"{100 * effect.spread:.0f}")
    return _num(effect.spread)


def _interaction(data: SweepReportData) -> str:
    from hmt_sim.report.sweep_figures import heatmap_png

    if data.heatmap is None:
        return _section("interaction", _("Interaction"),
                        f'<p class="muted">{escape(data.heatmap_note)}</p>')
    x, y, metric = data.heatmap
    png = heatmap_png(data.results, x, y, metric)
    caption = _("Mean {metric} for each combination of {x} (across) and {y} (up), over the runs "
                "in that cell (other factors pooled). If the factors acted separately, each row "
                "would rise and fall like every other row; where rows differ in shape, the "
                "effect of one factor depends on the other (an interaction). Cells rest on fewer "
                "runs than the main effects: read patterns, not single cells.").format(
        metric=_lower(metric_name(metric)), x=_lower(factor_name(x)), y=_lower(factor_name(y)))
    body = f"<figure class=narrow>{_img(png, f'{metric} over {x} and {y}')}<figcaption>" \
           f"{escape(caption)}</figcaption></figure>"
    return _section("interaction", _("Interaction"), body)


def _sensitivity(data: SweepReportData) -> str:
    from hmt_sim.report.sweep_figures import sensitivity_png

    res = data.sensitivity
    if res is None:
        return _section("sensitivity", _("Sensitivity"),
                        f'<p class="muted">{escape(data.sensitivity_note)}</p>')
    words: list[str] = []
    rows: list[list[str]] = []
    sobol = res.method == "sobol"
    for m in res.metrics:
        if not m.indices:
            words.append(f"{metric_name(m.metric)}: {m.note}.")  # the library's own words
            continue
        by = {r.factor: r for r in m.indices}
        key = (lambda r: r.total) if sobol else (lambda r: r.mu_star)
        top = max(m.indices, key=key)
        if sobol:
            noisy = (" " + _("(above 1: estimation noise at this design size)")
                     if top.total > 1 else "")
            null = [r.factor for r in m.indices if r.total - r.total_conf <= 0 and r.total < 0.05]
            words.append(_("{metric}: the largest driver is {factor}, total index ST {st}{noisy}; "
                           "alone, S1 {s1}.").format(
                metric=metric_name(m.metric), factor=_lower(factor_name(top.factor)),
                st=_pm(top.total, top.total_conf), noisy=noisy,
                s1=_pm(top.first, top.first_conf)) + _null_text(null))
            cells = [_pm(by[f].total, by[f].total_conf) for f in res.factors]
        else:
            words.append(_("{metric}: the largest effect is {factor}'s (mu* {mu} over its "
                           "whole range).").format(metric=metric_name(m.metric),
                                                   factor=_lower(factor_name(top.factor)),
                                                   mu=_num(top.mu_star)))
            cells = [f"{_pm(by[f].mu_star, by[f].mu_star_conf)} (sigma {_num(by[f].sigma)})"
                     for f in res.factors]
        bold = res.factors.index(top.factor)
        cells[bold] = f"<b>{cells[bold]}</b>"
        rows.append([escape(metric_name(m.metric)), *cells])
    what = _("ST, total index [95% CI]") if sobol else _("mu* [95% CI]")
    head = [pgettext("sweep", "outcome: {what}").format(what=what),
            *(factor_name(f) for f in res.factors)]
    png = sensitivity_png(res)
    figure = (f"<figure>{_img(png, _('sensitivity indices'))}<figcaption>"
              f"{escape(_('Bars: the indices with their 95% bootstrap intervals.'))}"
              "</figcaption></figure>" if png else "")
    explain = (_("Sobol indices share out each outcome's variation over the whole factor space: "
                 "S1 is the share due to a factor alone, ST the share it takes part in, "
                 "interactions included. ST near 0: the factor can be fixed anywhere in its "
                 "range without changing the outcome. Values above 100% or below 0 are "
                 "estimation noise at this design size.") if res.method == "sobol" else
               _("Morris effects rank factors by how much the outcome changes when one factor "
                 "moves over its range (mu*); a large sigma next to mu* means interactions or a "
                 "non-linear effect."))
    lis = "".join(f"<li>{escape(w)}</li>" for w in words)
    body = (f'<p class="lead">{escape(explain)}</p><ul class="findings">{lis}</ul>{figure}'
            + _table(head, rows, num=set(range(1, len(res.factors) + 1))))
    return _section("sensitivity", _("Sensitivity"), body, major=True)


def _pm(value: float, half: float) -> str:
    if not math.isfinite(value):
        return "-"
    lo, hi = value - half, value + half
    mid, low, high = (decimal(f"{_r2(v):.2f}") for v in (value, lo, hi))
    sep = ", " if "," not in mid else "; "  # a decimal comma needs another list separator
    return f"{mid} [{low}{sep}{high}]"


def _r2(value: float) -> float:
    """Rounded to 2 decimals, without a negative zero (``-0.00``)."""
    return round(value, 2) + 0.0


def _null_text(factors: list[str]) -> str:
    if not factors:
        return ""
    return " " + _("No detectable influence: {factors}.").format(
        factors=", ".join(factor_name(f) for f in factors))


def condition_words(condition: Any) -> str:
    """``harm.wrongful_engagements >= 1`` -> ``wrongful engagements (count) is at least 1``
    (a share as a percentage: ``... is less than 50%``)."""
    return f"{_lower(metric_name(condition.metric))} {_(OP_WORDS[condition.op])} " \
           f"{_threshold(condition.metric, condition.value)}"


def _threshold(metric: str, value: float) -> str:
    """A condition's number exactly as given; a share as a percentage."""
    return decimal(f"{100 * value:g}%") if info(metric).unit == "share" else _num(value)


def limits_words(limits: dict[str, Any]) -> str:
    """A rule's factor ranges in words, with the factors' labels."""
    from hmt_sim.explore.discovery import limit_text

    parts = [limit_text(_lower(factor_name(f)), lim).replace(">=", "\u2265")
             .replace("<=", "\u2264")
             for f, lim in limits.items()]
    return (" " + _("and") + " ").join(parts) if parts else _("anywhere in the design")


def rule_sentence(rule: Any, found: Any) -> str:
    """A rule as a sentence: where, how often there, and how much of the whole it covers."""
    where = (_("where {limits}").format(limits=limits_words(rule.limits)) if rule.limits
             else _("anywhere in the design"))
    return _("{where}, {condition} in {density} of runs ({n} of {total}); this region holds "
             "{coverage} of all such runs.").format(
        where=where, condition=condition_words(found.condition), density=pct(rule.density),
        n=rule.n_cases, total=rule.n_runs, coverage=pct(rule.coverage))


def pct(share: float) -> str:
    """A share as a whole percentage; a small non-zero share is not rounded to 0%."""
    if 0 < share < 0.005:
        return _("under 1%")
    if 0.995 < share < 1:
        return _("over 99%")
    return f"{100 * share:.0f}%"


def _rules(data: SweepReportData) -> str:
    from hmt_sim.report.sweep_figures import trajectory_png

    found = data.discovery
    if found is None:
        return _section("rules", _("Where it becomes likely"),
                        f'<p class="muted">{escape(data.discovery_note)}</p>')
    cond = condition_words(found.condition)
    title = _("Where it becomes likely: {condition}").format(condition=cond)
    base = _("Across the whole sweep, {condition} in {rate} of runs ({n} of {total}).").format(
        condition=cond, rate=pct(found.base_rate), n=found.n_cases, total=found.n_runs)
    if not found.n_cases:
        return _section("rules", title, f'<p class="lead">{escape(base)} ' + escape(_(
            "It never happens in these runs, so there is no region to describe; try a lower "
            "threshold with --where.")) + "</p>")
    density = f"{100 * found.min_density:.0f}%"
    parts = [f'<p class="lead">{escape(base)} ' + escape(_(
        "The rules below describe the regions of the factor space where it is much more likely "
        "(at least {density} of runs), found by two methods.").format(density=density)) + "</p>"]
    if found.prim_rules and not found.prim_rules[0].limits:
        parts.append('<p class="note">' + escape(_(
            "No restriction of the factors makes it significantly more likely than across the "
            "whole sweep (PRIM's restrictions were tested and dropped): in this sweep it is "
            "spread over the factor space.")) + "</p>")
    elif found.prim_rules and found.prim_rules[0].density < found.min_density:
        parts.append('<p class="note">' + escape(_(
            "No region of this sweep reaches {density}: the densest box PRIM found is shown. The "
            "outcome is spread over the factor space rather than concentrated in one corner of "
            "it.").format(density=density)) + "</p>")
    if found.prim_rules:
        items = []
        for r in found.prim_rules:
            meta = ""
            if r.dropped:
                meta = ('<br><span class="rule-meta">' + escape(_(
                    "Also tried and dropped as not significant: {factors}.").format(
                    factors=", ".join(factor_name(f) for f in r.dropped))) + "</span>")
            items.append(f"<li>{escape(rule_sentence(r, found)[:1].upper())}"
                         f"{escape(rule_sentence(r, found)[1:])}{meta}</li>")
        parts.append(f"<h3>{escape(_('PRIM (boxes in the factor space)'))}</h3>"
                     f'<ol class="rules">{"".join(items)}</ol>')
    if found.cart_rules:
        items = [f"<li>{escape(rule_sentence(r, found)[:1].upper())}"
                 f"{escape(rule_sentence(r, found)[1:])}</li>" for r in found.cart_rules]
        parts.append(f"<h3>{escape(_('CART (leaves of a decision tree, a second view)'))}</h3>"
                     f'<ol class="rules">{"".join(items)}</ol>')
    elif found.n_cases:
        parts.append('<p class="muted">' + escape(_(
            "CART: no leaf of the tree reaches that density.")) + "</p>")
    if found.n_cases:
        png = trajectory_png(found)
        parts.append(f"<figure class=narrow>{_img(png, _('PRIM peeling trajectory'))}"
                     "<figcaption>" + escape(_(
                         "The trade-off PRIM explored: each dot is a box, from the whole space "
                         "(bottom right: every run, the base rate) to small dense boxes (top "
                         "left). The ringed box is where the first rule comes from: the best "
                         "balance of density (how likely inside) and coverage (how much of the "
                         "problem it explains). Restrictions that do not make a significant "
                         "difference are then dropped, so the rule can be wider and less dense "
                         "than the ringed box.")) + "</figcaption></figure>")
    parts.append('<p class="legend">' + escape(_(
        "A rule both methods find is robust. Rules describe this sweep's ranges and scenario "
        "only; outside them, nothing is claimed.")) + "</p>")
    return _section("rules", title, "".join(parts), major=True)


def _glossary(data: SweepReportData) -> str:
    metrics = list(data.metrics)
    if data.discovery is not None and data.discovery.condition.metric not in metrics:
        metrics.append(data.discovery.condition.metric)
    rows = []
    for m in metrics:
        meta = info(m)
        rows.append([escape(meta.label or m),
                     f'<span class="nowrap">{escape(_(UNIT_WORDS.get(meta.unit, meta.unit)))}'
                     "</span>",
                     f"<code>{escape(m)}</code>", escape(meta.sentence())])
    factor_rows = [[escape(factor_name(f)), f"<code>{escape(f)}</code>",
                    escape(_factor_values(data, f))] for f in data.results.attrs["factors"]]
    body = (f"<h3>{escape(_('Outcomes'))}</h3>"
            + _table([pgettext("sweep", "outcome"), _("unit"), _("key"), _("meaning")], rows)
            + f"<h3>{escape(_('Factors'))}</h3>"
            + _table([_("factor"), _("key"), _("values in this sweep")], factor_rows))
    return _section("glossary", _("Glossary"), body)


def _method(data: SweepReportData) -> str:
    spec = data.manifest.get("spec", {})
    args = data.manifest.get("arguments") or {}
    where = str(data.discovery.condition) if data.discovery is not None else DEFAULT_WHERE
    commands = [f"hmt-sim sweep {args.get('spec') or spec.get('source', 'SPEC.yaml')} "
                f"--out {data.path}", f"hmt-sim analyse {data.path}",
                f'hmt-sim discover {data.path} --where "{where}"']
    if data.sensitivity is not None:
        commands.insert(2, f"hmt-sim sensitivity {data.path}")
    code = "".join(f"<li><code>{escape(c)}</code></li>" for c in commands)
    versions = ", ".join(data.manifest.get("versions", []))
    made = (_("Sweep made with hmt-sim {sweep}; report made with hmt-sim {report}; spec hash "
              "{hash}.") if versions else
            _("Report made with hmt-sim {report}; spec hash {hash}.")).format(
        sweep=escape(versions), report=escape(__version__),
        hash=f"<code>{escape(str(data.manifest.get('spec_hash', ''))[:12])}</code>")
    body = ("<p>" + escape(_(
        "Means and their 95% intervals are bootstrap intervals (BCa, 2,000 resamples of the runs "
        "at a setting; percentile where BCa is degenerate), kept inside each outcome's possible "
        "range. Sensitivity indices come from SALib on each design point's mean over its seeds; "
        "rules from PRIM (peeling and pasting, restrictions kept only when significant) and a "
        "CART tree. Every run is a pure function of its scenario, seed and settings: the "
        "commands below reproduce every number.")) + f"</p><ul>{code}</ul><p>{made}</p>")
    return _section("method", _("How this report was made"), body)


def render_sweep(data: SweepReportData) -> str:
    """The whole sweep report as one HTML string (no external resources)."""
    spec = data.manifest.get("spec", {})
    title = str(spec.get("name") or data.path.name)
    toc = "".join(f'<a href="#{sid}">{escape(_(t))}</a>' for sid, t in SECTIONS)
    body = [_overview(data), _findings(data), _effects(data), _interaction(data),
            _sensitivity(data), _rules(data), _glossary(data), _method(data)]
    points = len(data.manifest["points"])
    sub = " \u00b7 ".join((
        scenario_name(str(spec.get("scenario", ""))),
        ngettext("{n} design point", "{n} design points", points).format(n=points),
        ngettext("{n} seed", "{n} seeds", data.seeds).format(n=data.seeds),
        ngettext("{n} run", "{n} runs", data.ok_runs).format(n=data.ok_runs)))
    return (
        f'<!DOCTYPE html>\n<html lang="{language()}"><head><meta charset="utf-8">'
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(_('Sweep report: {title}').format(title=title))}</title>"
        f"<style>{CSS}{EXTRA_CSS}</style></head><body><main>"
        f'<header class="top"><div class="kicker">{escape(_("Sweep report"))}</div>'
        f"<h1>{escape(title)}</h1>"
        f'<div class="sub">{escape(sub)}</div></header><nav class="toc">{toc}</nav>\n'
        + "".join(body)
        + f"<footer>hmt-sim {escape(__version__)} \u00b7 {escape(_('sweep report'))}</footer>"
        "</main></body></html>\n"
    )
