"""Assessments: what the AI called each track, and the later revelation of ground truth that
teaches blue how good its AI is (the reliability-floor and bias-gap rules) and moves each
operator's trust.

It owns the AI's standing call per track and blue's record of revealed cases, so the decision
pipeline and the world only tell it "the AI judged this" and "this track is done".
"""

from __future__ import annotations

from typing import Any

import simpy

from hmt_sim.agents.ai import Classification
from hmt_sim.agents.contacts import ContactAgent
from hmt_sim.crew import OperatorPool
from hmt_sim.events import EventLog
from hmt_sim.roe import AssessmentRecord


class Assessments:
    """The AI's calls awaiting ground truth, and blue's record of the calls already assessed."""

    def __init__(self, env: simpy.Environment, log: EventLog, contacts: dict[int, ContactAgent],
                 crew: OperatorPool, delay_s: float) -> None:
        self._env = env
        self._log = log
        self._contacts = contacts
        self._crew = crew
        self._delay_s = delay_s
        self._calls: dict[int, Classification] = {}
        self._regions: dict[int, str | None] = {}
        self.record = AssessmentRecord()

    def note_call(self, track: int, call: Classification, region: str | None) -> None:
        """The AI's call on ``track`` (a first call or a changed one) and where it was made."""
        self._calls[track] = call
        self._regions[track] = region

    def call(self, track: int) -> Classification | None:
        """The AI's standing call on a track, until its assessment."""
        return self._calls.get(track)

    def region(self, track: int) -> str | None:
        """Where the AI made its standing call on ``track``."""
        return self._regions.get(track)

    def track_done(self, track: int) -> None:
        """The track is gone (neutralised, identified, leaked, left): reveal the truth about
        the AI's call after the assessment delay, if the AI made one."""
        if track in self._calls:
            self._env.process(self._assess(track))

    def _assess(self, track: int) -> Any:
        yield self._env.timeout(self._delay_s)
        call = self._calls.pop(track, None)
        if call is None:
            return
        now = float(self._env.now)
        contact = self._contacts[track]
        region = self._regions.get(track)
        self.record.add(call.correct, not contact.hostile, region)
        self._log.emit(
            now, "assessment", track, true_class=contact.kind.true_class, ai_label=call.label,
            ai_correct=call.correct, confidence=round(call.confidence, 6), region=region,
        )
        for state, seats in self._crew.trust_groups:
            # One record per trust type, not per seat: every seat of the type holds the same.
            trust = state.observe(call.correct, call.label)
            self._log.emit(now, "trust", operators=seats, trust=round(trust, 6),
                           compliance=round(state.compliance, 6),
                           reliance=round(state.reliance, 6))
