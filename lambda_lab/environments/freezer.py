"""Freeze environments that stay idle, as Lambda freezes a sandbox between invokes.

Stopping a worker (SIGSTOP) and waking it again (SIGCONT) costs two signals and a context
switch, about 20 us: too much to pay on every warm invoke of a busy function. So the
freezer stops a worker only once it has been idle for a few milliseconds; a function
invoked back to back is never frozen, and one left alone is frozen almost at once, which is
what a learner can observe (a background thread does not run between invokes).

The invoke path never wakes the freezer's thread: waking it on every release cost a
futex call and, on a two-core machine, a third runnable thread competing with the caller
and the worker for the GIL and the CPUs. The thread looks again every FREEZE_AFTER_S on
its own while invokes keep coming, and only after a quiet second does it wait to be
woken (by the first release after the quiet, which is no longer a hot loop).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from lambda_lab.environments.environment import Environment

FREEZE_AFTER_S = 0.005
QUIET_S = 1.0  # after this long without a release, the thread waits to be woken


class Freezer:
    def __init__(self, lock: threading.Lock, still_idle: Callable[[Environment], bool]) -> None:
        self._condition = threading.Condition(lock)  # the pool's own lock: no race with take_idle
        self._still_idle = still_idle
        self._waiting: dict[Environment, float] = {}
        self._thread: threading.Thread | None = None
        self._parked = False  # the thread waits with no deadline: only then must idle() wake it
        self._closed = False
        self._last_idle = 0.0  # when a release last came (monotonic)

    # Both are called with the pool's lock held.
    def idle(self, env: Environment) -> None:
        self._waiting[env] = self._last_idle = time.monotonic()
        if self._thread is None and not self._closed:
            self._thread = threading.Thread(
                target=self._run, name="lambda-lab-freezer", daemon=True
            )
            self._thread.start()
        elif self._parked:  # only after a quiet second; else it looks again on its own
            self._parked = False
            self._condition.notify()

    def busy(self, env: Environment) -> None:
        self._waiting.pop(env, None)

    def _run(self) -> None:
        with self._condition:
            while not self._closed:
                now = time.monotonic()
                if not self._waiting:
                    if now - self._last_idle < QUIET_S:  # invokes are coming: look again soon
                        self._condition.wait(FREEZE_AFTER_S)
                        continue
                    self._parked = True
                    self._condition.wait()
                    self._parked = False
                    continue
                for env, since in list(self._waiting.items()):
                    if now - since >= FREEZE_AFTER_S:
                        del self._waiting[env]
                        if self._still_idle(env):
                            env.freeze()
                if self._waiting:
                    soonest = min(self._waiting.values()) + FREEZE_AFTER_S
                    self._condition.wait(max(0.0, soonest - time.monotonic()))

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._waiting.clear()
            self._condition.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
