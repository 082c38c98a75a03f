"""Function states as AWS runs them, on the Lab's clock.

* CreateFunction answers ``State: Pending`` (``StateReasonCode: Creating``); a short,
  configurable time later the function is ``Active``. While Pending, invokes, updates and
  PublishVersion fail with ResourceConflictException.
* UpdateFunctionCode and UpdateFunctionConfiguration answer ``LastUpdateStatus: InProgress``;
  reads show the new settings at once, but invokes keep running the previous code and
  configuration until the update completes (``Successful``, or ``Failed`` with a reason).
  Another update meanwhile is a ResourceConflictException.
* A function nobody invoked for 14 days becomes ``Inactive`` (``StateReasonCode: Idle``).
  Invoking it fails once (CodeArtifactUserPendingException) and starts restoring it
  (``Pending``, ``Restoring``), after which it is Active again.

Published versions share their function's transition: a version published with the code
(``Publish=True``) is Pending until the function is Active. Python helpers such as
``lab.deploy`` call :meth:`Lifecycle.settle`, the Lab's stand-in for ``aws lambda wait``.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambda_lab import errors

if TYPE_CHECKING:
    from lambda_lab.clock import Clock, Timer
    from lambda_lab.control.functions import FunctionConfig

LATEST = "$LATEST"
DEFAULT_TRANSITION_S = 0.5  # AWS takes about a second for a ZIP function; waiters poll every 1 s
IDLE_AFTER_S = 14 * 86_400  # Inactive after two weeks without an invoke (SnapStart docs)
CREATING = "The function is being created."  # AWS's text, also for updates (recorded)
RESTORING = "The function is being restored."
IDLE = "The function is idle."


@dataclass
class Status:
    """The state members of one FunctionConfiguration document."""

    state: str = "Pending"
    reason: str | None = CREATING
    reason_code: str | None = "Creating"
    last_update: str | None = None  # AWS leaves LastUpdateStatus out while a function is created
    update_reason: str | None = None
    update_reason_code: str | None = None

    def as_aws(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"State": self.state}
        if self.reason is not None:
            doc["StateReason"] = self.reason
            doc["StateReasonCode"] = self.reason_code
        if self.last_update is not None:
            doc["LastUpdateStatus"] = self.last_update
            if self.update_reason is not None:
                doc["LastUpdateStatusReason"] = self.update_reason
                doc["LastUpdateStatusReasonCode"] = self.update_reason_code
        return doc


def _active() -> Status:
    return Status("Active", None, None, "Successful")


class Lifecycle:
    """States of every function and published version; thread-safe.

    ``applied(name)`` is called when a staged update takes effect (the Lab retires the
    function's warm environments); ``last_invoked(name)`` says when it last ran.
    """

    def __init__(
        self,
        clock: Clock,
        transition_s: float = DEFAULT_TRANSITION_S,
        *,
        idle_after_s: float = IDLE_AFTER_S,
        applied: Callable[[str], object] = lambda name: None,
        last_invoked: Callable[[str], float | None] = lambda name: None,
    ) -> None:
        if transition_s < 0:
            raise ValueError(f"transition_s must be >= 0 seconds (got {transition_s})")
        self.transition_s = transition_s
        self.idle_after_s = idle_after_s
        self._clock = clock
        self._applied = applied
        self._last_invoked = last_invoked
        self._status: dict[tuple[str, str], Status] = {}
        self._active_since: dict[str, float] = {}
        self._staged: dict[str, tuple[FunctionConfig, FunctionConfig]] = {}  # (live, new)
        self._timers: dict[str, Timer] = {}
        self._lock = threading.RLock()

    # -- transitions started by the control plane ---------------------------------------------
    def created(self, name: str) -> None:
        """A new function: Pending (Creating) until the transition ends."""
        with self._lock:
            self._status[(name, LATEST)] = Status()
            self._schedule(name)

    def published(self, name: str, version: str) -> None:
        """A new version: Pending with its function while that is being created or updated."""
        with self._lock:
            latest = self._status.get((name, LATEST), _active())
            busy = latest.state == "Pending" or latest.last_update == "InProgress"
            self._status[(name, version)] = Status() if busy else _active()

    def update(self, live: FunctionConfig, new: FunctionConfig) -> None:
        """Stage ``new`` as $LATEST: shown at once, run once the update completes."""
        with self._lock:
            self.check_update(live.name, live.arn)
            self._staged[live.name] = (live, new)
            status = self._status.setdefault((live.name, LATEST), _active())
            status.last_update, status.update_reason = "InProgress", CREATING
            status.update_reason_code = "Creating"
            self._schedule(live.name)

    def forget(self, name: str, version: str | None = None) -> None:
        with self._lock:
            if version is not None:
                self._status.pop((name, version), None)
                return
            for key in [k for k in self._status if k[0] == name]:
                del self._status[key]
            timer = self._timers.pop(name, None)
            if timer is not None:
                timer.cancel()
            self._staged.pop(name, None)
            self._active_since.pop(name, None)

    # -- what callers see ------------------------------------------------------------------------
    def status(self, name: str, version: str = LATEST) -> Status:
        """The current status (a copy); an idle Active function turns Inactive here."""
        with self._lock:
            self._maybe_idle(name)
            return copy.copy(self._status.get((name, version), _active()))

    def view(self, config: FunctionConfig) -> FunctionConfig:
        """$LATEST as reads show it: the staged configuration while an update is in progress."""
        with self._lock:
            staged = self._staged.get(config.name)
        return staged[1] if staged is not None and staged[0] is config else config

    def check_update(self, name: str, arn: str) -> None:
        """AWS's ResourceConflictException while the function is Pending or updating."""
        with self._lock:
            self._maybe_idle(name)
            status = self._status.get((name, LATEST), _active())
        if status.state == "Pending":
            raise _state_conflict(status.state)
        if status.last_update == "InProgress":
            raise errors.ResourceConflictException(
                "The operation cannot be performed at this time. An update is in progress for "
                f"resource: {arn}"
            )

    def check_invoke(self, name: str, version: str = LATEST) -> None:
        """Raise what AWS answers an invoke of a function or version that cannot run now."""
        with self._lock:
            self._maybe_idle(name)
            status = self._status.get((name, version), _active())
            if status.state == "Inactive":  # the failed invoke starts the restore
                self._status[(name, version)] = Status(reason=RESTORING, reason_code="Restoring")
                self._schedule(name)
                raise errors.CodeArtifactUserPendingException(
                    "ERROR: Lambda is initializing your function. It will be ready to invoke shortly."
                )
        if status.state == "Pending":
            raise _state_conflict("Pending")
        if status.state == "Failed":
            raise _state_conflict("Failed")

    # -- the end of a transition -------------------------------------------------------------------
    def settle(self, name: str) -> None:
        """End the function's transition now, as waiting for it would (``aws lambda wait``)."""
        with self._lock:
            timer = self._timers.pop(name, None)
        if timer is not None:
            timer.cancel()
            self._finish(name)

    def settle_all(self) -> None:
        with self._lock:
            names = list(self._timers)
        for name in names:
            self.settle(name)

    def _schedule(self, name: str) -> None:
        old = self._timers.pop(name, None)
        if old is not None:
            old.cancel()
        if self.transition_s == 0:
            self._finish(name)
            return
        self._timers[name] = self._clock.call_later(self.transition_s, self._finish_timer, name)

    def _finish_timer(self, name: str) -> None:
        with self._lock:
            if self._timers.pop(name, None) is None:
                return  # settled or forgotten meanwhile
        self._finish(name)

    def _finish(self, name: str) -> None:
        with self._lock:
            staged = self._staged.pop(name, None)
            failure = None
            if staged is not None:
                live, new = staged
                try:
                    live.__dict__.update(copy.deepcopy(new.__dict__))
                    self._applied(name)
                except Exception as exc:  # the update fails; the previous configuration stays
                    import logging  # (loaded when needed: its import is a cost every fresh Lab would pay)

                    logging.getLogger("lambda_lab").exception("update of %s failed", name)
                    failure = f"The update could not be applied: {type(exc).__name__}: {exc}"
            for key, status in self._status.items():
                if key[0] != name:
                    continue
                if status.state == "Pending":
                    self._status[key] = _active()
                elif status.last_update == "InProgress":
                    status.last_update = "Failed" if failure else "Successful"
                    status.update_reason = failure
                    status.update_reason_code = "InternalError" if failure else None
            self._active_since[name] = self._clock.time()

    def _maybe_idle(self, name: str) -> None:
        """Active, quiet for ``idle_after_s`` on the Lab's clock: Inactive (call with the lock)."""
        status = self._status.get((name, LATEST))
        if status is None or status.state != "Active" or status.last_update == "InProgress":
            return
        since, now = self._active_since.get(name, 0.0), self._clock.time()
        if not since or now - since < self.idle_after_s:
            return  # the cheap test first: asking for the last invoke scans the records
        last = self._last_invoked(name) or 0.0
        if last > since:
            self._active_since[name] = since = last
        if now - since >= self.idle_after_s:
            for key, each in list(self._status.items()):
                if key[0] == name and each.state == "Active":
                    self._status[key] = Status("Inactive", IDLE, "Idle", "Successful")


def _state_conflict(state: str) -> errors.LambdaError:
    return errors.ResourceConflictException(
        "The operation cannot be performed at this time. The function is currently in the "
        f"following state: {state}"
    )
