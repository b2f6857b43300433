"""Full-map overlays: the debrief, the student explain view, the briefing with its discussion
questions, and the keyboard help. Each is a list of (text, tone) lines drawn on a dark card."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pygame

from hmt_sim.i18n import N_, _
from hmt_sim.inspecttext import evidence_lines, gate_line, reasons_lines
from visualiser import theme as th
from visualiser.debrief import (
    bookmarks,
    debrief_questions,
    decision_timeline,
    key_metric_lines,
)
from visualiser.feed import PROTOCOL_WORDS, clock

Line = tuple[str, str]  # text, tone: title, head, text, dim, warn, alarm, human

TONE_COLOURS = {
    "title": th.TEXT, "head": (150, 200, 255), "text": th.TEXT, "dim": th.DIM,
    "warn": th.TONES["warn"], "alarm": th.TONES["alarm"], "human": th.TONES["human"],
    "ai": th.TONES["ai"],
}

HELP = (
    (N_("Keyboard"), "head"),
    (N_("A approve  /  R reject  /  I inspect the decision on the card"), "text"),
    (N_("Space play or pause   N step   [ and ] slower / faster"), "text"),
    (N_("T truth view (facilitator)   B bookmark   E explain the selected contact"), "text"),
    (N_("H this help   G briefing and questions   D debrief   L large fonts"), "text"),
    (N_("V room view for the projector (no console, no truth unless T)   J injects   "
        "K map legend"), "text"),
    (N_("wheel or + / - zoom, arrows or drag pan, 0 reset view, click a contact to select"),
     "text"),
    (N_("F12 screenshot (PNG)   Esc close this card   Ctrl+Q quit (the session file is safe)"),
     "text"),
)


def help_lines() -> list[Line]:
    """The keyboard help in the language of the room."""
    return [(_(text), tone) for text, tone in HELP]


def wrap(text: str, font: pygame.font.Font, width: int, indent: str = "") -> list[str]:
    """``text`` broken at spaces into lines at most ``width`` pixels wide (a word longer than
    the width is cut by characters); continuation lines start with ``indent``."""
    out: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split(" "):
            trial = f"{line} {word}" if line else (indent + word if out and indent else word)
            if font.size(trial)[0] <= width:
                line = trial
                continue
            if line:
                out.append(line)
                line = indent + word
            else:
                line = trial
            while font.size(line)[0] > width and len(line) > 1:
                cut = len(line) - 1
                while cut > 1 and font.size(line[:cut])[0] > width:
                    cut -= 1
                out.append(line[:cut])
                line = indent + line[cut:]
        out.append(line)
    return out


@lru_cache(maxsize=4096)
def wrapped(text: str, size: int, width: int, bold: bool = False, indent: str = ""
            ) -> tuple[str, ...]:
    """:func:`wrap` in the theme's font of ``size``, cached: a busy frame wraps the same banners,
    card lines and overlay lines every time."""
    return tuple(wrap(text, th.font(size, bold), width, indent))


def reflow(text: str) -> list[str]:
    """Paragraphs of a YAML block: hard line breaks inside a paragraph are joined, blank lines
    separate paragraphs, and lines starting a list item ("- ", "* ", "1. ") stay on their own."""
    paras: list[str] = []
    current: list[str] = []
    for raw in text.strip().splitlines():
        line = raw.strip()
        if not line:
            if current:
                paras.append(" ".join(current))
                current = []
            continue
        starts_item = line[:2] in ("- ", "* ") or (line.split(" ", 1)[0].rstrip(".)").isdigit()
                                                   and line.split(" ", 1)[0][-1:] in ".)")
        if starts_item and current:
            paras.append(" ".join(current))
            current = []
        current.append(line)
    if current:
        paras.append(" ".join(current))
    return paras


def question_lines(questions: list[str] | tuple[str, ...]) -> list[Line]:
    """The discussion questions, numbered, under their heading."""
    lines: list[Line] = [(_("Questions for discussion"), "head")]
    lines += [(f"{i}. {q}", "text") for i, q in enumerate(questions, 1)]
    return lines


def briefing_lines(sc: Any) -> list[Line]:
    """The briefing: title, description, and the briefing reflowed into paragraphs, then the
    questions (the overlay puts them in a second column when there is room)."""
    text = sc.text() if hasattr(sc, "text") else sc  # the scenario's texts in the room's language
    lines: list[Line] = [(text.title, "title"), (text.description, "dim"), ("", "text"),
                         (_("Briefing"), "head")]
    paras = reflow(text.briefing or "") or [_("(no briefing)")]
    for i, para in enumerate(paras):
        if i:
            lines.append(("", "text"))
        lines.append((para, "text"))
    if text.questions:
        lines += [("", "text"), *question_lines(text.questions)]
    return lines


def briefing_overlay(sc: Any) -> Overlay:
    """The briefing card: briefing on the left, questions on the right (one column, questions
    first, when the window is too narrow for two)."""
    main = briefing_lines(sc)
    if not sc.questions:
        return Overlay("briefing", main)
    cut = len(main) - len(sc.questions) - 2  # the blank line and the heading before them
    return Overlay("briefing", main, side=main[cut + 1:], main=main[:cut])


def _value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.2f}"
    if isinstance(v, dict):
        return ", ".join(f"{k} {_value(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return ", ".join(_value(x) for x in v)
    return str(v)


def inspect_lines(info: dict[str, Any], card: dict[str, Any] | None = None) -> list[Line]:
    """What the operator learns by inspecting a card: the AI's explanation, the sensor evidence
    and the AI's reasons (never the truth)."""
    track = info.get("track", card.get("track") if card else "?")
    lines: list[Line] = [(_("Inspect: track {track}").format(track=track), "title")]
    explanation = info.get("explanation") or (card or {}).get("explanation")
    if explanation:
        lines += [(_("The AI's explanation"), "head"), (f"\"{explanation}\"", "ai")]
    ev = info.get("evidence")
    if isinstance(ev, dict):
        lines += [(_("Sensor evidence"), "head"), *evidence_lines(ev)]
    elif ev:
        lines += [(_("Sensor evidence"), "head"), (_value(ev), "text")]
    rs = info.get("reasons")
    if isinstance(rs, dict):
        lines += [(_("The AI's reasons"), "head"), *reasons_lines(rs)]
    elif rs:
        lines += [(_("The AI's reasons"), "head")]
        lines += [(_value(r), "text") for r in (rs if isinstance(rs, (list, tuple)) else [rs])]
    lines += [("", "text"), (_("Time spent with this open counts as verification. "
                               "Answer with A or R."), "dim")]
    return lines


