"""A tiny discrete-event core: one heap of scheduled events plus one pre-sorted feed.

Scheduled events live in a heap of ``(time, priority, sequence, kind, payload)``; the
sequence number fixes the order of events that share a time and a priority, so a run is
the same every time. Arrivals come from a *feed*: an iterator already sorted by time
that is merged with the heap as it is read, so a million arrivals never sit in the heap
(or in a list) at once.

Order at one instant: scheduled events first (by priority, then in the order they were
scheduled), then the feed's items in their own order.

The simulation engine runs its own loop over ``heap`` (arrivals come to it in blocks and
completions are handled inline), with the same order; ``run`` is the general loop it uses
once the arrivals are over, and what small models and the tests use.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

Handler = Callable[[float, Any], None]
FeedHandler = Callable[[tuple[Any, ...]], None]


class EventQueue:
    """Runs handlers in time order. Handlers are registered per ``kind`` (any hashable)."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = float(start)  # the clock: the time of the last event run
        # (time, priority, sequence, kind, payload); ``sequence`` numbers every entry
        self.heap: list[tuple[Any, ...]] = []
        self.sequence = itertools.count()
        self._handlers: dict[Any, Handler] = {}
        self._feed: Iterator[tuple[Any, ...]] | None = None
        self._feed_handler: FeedHandler | None = None
        self._feed_next: tuple[Any, ...] | None = None
        self.processed = 0

    def on(self, kind: Any, handler: Handler) -> None:
        """Call ``handler(time, payload)`` for every event of this kind."""
        self._handlers[kind] = handler

    def feed(self, items: Iterable[tuple[Any, ...]], handler: FeedHandler) -> None:
        """Merge a time-sorted stream of tuples (time first) into the run.

        Each item is handed whole to ``handler``. An item earlier than the clock is an
        error, named with both times.
        """
        if self._feed is not None:
            raise RuntimeError("this EventQueue already has a feed; merge the streams first")
        self._feed = iter(items)
        self._feed_handler = handler
        self._feed_next = next(self._feed, None)

    def schedule(self, when: float, kind: Any, payload: Any = None, priority: int = 0) -> None:
        """Run the handler for ``kind`` at ``when`` (never earlier than now)."""
        if when < self.now:
            raise ValueError(
                f"cannot schedule {kind!r} at t={when!r}: the simulation clock is already at "
                f"t={self.now!r}"
            )
        if kind not in self._handlers:
            raise KeyError(f"no handler registered for event kind {kind!r}")
        heapq.heappush(self.heap, (when, priority, next(self.sequence), kind, payload))

    def has_pending(self) -> bool:
        """True while anything is scheduled or the feed has items left."""
        return bool(self.heap) or self._feed_next is not None

    def next_time(self) -> float | None:
        """When the next event (scheduled or fed) is due, or None if nothing is left."""
        candidates = []
        if self.heap:
            candidates.append(self.heap[0][0])
        if self._feed_next is not None:
            candidates.append(self._feed_next[0])
        return min(candidates) if candidates else None

    def run(self, until: float = math.inf) -> int:
        """Process every event due at or before ``until``; return how many ran.

        With a finite ``until`` the clock ends there, so a later ``run`` continues from
        that point; ``until`` before the clock is refused.
        """
        if until < self.now:
            raise ValueError(
                f"run(until={until!r}) is in the past: the simulation clock is at t={self.now!r}"
            )
        # Locals keep the per-event cost to a few bytecodes: this loop runs millions of times.
        heap = self.heap
        pop = heapq.heappop
        handlers = self._handlers
        feed = self._feed
        feed_handler = self._feed_handler
        upcoming = self._feed_next
        ran = 0
        try:
            while True:
                if heap and (upcoming is None or heap[0][0] <= upcoming[0]):
                    if heap[0][0] > until:
                        break
                    when, _priority, _sequence, kind, payload = pop(heap)
                    self.now = when
                    handlers[kind](when, payload)
                elif upcoming is not None:
                    when = upcoming[0]
                    if when > until:
                        break
                    if when < self.now:
                        raise ValueError(
                            f"the feed went back in time: item {upcoming!r} comes after "
                            f"t={self.now!r}; feed items must be sorted by time"
                        )
                    self.now = when
                    item = upcoming
                    upcoming = self._feed_next = next(feed, None)  # type: ignore[arg-type]
                    feed_handler(item)  # type: ignore[misc]
                else:
                    break
                ran += 1
        finally:
            self.processed += ran
        if until != math.inf:
            self.now = until
        return ran
