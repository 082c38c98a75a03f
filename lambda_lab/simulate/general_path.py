"""The simulation's general path: every event by Lambda's rules, and the counts it keeps.

Whatever the engine's in-line fast path does not handle itself comes here (see ``engine``):
a synchronous call admitted through ``model.admit``; an asynchronous event's attempts (a
throttled attempt goes back to the queue and is retried after 1 s, 2 s, 4 s ... up to 5
minutes; a run that times out, the model's only function error, is retried after 1 and then
2 minutes, up to the function's ``maximum_retry_attempts``; an event older than
``maximum_event_age_s`` is dropped; with reserved concurrency 0 an event is dropped at once,
without retries); a run's completion; a sample of the timeline. Here too live the counts,
latencies and outcomes both paths keep, and their state at one instant.
"""

from __future__ import annotations

from array import array
from typing import Any

from lambda_lab import errors, limits
from lambda_lab.simulate.config import ASYNC, SYNC, Account, FunctionConfig
from lambda_lab.simulate.core import EventQueue
from lambda_lab.simulate.cost import billed_milliseconds
from lambda_lab.simulate.model import COLD, PROVISIONED, ConcurrencyModel, FunctionState
from lambda_lab.simulate.result import (
    EVENT_AGE_EXCEEDED,
    RETRIES_EXHAUSTED,
    FunctionStats,
    InvocationOutcome,
    Sample,
)

COMPLETE, RETRY, SAMPLE = "complete", "retry", "sample"

# Waits before retrying a throttled async event: 1 s, doubling, capped at 5 minutes (twelve
# doublings pass the cap, so the last entry is the cap itself).
_BACKOFF_S = tuple(
    min(limits.ASYNC_THROTTLE_BACKOFF_MIN_S * 2**step, limits.ASYNC_THROTTLE_BACKOFF_MAX_S)
    for step in range(12)
)


class Lane:
    """One function's moving parts during a run."""

    __slots__ = ("config", "state", "stats", "duration", "init", "timeout_ms")

    def __init__(self, config: FunctionConfig, state: FunctionState) -> None:
        self.config = config
        self.state = state
        self.stats = FunctionStats(config.name)
        self.duration = config.duration.sampler()  # type: ignore[union-attr]
        self.init = config.cold_start.sampler()  # type: ignore[union-attr]
        self.timeout_ms = config.timeout_s * 1000.0


class AsyncEvent:
    """An event on the function's internal queue, across its attempts."""

    __slots__ = ("index", "arrived", "attempts", "throttles", "errors", "last")

    def __init__(self, index: int, arrived: float) -> None:
        self.index = index
        self.arrived = arrived
        self.attempts = 0
        self.throttles = 0
        self.errors = 0
        self.last: tuple[int, int, float, float, float] | None = None  # how, env, init, run, start


