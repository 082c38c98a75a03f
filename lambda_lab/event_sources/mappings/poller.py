"""What every poller shares: waking up on demand, one poll at a time, invoking a batch.

A poller never spins. It polls when woken: at creation, when the endpoint sees new data for
its kind of source, when a batching window or a visibility timeout ends, or when a retry is
due (timers on the Lab's clock). A wake during a poll makes it poll once more afterwards.
"""

from __future__ import annotations

import abc
import json
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from lambda_lab import errors
from lambda_lab.clock import Timer
from lambda_lab.event_sources.mappings.batch_results import BatchRun
from lambda_lab.event_sources.mappings.config import MappingConfig
from lambda_lab.invocation.sync import InvokeResult

if TYPE_CHECKING:
    from lambda_lab.aws.delivery import Deliverer
    from lambda_lab.aws.endpoint import Clients
    from lambda_lab.clock import Clock
    from lambda_lab.control.functions import Registry
    from lambda_lab.invocation.dispatch import Dispatcher
    from lambda_lab.monitoring.metrics import Metrics


class SyncInvoke(Protocol):
    """A batch through the Lab's pipeline (:func:`~lambda_lab.invocation.sync.invoke_sync`)."""

    def __call__(
        self, function_name: str, payload: bytes, *, invocation_type: str, trusted_json: bool
    ) -> InvokeResult: ...


@dataclass(frozen=True)
class PollerTools:
    """What pollers work with: the functions (a deleted one pauses its mapping), the clock and
    dispatcher (when to poll), the Lab's clients (reading queues and streams), the invoke
    (running a batch), and, for streams, the metrics (IteratorAge) and the deliverer (OnFailure)."""

    functions: Registry
    clock: Clock
    dispatcher: Dispatcher
    clients: Clients
    invoke: SyncInvoke
    metrics: Metrics
    deliverer: Deliverer


class Poller(abc.ABC):
    def __init__(self, tools: PollerTools, config: MappingConfig) -> None:
        self._functions = tools.functions
        self._clock = tools.clock
        self._dispatcher = tools.dispatcher
        self._sync_invoke = tools.invoke
        self.config = config
        self.history: list[BatchRun] = []
        self._lock = threading.Lock()
        self._scheduled = False
        self._running = False
        self._again = False
        self._stopped = False
        self._timers: list[Timer] = []

    # -- waking -------------------------------------------------------------------------------
    def start(self) -> None:
        self.wake()

    def wake(self) -> None:
        with self._lock:
            if self._stopped or self._scheduled:
                return
            if self._running:
                self._again = True
                return
            self._scheduled = True
        self._dispatcher.later(0, self._run)

    def wake_at(self, when: float) -> None:
        """Poll again at ``when`` on the Lab's clock (a window's end, a retry, a visibility timeout)."""
        with self._lock:
            if self._stopped:
                return
            self._timers = [
                t for t in self._timers if not t.cancelled and t.when > self._clock.time()
            ]
            self._timers.append(self._dispatcher.at(when, self.wake))

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()

    def _run(self) -> None:
        with self._lock:
            self._scheduled = False
            if self._stopped or self._running:
                return
            self._running = True
        try:
            if self.config.enabled and self._function_exists():
                self.poll()
        finally:
            with self._lock:
                self._running = False
                again, self._again = self._again, False
            if again:
                self.wake()

    def _function_exists(self) -> bool:
        try:
            self._functions.get(self.config.function_name)
        except errors.LambdaError:
            return False  # deleted: the mapping stays, and waits, as on AWS
        return True

    @abc.abstractmethod
    def poll(self) -> None:
        """Read what is waiting and invoke the function with batches of it."""

    # -- invoking -----------------------------------------------------------------------------
    def invoke(self, event: dict[str, Any]) -> tuple[InvokeResult | None, str]:
        """Run one batch synchronously, as Lambda's poller does; never raises for throttles.

        Returns the result (None when the function could not be called) and the outcome word.
        """
        payload = json.dumps(event).encode()
        try:
            result = self._sync_invoke(
                self.config.function_name,
                payload,
                invocation_type="poll",
                trusted_json=True,
            )
        except errors.LambdaError as exc:
            self.config.last_result = f"PROBLEM: {exc.message}"
            return None, "throttled" if exc.code == "TooManyRequestsException" else "error"
        failed = result.function_error is not None
        self.config.last_result = "PROBLEM: Function call failed" if failed else "OK"
        return result, "error" if failed else "success"

    def remember(self, run: BatchRun) -> None:
        with self._lock:
            self.history.append(run)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.config.uuid[:8]} {self.config.source_arn} -> {self.config.function_name}>"
