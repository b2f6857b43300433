"""The right-hand panels: escalation ladder, harm, human control, workload, trust vs accuracy,
mission score, and the scrolling event feed. Drawn with plain pygame from the live run.

Every number is computed from the events the log holds at the frame being drawn (never a cache
that lags the log), and the sections shrink in a fixed order when the window is short (the
ladder folds to one line, the chart gets lower, the feed keeps at least two lines), so nothing
is cut off on a projector's 1024x768.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pygame

from hmt_sim.actions import is_force, is_lethal
from hmt_sim.autonomy import human_could_stop
from hmt_sim.i18n import _
from hmt_sim.ladder import RUNG_NAMES
from hmt_sim.metrics._common import LogIndex, ratio
from hmt_sim.metrics.control import is_rubber_stamp, min_review_at
from visualiser import theme as th
from visualiser.debrief import decision_timeline, fmt
from visualiser.feed import clock
from visualiser.screens import wrap

Colour = tuple[int, int, int]


def panel_counts(events: list[dict[str, Any]]) -> dict[str, int]:
    """Counts the metrics do not give directly, from the events logged so far (the debrief's
    timeline counts the same). Out-of-loop force counts the same engagements as "uses of
    force" (kinetic ones) that no person could stop, so it can never exceed them."""
    rows = decision_timeline(events)
    out_of_loop = sum(1 for e in events if e["kind"] == "engagement"
                      and is_lethal(e["action"]) and not human_could_stop(e))
    return {
        "rubber_stamps": sum(r.rubber_stamps for r in rows),
        "overrides": sum(r.override for r in rows),
        "out_of_loop": out_of_loop,
    }


class PanelTally:
    """The panel's numbers, kept up to date event by event as the log grows.

    Recomputing every metric from the whole log each time it grows costs a quarter of a second
    at ten thousand events (a 2,000-drone swarm), once a simulated second; this folds each new
    event in once. The definitions are those of ``hmt_sim.metrics`` (harm, mission, control:
    M1, M2, M4) and of the debrief's timeline (overrides), and the panel test compares every
    number with ``compute_metrics`` of the log at every frame.
    """

    def __init__(self) -> None:
        self.log_id = 0
        self.reset()

    def reset(self) -> None:
        """Forget everything folded in (a new or rebuilt log)."""
        self.seen = 0
        self.hostile: set[int] = set()
        self.civilian: set[int] = set()
        self.casualties = 0
        self.site_damage = 0
        self.neutralised: set[int] = set()
        self.leaked: set[int] = set()
        self.uof: list[dict[str, Any]] = []
        self.wrongful = 0
        self.approved: set[int] = set()
        self.force_decisions: set[int] = set()
        self.force_approvals: list[dict[str, Any]] = []
        self.vetoed: set[int] = set()
        self.rules: list[dict[str, Any]] = []  # run_started and roe_change injects

    def update(self, events: list[dict[str, Any]]) -> bool:
        """Fold in the events logged since the last call; True if anything new came."""
        if id(events) != self.log_id or len(events) < self.seen:
            self.reset()  # a rebuilt log (a replay scrubbed back)
            self.log_id = id(events)
        if len(events) == self.seen:
            return False
        for e in events[self.seen:]:
            self._fold(e)
        self.seen = len(events)
        return True

    def _fold(self, e: dict[str, Any]) -> None:
        k = e["kind"]
        if k == "spawn":
            if e["true_class"] == "hostile":
                self.hostile.add(e["track"])
            elif e["true_class"] == "civilian":
                self.civilian.add(e["track"])
        elif k == "effect":
            if e["success"] and e["track"] in self.hostile and is_force(e["action"]):
                self.neutralised.add(e["track"])
            if is_lethal(e["action"]):
                self.casualties += e["civilian_harm"]
                self.site_damage += 1 if e.get("protected_site") else 0
        elif k == "impact":
            self.leaked.add(e["track"])
        elif k == "engagement" and is_lethal(e["action"]):
            self.uof.append(e)
            self.wrongful += e["track"] in self.civilian
        elif k == "recommendation" and is_force(e["action"]):
            self.force_decisions.add(e["decision"])
        elif k == "approval":
            self.approved.add(e["decision"])
            if e["decision"] in self.force_decisions:
                self.force_approvals.append(e)
        elif k == "veto":
            self.vetoed.add(e["decision"])
        elif k == "run_started" or (k == "inject" and e.get("inject") == "roe_change"):
            self.rules.append(e)

    def values(self) -> dict[str, str]:
        """The numbers as the panel shows them."""
        ix = LogIndex(self.rules)

        def least(t: float) -> float:
            return min_review_at(ix, t)

        uof = self.uof
        neutralised, leaked = len(self.neutralised), len(self.leaked)
        meaningful = sum(1 for e in uof if e.get("verified")
                         and e.get("review_s", 0.0) >= least(e["t"]))
        stamps = sum(1 for a in self.force_approvals if is_rubber_stamp(a, least(a["t"])))
        return {
            "casualties": fmt(self.casualties),
            "neutralised": fmt(neutralised),
            "wrongful": fmt(self.wrongful),
            "leakers": fmt(leaked),
            "site_damage": fmt(self.site_damage),
            "defence_rate": fmt(ratio(neutralised, neutralised + leaked)),
            "meaningful": fmt(ratio(meaningful, len(uof))),
            "uses_of_force": fmt(len(uof)),
            "rubber_stamps": str(stamps),
            "overrides": str(len(self.vetoed)),
            "out_of_loop": str(sum(1 for e in uof if not human_could_stop(e))),
            "authorised": fmt(ratio(sum(1 for e in uof if e["decision"] in self.approved),
                                    len(uof))),
        }


