"""Time, injected (DESIGN principle 4).

Every wait in the Lab (retry delays, event age, batching windows, schedules, idle
environments) goes through a clock. :class:`RealClock` waits for real on one scheduler
thread; :class:`VirtualClock` only moves when told to, so a notebook can fast-forward a
six-hour retry window in a blink. Handlers always run for real: only waiting is virtual.
"""

from __future__ import annotations

import abc
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any


class Timer:
    """A scheduled callback; ``cancel()`` makes it a no-op."""

    __slots__ = ("when", "callback", "args", "cancelled")

    def __init__(self, when: float, callback: Callable[..., Any], args: tuple[Any, ...]):
        self.when = when
        self.callback = callback
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Clock(abc.ABC):
    """The shared part: a heap of ``(when, sequence, timer)`` with fixed tie-breaks."""

    virtual = False

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Timer]] = []
        self._sequence = itertools.count()
        self._lock = threading.RLock()

    @abc.abstractmethod
    def time(self) -> float:
        """Seconds since the epoch, as the Lab sees them."""

    def call_at(self, when: float, callback: Callable[..., Any], *args: Any) -> Timer:
        timer = Timer(when, callback, args)
        with self._lock:
            heapq.heappush(self._heap, (when, next(self._sequence), timer))
        self._wake()
        return timer

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer:
        if delay < 0:
            raise ValueError(f"delay must be >= 0 seconds (got {delay})")
        return self.call_at(self.time() + delay, callback, *args)

    def pending(self) -> int:
        """How many timers are still waiting (cancelled ones are not counted)."""
        with self._lock:
            return sum(1 for _, _, t in self._heap if not t.cancelled)

    def next_due(self) -> float | None:
        with self._lock:
            self._drop_cancelled()
            return self._heap[0][0] if self._heap else None

    def _pop_due(self, now: float) -> Timer | None:
        with self._lock:
            self._drop_cancelled()
            if self._heap and self._heap[0][0] <= now:
                return heapq.heappop(self._heap)[2]
            return None

    def _drop_cancelled(self) -> None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)

    def _wake(self) -> None:  # noqa: B027 (a no-op hook that virtual clocks override)
        """Hook for RealClock's scheduler thread."""

    def close(self) -> None:
        with self._lock:
            self._heap.clear()


class VirtualClock(Clock):
    """A clock that stands still until :meth:`advance` or :meth:`run_until_idle` moves it."""

    virtual = True

    def __init__(self, start: float | None = None) -> None:
        super().__init__()
        self._now = time.time() if start is None else float(start)

    def time(self) -> float:
        return self._now

    def advance(
        self, seconds: float = 0, *, minutes: float = 0, hours: float = 0, days: float = 0
    ) -> int:
        """Move time forward, running every callback that falls due, in order.

        Returns how many callbacks ran. Callbacks may schedule more; those run too if they
        fall inside the window.
        """
        total = seconds + 60 * minutes + 3600 * hours + 86400 * days
        if total < 0:
            raise ValueError(f"cannot move a clock backwards (asked to advance {total} s)")
        return self.run_until(self._now + total)

    def run_until(self, until: float) -> int:
        if until < self._now:
            raise ValueError(f"until={until} is in the past (the clock reads {self._now})")
        ran = 0
        while (timer := self._pop_due(until)) is not None:
            self._now = max(self._now, timer.when)
            timer.callback(*timer.args)
            ran += 1
        self._now = until
        return ran

    def run_until_idle(self, limit: float = 7 * 86400) -> int:
        """Run callbacks until nothing is scheduled, or ``limit`` virtual seconds pass.

        The limit stops endless schedules (``rate(1 minute)``) from running forever.
        """
        stop_at = self._now + limit
        ran = 0
        while (due := self.next_due()) is not None and due <= stop_at:
            ran += self.run_until(max(due, self._now))
        return ran


class RealClock(Clock):
    """Wall-clock time; callbacks run on one daemon scheduler thread, started on demand."""

    def __init__(self) -> None:
        super().__init__()
        self._condition = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._closed = False

    def time(self) -> float:
        return time.time()

    def _wake(self) -> None:  # noqa: B027 (a no-op hook that virtual clocks override)
        with self._condition:
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(
                    target=self._loop, name="lambda-lab-clock", daemon=True
                )
                self._thread.start()
            self._condition.notify()

    def _loop(self) -> None:
        while True:
            with self._condition:
                if self._closed:
                    return
                timer = self._pop_due(self.time())
                if timer is None:
                    due = self.next_due()
                    wait = None if due is None else max(0.0, due - self.time())
                    self._condition.wait(wait)
                    continue
            try:
                timer.callback(*timer.args)
            except Exception:  # a failing callback must not stop the clock
                import logging

                logging.getLogger("lambda_lab").exception("clock callback failed")

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._heap.clear()
            self._condition.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