class GeneralPath:
    """The event handlers and the bookkeeping of one simulation run (``engine.Simulation``
    adds the loop over arrivals and its in-line fast path)."""

    def __init__(
        self, account: Account, start: float, sample_every_s: float, keep_outcomes: bool
    ) -> None:
        self.account = account
        self.start = start
        self.sample_every_s = sample_every_s
        self._model = ConcurrencyModel(account, start=start)
        self._lanes = {
            name: Lane(account.function(name), state)
            for name, state in self._model.functions.items()
        }
        self._queue = EventQueue(start=start)
        self._queue.on(COMPLETE, self._on_complete)
        self._queue.on(RETRY, self._on_retry)
        self._queue.on(SAMPLE, self._on_sample)
        self._schedule = self._queue.schedule
        self._admit = self._model.admit
        self._arrivals_pending = False  # the engine's arrivals are not all read yet
        self._arrivals = 0
        self._last_activity = start
        self._peak = 0
        self._latencies = array("d")
        self._outcomes: list[InvocationOutcome | None] | None = [] if keep_outcomes else None
        self._unsettled: dict[int, tuple[Lane, AsyncEvent]] = {}  # kept with the outcomes
        self._timeline: list[Sample] = []
        self._ends: list[float] = []  # the fast path's run ends, as plain floats (see engine)

    # -- arrivals and attempts -----------------------------------------------------------------
    def _refused(self, first: int, times: list[float], name: str, reason: str) -> None:
        """The outcomes of synchronous arrivals ``first``, ``first + 1`` ... refused with
        ``reason`` (kept only with ``keep_outcomes``)."""
        assert self._outcomes is not None
        self._outcomes.extend(
            InvocationOutcome(first + offset, when, name, SYNC, "throttled", reason)
            for offset, when in enumerate(times)
        )

    def _lane(self, name: str, when: float) -> Lane:
        try:
            return self._lanes[name]
        except KeyError:
            raise errors.ResourceNotFoundException(
                f"Function not found: {name!r} (arrival at t={when}; configured: "
                f"{', '.join(self._lanes)})"
            ) from None

    def _sync_arrival(self, when: float, lane: Lane) -> str | None:
        """A synchronous call through ``model.admit``: started, or its throttle Reason
        (counted by the caller)."""
        reason, how, env = self._admit(lane.state, when)
        if reason is not None:
            return reason
        init_ms, run_ms, timed_out = self._begin_run(when, lane, how, env, None)
        self._latencies.append(init_ms + run_ms)
        if self._outcomes is not None:
            self._outcomes.append(
                self._sync_outcome(self._arrivals, when, lane, how, env, init_ms, run_ms, timed_out)
            )
        self._arrivals += 1
        return None

    def _async_arrival(self, when: float, lane: Lane) -> None:
        index = self._arrivals
        self._arrivals = index + 1
        lane.stats.async_events += 1
        event = AsyncEvent(index, when)
        if self._outcomes is not None:
            self._outcomes.append(None)  # filled in when the event's fate is known
            self._unsettled[index] = (lane, event)
        self._attempt(when, lane, event)

    def _attempt(self, when: float, lane: Lane, event: AsyncEvent) -> None:
        event.attempts += 1
        if event.attempts > 1:
            lane.stats.async_retries += 1
        reason, how, env = self._admit(lane.state, when)
        if reason is None:
            self._start(when, lane, how, env, event)
            return
        lane.stats.throttles[reason] += 1
        event.throttles += 1
        if lane.state.reserved == 0:  # nothing could ever run it: straight to the DLQ
            self._drop(lane, event, reason)
            return
        step = event.throttles - 1
        backoff = _BACKOFF_S[min(step, len(_BACKOFF_S) - 1)]
        self._retry_later(when + backoff, lane, event)

    def _start(self, when: float, lane: Lane, how: int, env: int, event: AsyncEvent) -> None:
        """An async attempt was admitted: its run is scheduled and counted."""
        init_ms, run_ms, _ = self._begin_run(when, lane, how, env, event)
        event.last = (how, env, init_ms, run_ms, when)

    def _begin_run(
        self, when: float, lane: Lane, how: int, env: int, event: AsyncEvent | None
    ) -> tuple[float, float, bool]:
        """An admitted run: its INIT and duration drawn (a run past the timeout is cut there),
        its completion scheduled and its counts kept; ``(init_ms, run_ms, timed_out)``."""
        init_ms = lane.init() if how == COLD else 0.0
        run_ms = lane.duration()
        timed_out = run_ms > lane.timeout_ms
        if timed_out:
            run_ms = lane.timeout_ms
            lane.stats.timeouts += 1
        total_ms = init_ms + run_ms
        self._schedule(when + total_ms / 1000.0, COMPLETE, (lane, how, env, timed_out, event))
        self._count_run(lane, how, total_ms)
        return init_ms, run_ms, timed_out

    def _count_run(self, lane: Lane, how: int, total_ms: float) -> None:
        stats = lane.stats
        stats.invocations += 1
        if how == PROVISIONED:
            stats.provisioned_invocations += 1
            stats.provisioned_billed_ms += billed_milliseconds(total_ms)
        else:
            stats.billed_ms += billed_milliseconds(total_ms)
            if how == COLD:
                stats.cold_starts += 1
            if lane.state.provisioned:
                stats.spillover_invocations += 1
        in_flight = lane.state.in_flight
        if in_flight > stats.peak_concurrency:
            stats.peak_concurrency = in_flight
        in_flight = self._model.in_flight
        if in_flight > self._peak:
            self._peak = in_flight

    def _sync_outcome(
        self,
        index: int,
        when: float,
        lane: Lane,
        how: int,
        env: int,
        init_ms: float,
        run_ms: float,
        timed_out: bool,
    ) -> InvocationOutcome:
        return InvocationOutcome(
            index,
            when,
            lane.config.name,
            "RequestResponse",
            "timeout" if timed_out else "ok",
            None,
            cold=how == COLD,
            provisioned=how == PROVISIONED,
            spillover=how != PROVISIONED and lane.state.provisioned > 0,
            env_id=env,
            init_ms=init_ms,
            duration_ms=run_ms,
            started=when,
            latency_ms=init_ms + run_ms,
        )

    # -- completions and retries ----------------------------------------------------------------
    def _on_complete(self, when: float, payload: tuple[Any, ...]) -> None:
        lane, how, env, timed_out, event = payload
        self._last_activity = when
        self._model.release(lane.state, how, env, when, not timed_out)
        if event is None:
            return
        if not timed_out:
            latency_ms = (when - event.arrived) * 1000.0
            self._latencies.append(latency_ms)
            self._settle(lane, event, "ok", None, latency_ms)
        elif event.errors < lane.config.maximum_retry_attempts:
            delay = limits.ASYNC_RETRY_DELAYS_S[event.errors]
            event.errors += 1
            self._retry_later(when + delay, lane, event)
        else:
            self._drop(lane, event, RETRIES_EXHAUSTED)

    def _on_retry(self, when: float, payload: tuple[Lane, AsyncEvent]) -> None:
        self._last_activity = when
        self._attempt(when, *payload)

    def _retry_later(self, when: float, lane: Lane, event: AsyncEvent) -> None:
        if when - event.arrived > lane.config.maximum_event_age_s:
            self._drop(lane, event, EVENT_AGE_EXCEEDED)
        else:
            self._queue.schedule(when, RETRY, (lane, event), priority=1)

    def _drop(self, lane: Lane, event: AsyncEvent, why: str) -> None:
        dropped = lane.stats.dropped
        dropped[why] = dropped.get(why, 0) + 1
        self._settle(lane, event, "dropped", why, None)

    def _settle(
        self,
        lane: Lane,
        event: AsyncEvent,
        status: str,
        reason: str | None,
        latency_ms: float | None,
    ) -> None:
        if self._outcomes is None:
            return
        del self._unsettled[event.index]
        how, env, init_ms, run_ms, started = event.last or (COLD, None, 0.0, 0.0, None)
        ran = event.last is not None
        self._outcomes[event.index] = InvocationOutcome(
            event.index,
            event.arrived,
            lane.config.name,
            ASYNC,
            status,
            reason,
            cold=ran and how == COLD,
            provisioned=ran and how == PROVISIONED,
            spillover=ran and how != PROVISIONED and lane.state.provisioned > 0,
            env_id=env,
            init_ms=init_ms,
            duration_ms=run_ms,
            started=started,
            latency_ms=latency_ms,
            attempts=event.attempts,
        )

    # -- sampling ------------------------------------------------------------------------------
    def _on_sample(self, when: float, _payload: None) -> None:
        self._model.reap(when)
        self._record_sample(when)
        if self._arrivals_pending or self._ends or self._queue.has_pending():
            # Counted from the start, not added up, so that 0.1 s samples do not drift.
            upcoming = self.start + len(self._timeline) * self.sample_every_s
            self._queue.schedule(upcoming, SAMPLE, priority=2)

    def _record_sample(self, when: float) -> None:
        totals = [lane.stats for lane in self._lanes.values()]
        self._timeline.append(
            Sample(
                time=when,
                concurrency=self._model.in_flight,
                unreserved_concurrency=self._model.unreserved_in_flight,
                provisioned_concurrency=sum(
                    lane.state.provisioned_in_flight for lane in self._lanes.values()
                ),
                peak_concurrency=max(self._peak, self._model.in_flight),
                environments=self._model.environments_alive(),
                invocations=sum(s.invocations for s in totals),
                throttles=sum(s.throttle_count for s in totals),
                cold_starts=sum(s.cold_starts for s in totals),
                usage=tuple(
                    (
                        s.invocations - s.provisioned_invocations,
                        s.billed_ms,
                        s.provisioned_invocations,
                        s.provisioned_billed_ms,
                    )
                    for s in totals
                ),
            )
        )
        self._peak = self._model.in_flight