def head_h(scale: float) -> int:
    """The height of a section heading: a line, or the bold font's own line when larger."""
    return max(round(19 * scale) + 2, th.font(round(15 * scale), True).get_linesize())


@dataclass
class Plan:
    """How the panel is laid out at this height (decided before anything is drawn)."""

    compact_ladder: bool
    chart_h: int
    show_chart: bool
    show_load_bar: bool


class Panels:
    """Draws the panel column; keeps the feed's scroll position between frames."""

    def __init__(self, text: th.TextCache) -> None:
        self.text = text
        self.feed_scroll = 0  # feed entries scrolled back from the newest
        self.feed_rect = pygame.Rect(0, 0, 0, 0)
        self.scale_used = 1.0  # the font scale the panel could use at this size
        self.shown: dict[str, str] = {}
        self.tally = PanelTally()
        self.hide_truth = False  # the room view: the AI's real accuracy only in truth view
        self._key: tuple[Any, ...] | None = None
        self._surface: pygame.Surface | None = None
        self._boxes: list[th.TextBox] = []
        self._values: dict[str, str] = {}
        self._counted_at = -1
        self._counted: dict[str, int] = {}
        self._wrapped: dict[tuple[int, int, int], list[str]] = {}

    def _counts(self, live: Any) -> dict[str, int]:
        """The panel's own counts for the log as it is now (recomputed when it grew)."""
        events = live.session.events
        if len(events) != self._counted_at:
            self._counted = panel_counts(events)
            self._counted_at = len(events)
        return self._counted

    def values(self, live: Any) -> dict[str, str]:
        """Every number the panel shows, by key, exactly as drawn, for the log as it is at
        this frame (the agreement test compares them with metrics recomputed from the log)."""
        if self.tally.update(live.session.events) or not self._values:
            self._values = self.tally.values()
        return self._values

    # ----------------------------------------------------------------- layout
    def _plan(self, rect: pygame.Rect, scale: float, pairs: int, two_cols: bool
              ) -> Plan | None:
        lh, head = round(19 * scale), head_h(scale)
        rung_h = round(16 * scale)
        metric_rows = (pairs + 1) // 2 if two_cols else pairs
        fixed = 6 + 4 * head + metric_rows * lh + 3 * 4 + lh + round(8 * scale) + 8
        ladder_full = head + rung_h * len(RUNG_NAMES) + 6
        ladder_compact = head + lh + 4
        chart_full, chart_min = round(70 * scale), round(44 * scale)
        chart_extra = head + 2 * lh + 10  # heading, x tick labels, legend
        feed_min = head + 2 * round(17 * scale) + 8
        avail = rect.h
        for compact in (False, True):
            ladder = ladder_compact if compact else ladder_full
            for chart in (chart_full, chart_min):
                if fixed + ladder + chart + chart_extra + feed_min <= avail:
                    return Plan(compact, chart, True, True)
        if fixed + ladder_compact + feed_min <= avail:
            return Plan(True, 0, False, True)
        if fixed + ladder_compact + feed_min - round(8 * scale) - 8 <= avail:
            return Plan(True, 0, False, False)
        return None

    # ----------------------------------------------------------------- drawing
    def draw(self, screen: pygame.Surface, rect: pygame.Rect, live: Any, scale: float) -> None:
        """Draw every section into ``rect``; a frame that would look the same as the last one
        (same numbers, picture, feed and chart) reuses it."""
        values = self.values(live)
        feed = live.feed
        key = (tuple(values.values()), id(live.snapshot), len(feed),
               feed[-1].seq if feed else -1, len(live.samples), self.feed_scroll, tuple(rect),
               scale, live.session.duration, id(screen), _("Events"), self.hide_truth)
        if key == self._key and self._surface is not None:
            screen.blit(self._surface, rect)
            for box in self._boxes:
                self.text.record(box.rect, box.text, box.within, box.layer)
            return
        first = len(self.text.boxes)
        self._draw(screen, rect, live, scale)
        self._key = key
        self._surface = screen.subsurface(rect).copy()
        self._boxes = list(self.text.boxes[first:])

    def _draw(self, screen: pygame.Surface, rect: pygame.Rect, live: Any, scale: float) -> None:
        pygame.draw.rect(screen, th.PANEL, rect)
        pygame.draw.line(screen, th.PANEL_EDGE, rect.topleft, rect.bottomleft, 1)
        text = self.text
        values = self.values(live)
        self.shown = values  # what this frame draws (the agreement test reads it)
        x = rect.x + 10
        w = rect.w - 20
        snap = live.snapshot
        warn = th.TONES["warn"]
        pairs: list[tuple[str, str, Colour]] = [
            (_("casualties"), values["casualties"],
             th.HOSTILE if values["casualties"] not in ("0", "-") else th.TEXT),
            (_("neutralised"), values["neutralised"], th.TEXT),
            (_("wrongful engagements"), values["wrongful"], th.TEXT),
            (_("leakers"), values["leakers"],
             th.HOSTILE if values["leakers"] not in ("0", "-") else th.TEXT),
            (_("protected-site damage"), values["site_damage"], th.TEXT),
            (_("defence rate"), values["defence_rate"], th.TEXT),
        ]
        control: list[tuple[str, str, Colour]] = [
            (_("meaningful review"), values["meaningful"], th.TEXT),
            (_("uses of force"), values["uses_of_force"], th.TEXT),
            (_("rubber stamps"), values["rubber_stamps"],
             warn if values["rubber_stamps"] != "0" else th.TEXT),
            (_("overrides"), values["overrides"], th.TEXT),
            (_("force out of the loop"), values["out_of_loop"], th.TEXT),
            (_("human authorised"), values["authorised"], th.TEXT),
        ]
        # the largest font scale (up to the one asked for) at which every section fits
        plan: Plan | None = None
        while True:
            fs = round(14 * scale)
            f, fb = th.font(fs), th.font(fs, True)
            widest = max(f.size(label)[0] + fb.size(value)[0] + 24 for label, value, _c
                         in pairs + control)
            two_cols = widest <= w // 2
            plan = self._plan(rect, scale, len(pairs) + len(control), two_cols)
            if plan is not None:
                break
            if scale <= 0.6:
                plan = Plan(True, 0, False, False)
                break
            scale = max(0.6, scale - 0.05)
        hs = round(15 * scale)
        lh = round(19 * scale)
        self.scale_used = scale
        y = rect.y + 6

        def head(label: str) -> None:
            nonlocal y
            text.blit(screen, th.fit_text(label, hs, w, True), hs, (x, y), th.TEXT, True,
                      within=rect)
            y += head_h(scale)

        def rows(items: list[tuple[str, str, Colour]]) -> None:
            nonlocal y
            cols = 2 if two_cols else 1
            col_w = w // cols
            for i, (label, value, colour) in enumerate(items):
                cx = x + (i % cols) * col_w
                vw = fb.size(value)[0]
                text.blit(screen, th.fit_text(label, fs, col_w - vw - 24), fs, (cx, y), th.DIM,
                          within=rect)
                text.blit(screen, value, fs, (cx + col_w - 12 - vw, y), colour, True,
                          within=rect)
                if i % cols == cols - 1 or i == len(items) - 1:
                    y += lh
            y += 4

        # escalation ladder
        head(_("Escalation ladder"))
        rb, rr = snap["rung_blue"], snap["rung_red"]
        if plan.compact_ladder:
            line = _("Blue {blue} {blue_name}   Red {red} {red_name}").format(
                blue=rb, blue_name=_(RUNG_NAMES[rb]), red=rr, red_name=_(RUNG_NAMES[rr]))
            text.blit(screen, th.fit_text(line, fs, w), fs, (x, y), th.TEXT, within=rect)
            y += lh + 4
        else:
            y = self._ladder(screen, rect, x, y, w, rb, rr, scale)

        head(_("Civilian harm  |  Mission"))
        rows(pairs)
        head(_("Human control"))
        rows(control)

        # workload and queue
        head(_("Operators"))
        n_ops = live.session.scenario.operators.count
        busy, queue = snap["busy_operators"], snap["queue"]
        rows([(_("busy"), f"{busy}/{n_ops}", th.TEXT),
              (_("queue"), str(queue), warn if queue else th.TEXT)])
        if plan.show_load_bar:
            bar = pygame.Rect(x, y, w, round(8 * scale))
            pygame.draw.rect(screen, (40, 50, 64), bar)
            load = min(1.0, (busy + queue) / max(1, n_ops))
            colour = th.CIVILIAN if load < 0.6 else th.UNKNOWN if load < 1 else th.HOSTILE
            pygame.draw.rect(screen, colour, pygame.Rect(x, y, int(w * load), bar.h))
            y += bar.h + 8

        if plan.show_chart:
            head(_("Operators' trust in the AI") if self.hide_truth
                 else _("Trust vs actual AI accuracy"))
            y = self._chart(screen, rect, pygame.Rect(x, y, w, plan.chart_h), live, scale)

        # event feed
        head(_("Events"))
        self.feed_rect = pygame.Rect(x, y, w, max(0, rect.bottom - y - 4))
        self._feed(screen, self.feed_rect, rect, live, round(13 * scale), round(17 * scale))

    def _ladder(self, screen: pygame.Surface, rect: pygame.Rect, x: int, y: int, w: int,
                rb: int, rr: int, scale: float) -> int:
        rung_h = round(16 * scale)
        small = round(12 * scale)
        for rung in range(len(RUNG_NAMES) - 1, -1, -1):
            ry = y + (len(RUNG_NAMES) - 1 - rung) * rung_h
            shade = (30 + rung * 12, 40, 50)
            pygame.draw.rect(screen, shade, pygame.Rect(x, ry, w, rung_h - 2))
            name = th.fit_text(f"{rung} {_(RUNG_NAMES[rung])}", small, w - 58)
            self.text.blit(screen, name, small, (x + 54, ry), th.DIM, within=rect)
            if rung == rb:
                pygame.draw.rect(screen, th.BLUE_SIDE, pygame.Rect(x + 2, ry + 1, 22, rung_h - 4))
                self.text.blit(screen, "B", small, (x + 8, ry), th.BG, True, within=rect)
            if rung == rr:
                pygame.draw.rect(screen, th.RED_SIDE, pygame.Rect(x + 26, ry + 1, 22, rung_h - 4))
                self.text.blit(screen, "R", small, (x + 32, ry), th.BG, True, within=rect)
        return y + rung_h * len(RUNG_NAMES) + 6

    def _chart(self, screen: pygame.Surface, panel: pygame.Rect, box: pygame.Rect, live: Any,
               scale: float) -> int:
        """Trust and AI accuracy (0-1) against simulated time, with ticks and labels on both
        axes; returns the y below the chart's legend."""
        small = round(11 * scale)
        f = th.font(small)
        text = self.text
        axis_w = f.size("1.0")[0] + 6
        r = pygame.Rect(box.x + axis_w, box.y, box.w - axis_w - f.size("00:00")[0] // 2,
                        box.h)
        pygame.draw.rect(screen, (18, 24, 34), r)
        pygame.draw.rect(screen, th.PANEL_EDGE, r, 1)
        line_h = f.get_linesize()
        for v in (0.0, 0.5, 1.0):
            ty = r.bottom - 2 - int((r.h - 4) * v)
            pygame.draw.line(screen, th.PANEL_EDGE, (r.x - 3, ty), (r.x, ty))
            if v == 0.5:
                pygame.draw.line(screen, th.GRID, (r.x + 1, ty), (r.right - 2, ty))
            label = f"{v:.1f}"
            ink = text.ink(label, small)
            top = max(box.y - ink.y, min(ty - ink.centery, r.bottom - ink.bottom))
            text.blit(screen, label, small, (r.x - 5 - f.size(label)[0], top), th.DIM,
                      within=panel)
        duration = live.session.duration
        ticks = (0.0, duration / 2, duration) if duration > 0 else (0.0,)
        for i, t in enumerate(ticks):
            tx = r.x + (int(r.w * t / duration) if duration > 0 else 0)
            pygame.draw.line(screen, th.PANEL_EDGE, (tx, r.bottom), (tx, r.bottom + 3))
            label = clock(t)
            lw = f.size(label)[0]
            lx = tx if i == 0 else (tx - lw if i == len(ticks) - 1 else tx - lw // 2)
            text.blit(screen, label, small, (lx, r.bottom + 3), th.DIM, within=panel)
        y = r.bottom + 3 + line_h
        samples = live.samples
        if len(samples) >= 2 and duration > 0:
            step = max(1, len(samples) // max(1, r.w))

            def pts(index: int) -> list[tuple[int, int]]:
                out = []
                for s in samples[::step]:
                    v = s[index]
                    if v is None:
                        continue
                    out.append((r.x + int(r.w * s[0] / duration),
                                r.bottom - 2 - int((r.h - 4) * v)))
                return out

            series = ((1, th.TRUST),) if self.hide_truth else ((2, th.ACCURACY), (1, th.TRUST))
            for index, colour in series:
                p = pts(index)
                if len(p) >= 2:
                    pygame.draw.lines(screen, colour, False, p, 2)
        if duration > 0:
            nx = r.x + int(r.w * min(1.0, live.snapshot["t"] / duration))
            pygame.draw.line(screen, th.DIM, (nx, r.y), (nx, r.bottom), 1)
        legend_size = round(12 * scale)
        trust = _("trust (operators' mean)")
        acc = _("AI accuracy (truth)")
        lx = box.x
        used = text.blit(screen, th.fit_text(trust, legend_size, box.w // 2 - 8), legend_size,
                         (lx, y), th.TRUST, within=panel)
        if not self.hide_truth:
            text.blit(screen, th.fit_text(acc, legend_size, box.w // 2 - 8), legend_size,
                      (max(used.right + 14, box.x + box.w // 2), y), th.ACCURACY, within=panel)
        return y + round(19 * scale) + 2

    def _wrapped_lines(self, line: Any, font: pygame.font.Font, width: int, size: int
                       ) -> list[str]:
        key = (line.seq, width, size)
        got = self._wrapped.get(key)
        if got is None:
            if len(self._wrapped) > 4000:
                self._wrapped.clear()
            got = self._wrapped[key] = wrap(line.text, font, width, indent="    ")
        return got

    def _feed(self, screen: pygame.Surface, r: pygame.Rect, panel: pygame.Rect, live: Any,
              size: int, lh: int) -> None:
        """The newest feed lines that fit, each wrapped to the panel's width (never cut)."""
        pygame.draw.rect(screen, (18, 24, 34), r)
        rows = max(0, (r.h - 4) // lh)
        lines = list(live.feed)
        self.feed_scroll = max(0, min(self.feed_scroll, max(0, len(lines) - 1)))
        if rows <= 0:
            return
        if self.feed_scroll:
            rows -= 1  # the last row says how to get back to the newest
        f = th.font(size)
        out: list[tuple[str, str]] = []
        end = len(lines) - self.feed_scroll
        for line in reversed(lines[:end]):
            parts = self._wrapped_lines(line, f, r.w - 8, size)
            if len(out) + len(parts) > rows:
                break
            out[:0] = [(p, line.tone) for p in parts]
        for i, (part, tone) in enumerate(out):
            self.text.blit(screen, part, size, (r.x + 4, r.y + 2 + i * lh),
                           th.TONES.get(tone, th.TEXT), within=r)
        if self.feed_scroll:
            tag = th.fit_text(_("scrolled back {n} (wheel down to follow)").format(
                n=self.feed_scroll), size, r.w - 8)
            self.text.blit(screen, tag, size, (r.x + 4, r.y + 2 + rows * lh), th.UNKNOWN,
                           within=r)
