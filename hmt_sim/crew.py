"""The operator crew: the seats, who is free, the queue of reviews, and the reviews waiting for a
person in a human seat.

Operator attention is a priority queue of SimPy events (its queue *is* the workload, DESIGN.md
principle 3): a heap, so a request waits in O(log n) however long the queue grows, served by
priority and first come, first served within one - the order SimPy's ``PriorityResource`` gives,
without its re-sort of the whole queue on every request. The crew also owns which seat a granted
request sits in, so no other module keeps seat bookkeeping of its own.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

import simpy

from hmt_sim.agents.operator import OperatorAgent

ON_DUTY_SEAT = 0  # the supervisor accountable for autonomous action (the first seat)


@dataclass
class PendingReview:
    """A review waiting for the person in a human seat (``Session.pending_decisions``).

    ``decision`` is the pipeline's decision record (its id, track, action, AI call, level)."""

    decision: Any
    operator: int
    started: float
    answered: simpy.Event
    inspected_s: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)


class SeatRequest(simpy.Event):
    """A request for an operator's attention: it fires when a seat's attention is granted.

    Yield it (alone or in a condition such as ``req | env.timeout(t)``); ``cancel`` withdraws
    one still waiting; ``OperatorPool.release`` gives a granted one back."""

    __slots__ = ("_pool", "cancelled", "granted", "priority")

    def __init__(self, pool: OperatorPool, priority: int) -> None:
        super().__init__(pool._env)
        self._pool = pool
        self.priority = priority
        self.granted = False
        self.cancelled = False

    def cancel(self) -> None:
        """Withdraw the request if it is still waiting (a granted one must be released)."""
        if not self.granted and not self.cancelled:
            self.cancelled = True
            self._pool._waiting -= 1


class OperatorPool:
    """Seats and reviews of one run's operators."""

    def __init__(self, env: simpy.Environment, operators: list[OperatorAgent]) -> None:
        self._env = env
        self.operators = operators
        self.capacity = max(1, len(operators))
        self._in_use = 0  # granted requests not yet released
        self._waiting = 0  # requests in the heap not cancelled
        self._heap: list[tuple[int, int, SeatRequest]] = []
        self._order = itertools.count()
        self._free = list(range(len(operators)))
        self._pending: dict[tuple[int, int], PendingReview] = {}
        self._seat_freed = env.event()
        self.max_rt95 = max((op.rt95() for op in operators), default=0.0)
        groups: dict[int, list[int]] = {}
        for op in operators:
            groups.setdefault(id(op.trust_state), []).append(op.index)
        # Seats sharing one trust record, in seat order (one update and one log record each).
        self.trust_groups: list[tuple[Any, list[int]]] = [
            (operators[seats[0]].trust_state, seats) for seats in groups.values()]

    def __len__(self) -> int:
        return len(self.operators)

    def __getitem__(self, index: int) -> OperatorAgent:
        return self.operators[index]

    def __iter__(self) -> Iterator[OperatorAgent]:
        return iter(self.operators)

    # ------------------------------------------------------------------ seats
    def request(self, priority: int) -> SeatRequest:
        """Ask for an operator's attention (lower priority numbers are served first, in order
        of asking within a priority): granted now if attention is free, else queued."""
        req = SeatRequest(self, priority)
        if self._in_use < self.capacity and not self._waiting:
            self._grant(req)
        else:
            heapq.heappush(self._heap, (priority, next(self._order), req))
            self._waiting += 1
        return req

    def release(self, request: SeatRequest) -> None:
        """Give an operator's attention back (a request never granted: nothing to give)."""
        if not request.granted:
            return
        request.granted = False
        self._in_use -= 1
        heap = self._heap
        while heap and self._in_use < self.capacity:
            req = heapq.heappop(heap)[2]
            if not req.cancelled:
                self._waiting -= 1
                self._grant(req)

    def _grant(self, req: SeatRequest) -> None:
        req.granted = True
        self._in_use += 1
        req.succeed()

    def take_seat(self, exclude: Collection[int] = ()) -> int | None:
        """The lowest-numbered free seat not in ``exclude`` (call after the resource granted a
        request), or None when every free seat is excluded - the second approval of a
        two-person decision must come from a different person than the first."""
        for i, seat in enumerate(self._free):
            if seat not in exclude:
                return self._free.pop(i)
        return None

    def free_seat(self, index: int) -> None:
        """The seat's review is over: it can take the next one."""
        self._free.append(index)
        self._free.sort()
        freed, self._seat_freed = self._seat_freed, self._env.event()
        freed.succeed(index)

    @property
    def seat_freed(self) -> simpy.Event:
        """An event that fires the next time any seat is freed (for a review that must wait
        for a seat other than the ones it excludes)."""
        return self._seat_freed

    def on_duty(self) -> int | None:
        """The seat accountable for autonomous action, or None with no operators."""
        return ON_DUTY_SEAT if self.operators else None

    # ------------------------------------------------------------------ load
    @property
    def busy(self) -> int:
        """Seats reviewing now."""
        return self._in_use if self.operators else 0

    @property
    def queued(self) -> int:
        """Reviews waiting for a free seat."""
        return self._waiting

    def workload(self) -> float:
        """W: operators busy plus reviews waiting, per operator, capped at 1 (a queue proxy)."""
        n = len(self.operators)
        if n == 0:
            return 1.0
        return min(1.0, (self._in_use + self._waiting) / n)

    def utilisation(self) -> float | None:
        """Share of seats busy now; None without operators."""
        if not self.operators:
            return None
        return self._in_use / len(self.operators)

    def mean_trust(self) -> float | None:
        """Mean trust in the AI over the seats; None without operators."""
        if not self.operators:
            return None
        return sum(op.trust for op in self.operators) / len(self.operators)

    # ------------------------------------------------------------------ human seats
    def wait_for_person(self, decision: Any, seat: int) -> PendingReview:
        """Open a review card for the person in ``seat``."""
        pending = PendingReview(decision, seat, float(self._env.now), self._env.event())
        self._pending[(decision.id, seat)] = pending  # two-person approvals: two seats at once
        return pending

    def close(self, decision_id: int, seat: int) -> None:
        """The card is answered or its time ran out."""
        self._pending.pop((decision_id, seat), None)

    def open_cards(self, decision: int | None = None, seat: int | None = None
                   ) -> list[PendingReview]:
        """Unanswered cards, by decision then seat; optionally of one decision or seat."""
        return [p for (d, s), p in sorted(self._pending.items())
                if not p.answered.triggered and (decision is None or d == decision)
                and (seat is None or s == seat)]

    @property
    def pending(self) -> dict[tuple[int, int], PendingReview]:
        """(decision id, seat) -> card, answered or not (a read-only view by convention)."""
        return self._pending
