"""The right-hand panels: escalation ladder, harm, human control, workload, trust vs accuracy,
mission score, and the scrolling event feed. Drawn with plain pygame from the live run."""

from __future__ import annotations

from typing import Any

import pygame

from hmt_sim.actions import is_force
from hmt_sim.autonomy import human_could_stop
from hmt_sim.ladder import RUNG_NAMES
from visualiser import theme as th
from visualiser.debrief import fmt


class Panels:
    def __init__(self, text: th.TextCache) -> None:
        self.text = text
        self.feed_scroll = 0  # lines scrolled back from the newest
        self.feed_rect = pygame.Rect(0, 0, 0, 0)
        self._derived_at = -1
        self._derived: dict[str, Any] = {}

    def _counts(self, live: Any) -> dict[str, Any]:
        """Counts the metrics do not give directly, recomputed when the metrics are."""
        if live.metrics_version == self._derived_at:
            return self._derived
        from visualiser.debrief import decision_timeline

        rows = decision_timeline(live.session.events)
        force_l7 = sum(1 for e in live.session.events if e["kind"] == "engagement"
                       and is_force(e["action"]) and not human_could_stop(e))
        self._derived = {
            "rubber_stamps": sum(r.rubber_stamps for r in rows),
            "overrides": sum(r.override for r in rows),
            "out_of_loop": force_l7,
        }
        self._derived_at = live.metrics_version
        return self._derived

    def draw(self, screen: pygame.Surface, rect: pygame.Rect, live: Any, scale: float) -> None:
        pygame.draw.rect(screen, th.PANEL, rect)
        pygame.draw.line(screen, th.PANEL_EDGE, rect.topleft, rect.bottomleft, 1)
        metrics = live.live_metrics()
        counts = self._counts(live)
        fs = round(14 * scale)
        hs = round(15 * scale)
        lh = round(19 * scale)
        x = rect.x + 10
        y = rect.y + 6
        w = rect.w - 20
        snap = live.snapshot

        def head(label: str) -> None:
            nonlocal y
            screen.blit(self.text.get(label, hs, th.TEXT, bold=True), (x, y))
            y += lh + 2

        def row(label: str, value: str, colour: tuple[int, int, int] = th.TEXT,
                col: int = 0) -> None:
            cx = x + col * (w // 2)
            screen.blit(self.text.get(label, fs, th.DIM), (cx, y))
            surf = self.text.get(value, fs, colour, bold=True)
            screen.blit(surf, (cx + w // 2 - 12 - surf.get_width(), y))

        # escalation ladder
        head("Escalation ladder")
        rung_h = round(16 * scale)
        rb, rr = snap["rung_blue"], snap["rung_red"]
        for rung in range(len(RUNG_NAMES) - 1, -1, -1):
            ry = y + (len(RUNG_NAMES) - 1 - rung) * rung_h
            shade = (30 + rung * 12, 40, 50)
            pygame.draw.rect(screen, shade, pygame.Rect(x, ry, w, rung_h - 2))
            screen.blit(self.text.get(f"{rung} {RUNG_NAMES[rung]}", round(12 * scale), th.DIM),
                        (x + 54, ry))
            if rung == rb:
                pygame.draw.rect(screen, th.BLUE_SIDE, pygame.Rect(x + 2, ry + 1, 22, rung_h - 4))
                screen.blit(self.text.get("B", round(12 * scale), th.BG, True), (x + 8, ry))
            if rung == rr:
                pygame.draw.rect(screen, th.RED_SIDE, pygame.Rect(x + 26, ry + 1, 22, rung_h - 4))
                screen.blit(self.text.get("R", round(12 * scale), th.BG, True), (x + 32, ry))
        y += rung_h * len(RUNG_NAMES) + 6

        harm = metrics.get("harm", {})
        control = metrics.get("control", {})
        mission = metrics.get("mission", {})
        head("Civilian harm  |  Mission")
        cas = harm.get("civilian_casualties", 0)
        row("casualties", fmt(cas), th.HOSTILE if cas else th.TEXT)
        row("neutralised", fmt(mission.get("threats_neutralised", 0)), col=1)
        y += lh
        row("wrongful engagements", fmt(harm.get("wrongful_engagements", 0)))
        row("leakers", fmt(mission.get("leakers", 0)),
            th.HOSTILE if mission.get("leakers") else th.TEXT, col=1)
        y += lh
        row("protected-site damage", fmt(harm.get("objects_damaged", 0)))
        row("defence rate", fmt(mission.get("defence_rate")), col=1)
        y += lh + 4

        head("Human control")
        row("meaningful review", fmt(control.get("meaningful_review_rate")))
        row("uses of force", fmt(control.get("uses_of_force", 0)), col=1)
        y += lh
        row("rubber stamps", str(counts["rubber_stamps"]),
            th.TONES["warn"] if counts["rubber_stamps"] else th.TEXT)
        row("overrides", str(counts["overrides"]), col=1)
        y += lh
        row("out-of-loop actions", str(counts["out_of_loop"]))
        row("human authorised", fmt(control.get("human_authorisation_rate")), col=1)
        y += lh + 4

        # workload and queue
        head("Operators")
        n_ops = live.session.scenario.operators.count
        busy, queue = snap["busy_operators"], snap["queue"]
        row("busy", f"{busy}/{n_ops}")
        row("queue", str(queue), th.TONES["warn"] if queue else th.TEXT, col=1)
        y += lh
        bar = pygame.Rect(x, y, w, round(8 * scale))
        pygame.draw.rect(screen, (40, 50, 64), bar)
        load = min(1.0, (busy + queue) / max(1, n_ops))
        colour = th.CIVILIAN if load < 0.6 else th.UNKNOWN if load < 1 else th.HOSTILE
        pygame.draw.rect(screen, colour, pygame.Rect(x, y, int(w * load), bar.h))
        y += bar.h + 8

        # trust vs accuracy
        head("Trust vs actual AI accuracy")
        chart = pygame.Rect(x, y, w, round(70 * scale))
        self._chart(screen, chart, live)
        y = chart.bottom + 4
        legend = self.text.get("trust", round(12 * scale), th.TRUST)
        screen.blit(legend, (x, y))
        screen.blit(self.text.get("AI accuracy", round(12 * scale), th.ACCURACY),
                    (x + legend.get_width() + 14, y))
        y += lh + 2

        # event feed
        head("Events")
        self.feed_rect = pygame.Rect(x, y, w, rect.bottom - y - 4)
        self._feed(screen, self.feed_rect, live, round(13 * scale), round(17 * scale))

    def _chart(self, screen: pygame.Surface, r: pygame.Rect, live: Any) -> None:
        pygame.draw.rect(screen, (18, 24, 34), r)
        pygame.draw.rect(screen, th.PANEL_EDGE, r, 1)
        samples = live.samples
        duration = live.session.duration
        if len(samples) < 2 or duration <= 0:
            return
        step = max(1, len(samples) // max(1, r.w))

        def pts(index: int) -> list[tuple[int, int]]:
            out = []
            for s in samples[::step]:
                v = s[index]
                if v is None:
                    continue
                out.append((r.x + int(r.w * s[0] / duration), r.bottom - 2 - int((r.h - 4) * v)))
            return out

        for index, colour in ((2, th.ACCURACY), (1, th.TRUST)):
            p = pts(index)
            if len(p) >= 2:
                pygame.draw.lines(screen, colour, False, p, 2)
        nx = r.x + int(r.w * live.session.now / duration)
        pygame.draw.line(screen, th.DIM, (nx, r.y), (nx, r.bottom), 1)

    def _feed(self, screen: pygame.Surface, r: pygame.Rect, live: Any, size: int, lh: int
              ) -> None:
        pygame.draw.rect(screen, (18, 24, 34), r)
        rows = max(1, (r.h - 4) // lh)
        lines = list(live.feed)
        self.feed_scroll = max(0, min(self.feed_scroll, max(0, len(lines) - rows)))
        end = len(lines) - self.feed_scroll
        shown = lines[max(0, end - rows):end]
        old = screen.get_clip()
        screen.set_clip(r)
        for i, line in enumerate(shown):
            surf = self.text.get(line.text, size, th.TONES.get(line.tone, th.TEXT))
            screen.blit(surf, (r.x + 4, r.y + 2 + i * lh))
        screen.set_clip(old)
        if self.feed_scroll:
            tag = self.text.get(f"scrolled back {self.feed_scroll} (wheel down to follow)",
                                size, th.UNKNOWN)
            screen.blit(tag, (r.right - tag.get_width() - 4, r.bottom - lh))
