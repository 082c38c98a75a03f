"""Where the Lab's background work runs: async attempts, deliveries, polls and schedules.

The clock decides *when*; the dispatcher decides *where*. On a virtual clock the work runs
right inside the clock's callback, so ``lab.clock.advance(minutes=3)`` returns only when
everything due in those three minutes has really run, in order. On a real clock the clock's
single scheduler thread only hands work to a few daemon threads, so one slow handler never
delays the other timers.

A failing job is logged and kept in :attr:`Dispatcher.failures`; it never stops the clock.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from lambda_lab.clock import Clock, Timer

DEFAULT_THREADS = 4
_STOP = object()


class Dispatcher:
    def __init__(self, clock: Clock, threads: int = DEFAULT_THREADS) -> None:
        self.clock = clock
        self.failures: list[str] = []
        self._threads_wanted = threads
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    @property
    def closed(self) -> bool:
        """True once the Lab is going away: work handed in now is dropped."""
        return self._closed

    # -- scheduling -------------------------------------------------------------------------
    def later(self, delay: float, job: Callable[..., Any], *args: Any) -> Timer:
        """Run ``job(*args)`` after ``delay`` seconds of the Lab's clock."""
        return self.clock.call_later(max(0.0, delay), self.submit, job, *args)

    def at(self, when: float, job: Callable[..., Any], *args: Any) -> Timer:
        return self.clock.call_at(when, self.submit, job, *args)

    def submit(self, job: Callable[..., Any], *args: Any) -> None:
        """Run ``job`` now: inline on a virtual clock, on a worker thread on a real one."""
        if self._closed:
            return
        if self.clock.virtual:
            self._run(job, args)
            return
        self._ensure_threads()
        self._jobs.put((job, args))

    # -- running ----------------------------------------------------------------------------
    def _run(self, job: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            job(*args)
        except Exception as exc:  # background work must never take the Lab down
            name = getattr(job, "__qualname__", repr(job))
            self.failures.append(f"{name}: {type(exc).__name__}: {exc}")
            import logging  # (loaded when needed: its import is a cost every fresh Lab would pay)

            logging.getLogger("lambda_lab").exception("lambda-lab background job %s failed", name)

    def _ensure_threads(self) -> None:
        with self._lock:
            if len(self._threads) >= self._threads_wanted or self._closed:
                return
            # One more thread per submission until the pool is full: idle Labs start none.
            thread = threading.Thread(
                target=self._loop, name=f"lambda-lab-dispatch-{len(self._threads)}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _loop(self) -> None:
        while True:
            item = self._jobs.get()
            if item is _STOP:
                return
            job, args = item
            self._run(job, args)

    def close(self, timeout: float = 5.0) -> None:
        """Stop taking work; let the threads finish what they are running, then end them."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        while True:  # work not started yet is dropped: the Lab is going away
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break
        for _ in threads:
            self._jobs.put(_STOP)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(timeout)