def explain_lines(session: Any, track: int | None, truth: bool) -> list[Line]:
    """The student view of one track: what the AI saw and why (truth only in truth view)."""
    if track is None:
        return [(_("Explain"), "title"), (_("Click a contact on the map first, then press E."),
                                          "text")]
    info = session.explain(track)
    lines: list[Line] = [(_("Why the AI said what it said: track {track}").format(track=track),
                          "title")]
    cls = info["classification"]
    if cls is None:
        lines.append((_("The AI has not classified this track yet."), "text"))
    else:
        lines.append((_("The AI sees a {label} with {confidence:.0%} confidence (judged over "
                        "{region}).").format(label=_(cls["label"]), confidence=cls["confidence"],
                                             region=cls["region"] or _("open ground")), "text"))
    bias = info["region_bias"]
    text = _("Regional bias in play: false-positive rate x{bias:g}").format(bias=bias)
    text += (" - " + _("the AI sees more threats here than there are.")) if bias > 1 else "."
    lines.append((text, "warn" if bias > 1 else "text"))
    shift = info["drift_shift"]
    text = _("Distribution shift (drift): {shift:.2f}").format(shift=shift)
    if shift > 0:
        text += " - " + _("the data no longer looks like the training data.")
    lines.append((text, "warn" if shift > 0 else "text"))
    if info["spoofing_active"]:
        lines.append((_("Spoofing is active: the adversary is feeding false tracks."), "alarm"))
    if info["recommendations"]:
        lines += [("", "text"), (_("Recommendations"), "head")]
        for r in info["recommendations"]:
            lines.append((_("{t}  {action} at level {level} ({protocol}): {explanation}").format(
                t=clock(r["t"]), action=_(r["action"]).upper(), level=r["level"],
                protocol=_(PROTOCOL_WORDS.get(r["protocol"], r["protocol"])),
                explanation=r["explanation"]), "ai"))
    if info["gates"]:
        lines += [("", "text"), (_("Rules of engagement"), "head")]
        for g in info["gates"]:
            lines.append((f"{clock(g['t'])}  {gate_line(g)}", "warn"))
    if truth:
        snap = next((c for c in session.snapshot()["contacts"] if c["track"] == track), None)
        if snap is not None:
            lines += [("", "text"), (_("Ground truth (facilitator): {kind}, {cls}").format(
                kind=snap["kind"], cls=_(snap["true_class"])), "alarm")]
    return lines


