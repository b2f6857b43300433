"""Full-map overlays: the debrief, the student explain view, the briefing with its discussion
questions, and the keyboard help. Each is a list of (text, tone) lines drawn on a dark card."""

from __future__ import annotations

from typing import Any

import pygame

from visualiser import theme as th
from visualiser.debrief import bookmarks, decision_timeline, key_metric_lines
from visualiser.feed import clock

Line = tuple[str, str]  # text, tone: title, head, text, dim, warn, alarm, human

TONE_COLOURS = {
    "title": th.TEXT, "head": (150, 200, 255), "text": th.TEXT, "dim": th.DIM,
    "warn": th.TONES["warn"], "alarm": th.TONES["alarm"], "human": th.TONES["human"],
    "ai": th.TONES["ai"],
}

HELP = (
    ("Keyboard", "head"),
    ("A approve  /  R reject  /  I inspect the decision on the card", "text"),
    ("Space play or pause   N step   [ and ] slower / faster", "text"),
    ("T truth view (facilitator)   B bookmark   E explain the selected contact", "text"),
    ("H this help   G briefing and questions   D debrief   L large fonts", "text"),
    ("wheel or + / - zoom, arrows or drag pan, 0 reset view, click a contact to select", "text"),
    ("F12 screenshot (PNG)   Esc close this card   Ctrl+Q quit (the session file is safe)",
     "text"),
)


def wrap(text: str, font: pygame.font.Font, width: int) -> list[str]:
    out: list[str] = []
    for para in text.split("\n"):
        words = para.split(" ")
        line = ""
        for word in words:
            trial = f"{line} {word}".strip()
            if font.size(trial)[0] <= width or not line:
                line = trial
            else:
                out.append(line)
                line = word
        out.append(line)
    return out


def briefing_lines(sc: Any) -> list[Line]:
    lines: list[Line] = [(sc.title, "title"), (sc.description, "dim"), ("", "text"),
                         ("Briefing", "head")]
    lines += [(para, "text") for para in (sc.briefing or "(no briefing)").strip().split("\n")]
    if sc.questions:
        lines += [("", "text"), ("Questions for discussion", "head")]
        lines += [(f"{i}. {q}", "text") for i, q in enumerate(sc.questions, 1)]
    return lines


def explain_lines(session: Any, track: int | None, truth: bool) -> list[Line]:
    if track is None:
        return [("Explain", "title"), ("Click a contact on the map first, then press E.", "text")]
    info = session.explain(track)
    lines: list[Line] = [(f"Why the AI said what it said: track {track}", "title")]
    cls = info["classification"]
    if cls is None:
        lines.append(("The AI has not classified this track yet.", "text"))
    else:
        lines.append((f"The AI sees a {cls['label']} with {cls['confidence']:.0%} confidence"
                      f" (judged over {cls['region'] or 'open ground'}).", "text"))
    bias = info["region_bias"]
    lines.append((f"Regional bias in play: false-positive rate x{bias:g}"
                  + (" - the AI sees more threats here than there are." if bias > 1 else "."),
                  "warn" if bias > 1 else "text"))
    shift = info["drift_shift"]
    lines.append((f"Distribution shift (drift): {shift:.2f}"
                  + (" - the data no longer looks like the training data." if shift > 0 else ""),
                  "warn" if shift > 0 else "text"))
    if info["spoofing_active"]:
        lines.append(("Spoofing is active: the adversary is feeding false tracks.", "alarm"))
    if info["recommendations"]:
        lines += [("", "text"), ("Recommendations", "head")]
        for r in info["recommendations"]:
            lines.append((f"{clock(r['t'])}  {r['action'].upper()} at level {r['level']} "
                          f"({r['protocol']}): {r['explanation']}", "ai"))
    if info["gates"]:
        lines += [("", "text"), ("Rules of engagement", "head")]
        for g in info["gates"]:
            detail = f" - {g['detail']}" if g.get("detail") else ""
            lines.append((f"{clock(g['t'])}  {g['rule']}: {g['outcome']}{detail}", "warn"))
    if truth:
        snap = next((c for c in session.snapshot()["contacts"] if c["track"] == track), None)
        if snap is not None:
            lines += [("", "text"), (f"Ground truth (facilitator): {snap['kind']}, "
                                     f"{snap['true_class']}", "alarm")]
    return lines


def debrief_lines(live: Any) -> list[Line]:
    s = live.session
    metrics = live.live_metrics(force=True)
    lines: list[Line] = [(f"Debrief - {s.scenario.title} (seed {s.seed}, at "
                          f"{clock(s.now)})", "title"), ("Key results", "head")]
    pairs = key_metric_lines(metrics)
    for i in range(0, len(pairs), 2):
        chunk = "     |     ".join(f"{k}: {v}" for k, v in pairs[i:i + 2])
        lines.append((chunk, "text"))
    marks = bookmarks(s.events)
    lines += [("", "text"), (f"Bookmarks ({len(marks)})", "head")]
    lines += [(f"{clock(t)}  {label}", "human") for t, label in marks] or [("none", "dim")]
    rows = decision_timeline(s.events)
    flagged = [r for r in rows if r.override or r.rubber_stamp]
    lines += [("", "text"), (f"Overrides and rubber stamps ({len(flagged)})", "head")]
    lines += [(r.line(), "warn" if r.rubber_stamp else "human") for r in flagged] or [
        ("none", "dim")]
    lines += [("", "text"), (f"Decision timeline ({len(rows)} decisions; who decided)", "head")]
    for r in rows:
        tone = "alarm" if r.ai_wrong and r.outcome in ("approved", "executed") else (
            "human" if r.decided_by == "person" else "text")
        lines.append((r.line(), tone))
    questions = s.scenario.questions
    if questions:
        lines += [("", "text"), ("Questions for discussion", "head")]
        lines += [(f"{i}. {q}", "text") for i, q in enumerate(questions, 1)]
    return lines


class Overlay:
    """A scrollable card of lines over the map."""

    def __init__(self, name: str, lines: list[Line]) -> None:
        self.name = name
        self.lines = lines
        self.scroll = 0

    def draw(self, screen: pygame.Surface, rect: pygame.Rect, text: th.TextCache,
             scale: float) -> None:
        card = rect.inflate(-40, -40)
        shade = pygame.Surface(card.size, pygame.SRCALPHA)
        shade.fill((10, 14, 22, 235))
        screen.blit(shade, card.topleft)
        pygame.draw.rect(screen, th.PANEL_EDGE, card, 2)
        size = round(15 * scale)
        lh = round(21 * scale)
        f = th.font(size)
        flat: list[tuple[str, str]] = []
        for line, tone in self.lines:
            for part in wrap(line, f, card.w - 40):
                flat.append((part, tone))
        rows = max(1, (card.h - 50) // lh)
        self.scroll = max(0, min(self.scroll, max(0, len(flat) - rows)))
        y = card.y + 14
        old = screen.get_clip()
        screen.set_clip(card)
        for part, tone in flat[self.scroll:self.scroll + rows]:
            big = tone == "title"
            surf = text.get(part, round(size * (1.3 if big else 1.0)),
                            TONE_COLOURS.get(tone, th.TEXT), bold=big or tone == "head")
            screen.blit(surf, (card.x + 20, y))
            y += round(lh * (1.4 if big else 1.0))
        footer = "Esc to close" + ("   wheel / PgUp / PgDn to scroll" if len(flat) > rows else "")
        screen.blit(text.get(footer, round(13 * scale), th.DIM), (card.x + 20, card.bottom - 26))
        screen.set_clip(old)