def debrief_lines(live: Any) -> list[Line]:
    """The debrief card: key results, bookmarks, overrides and rubber stamps, the timeline of
    decisions, and the discussion questions."""
    s = live.session
    metrics = live.live_metrics(force=True)
    lines: list[Line] = [(_("Debrief - {title} (seed {seed}, at {t})").format(
        title=s.scenario.title, seed=s.seed, t=clock(s.now)), "title"),
        (_("Key results"), "head")]
    pairs = key_metric_lines(metrics)
    for i in range(0, len(pairs), 2):
        chunk = "     |     ".join(f"{k}: {v}" for k, v in pairs[i:i + 2])
        lines.append((chunk, "text"))
    marks = bookmarks(s.events)
    lines += [("", "text"), (_("Bookmarks ({n})").format(n=len(marks)), "head")]
    lines += [(f"{clock(t)}  {label}", "human") for t, label in marks] or [(_("none"), "dim")]
    rows = decision_timeline(s.events)
    flagged = [r for r in rows if r.override or r.rubber_stamp]
    lines += [("", "text"), (_("Overrides and rubber stamps ({n})").format(n=len(flagged)),
                             "head")]
    lines += [(r.line(), "warn" if r.rubber_stamp else "human") for r in flagged] or [
        (_("none"), "dim")]
    lines += [("", "text"), (_("Decision timeline ({n} decisions; who decided)").format(
        n=len(rows)), "head")]
    for r in rows:
        tone = "alarm" if r.ai_wrong and r.outcome in ("approved", "executed") else (
            "human" if r.decided_by == "person" else "text")
        lines.append((r.line(), tone))
    questions = debrief_questions(s.scenario, metrics)  # only those whose premise held
    if questions:
        lines += [("", "text"), *question_lines(questions)]
    return lines


class Overlay:
    """A scrollable card of lines over the map and panels; ``side`` lines go in a second
    column when the card is wide enough (``main`` is then the first column), else they come
    first so they are never below the fold."""

    def __init__(self, name: str, lines: list[Line], side: list[Line] | None = None,
                 main: list[Line] | None = None) -> None:
        self.name = name
        self.lines = lines
        self.side = side
        self.main = main if main is not None else lines
        self.scroll = 0
        self.rect = pygame.Rect(0, 0, 0, 0)

    @staticmethod
    def _flat(lines: list[Line], size: int, width: int) -> list[Line]:
        flat: list[Line] = []
        for line, tone in lines:
            big = tone == "title"
            for part in wrapped(line, round(size * 1.3) if big else size, width,
                                big or tone == "head"):
                flat.append((part, tone))
        return flat

    def draw(self, screen: pygame.Surface, rect: pygame.Rect, text: th.TextCache,
             scale: float) -> None:
        """Draw the card inside ``rect`` (recording every line it shows)."""
        card = rect.inflate(-40, -40) if rect.w > 400 else rect.inflate(-10, -10)
        self.rect = card
        text.occlude(card)
        shade = pygame.Surface(card.size, pygame.SRCALPHA)
        shade.fill((10, 14, 22, 240))
        screen.blit(shade, card.topleft)
        pygame.draw.rect(screen, th.PANEL_EDGE, card, 2)
        size = round(15 * scale)
        lh = round(21 * scale)
        footer_h = round(26 * scale)
        inner = card.inflate(-40, -28)
        inner.h -= footer_h
        two = self.side is not None and inner.w >= round(640 * scale)
        if two:
            col_w = (inner.w - 30) // 2
            columns = [self._flat(self.main, size, col_w),
                       self._flat(self.side or [], size, col_w)]
            xs = [inner.x, inner.x + col_w + 30]
        else:
            lines = self.lines if self.side is None else [*self.side, ("", "text"), *self.main]
            columns = [self._flat(lines, size, inner.w)]
            xs = [inner.x]
        heights = [[round(lh * 1.4) if tone == "title" else lh for _p, tone in col]
                   for col in columns]
        longest = max(range(len(columns)), key=lambda i: sum(heights[i]))
        # rows that fit from the top of the longest column
        total, fit = 0, 0
        for h in heights[longest]:
            if total + h > inner.h:
                break
            total += h
            fit += 1
        more = fit < len(columns[longest])
        max_scroll = max(0, len(columns[longest]) - max(1, fit))
        self.scroll = max(0, min(self.scroll, max_scroll))
        for col, hs, x in zip(columns, heights, xs, strict=True):
            y = inner.y
            start = self.scroll if col is columns[longest] else min(self.scroll,
                                                                     max(0, len(col) - fit))
            for (part, tone), h in zip(col[start:], hs[start:], strict=True):
                if y + h > inner.y + inner.h:
                    break
                big = tone == "title"
                fsize = round(size * 1.3) if big else size
                text.blit(screen, part, fsize, (x, y), TONE_COLOURS.get(tone, th.TEXT),
                          bold=big or tone == "head", within=card, layer="overlay")
                y += h
        footer = _("Esc to close")
        if more:
            footer += "   " + _("wheel / PgUp / PgDn to scroll")
        fsize = round(13 * scale)
        text.blit(screen, th.fit_text(footer, fsize, inner.w), fsize,
                  (inner.x, card.bottom - footer_h), th.DIM, within=card, layer="overlay")
