"""The simulation loop: arrivals in; admission, runs, completions, async retries, samples out.

Per arrival the work is a handful of attribute updates and at most one heap push (its
completion); throttled arrivals push nothing. Order at one instant: completions, then
async retries, then samples, then new arrivals (see ``core``).

Async events follow Lambda's rules: a throttled attempt goes back to the queue and is
retried after 1 s, 2 s, 4 s ... up to 5 minutes; a run that times out (the model's only
function error) is retried after 1 and then 2 minutes, up to the function's
``maximum_retry_attempts``; an event older than ``maximum_event_age_s`` is dropped; with
reserved concurrency 0 an event is dropped at once, without retries.
"""

from __future__ import annotations

import itertools
import math
from array import array
from collections.abc import Iterable, Iterator
from typing import Any

from lambda_lab import errors, limits
from lambda_lab.simulate.arrivals import Arrival
from lambda_lab.simulate.config import ASYNC, Account, FunctionConfig
from lambda_lab.simulate.core import EventQueue
from lambda_lab.simulate.cost import billed_milliseconds
from lambda_lab.simulate.model import COLD, PROVISIONED, ConcurrencyModel, FunctionState
from lambda_lab.simulate.result import (
    EVENT_AGE_EXCEEDED,
    RETRIES_EXHAUSTED,
    FunctionStats,
    InvocationOutcome,
    Result,
    Sample,
)

COMPLETE, RETRY, SAMPLE = "complete", "retry", "sample"

# Waits before retrying a throttled async event: 1 s, doubling, capped at 5 minutes (twelve
# doublings pass the cap, so the last entry is the cap itself).
_BACKOFF_S = tuple(
    min(limits.ASYNC_THROTTLE_BACKOFF_MIN_S * 2**step, limits.ASYNC_THROTTLE_BACKOFF_MAX_S)
    for step in range(12)
)


class _Lane:
    """One function's moving parts during a run."""

    __slots__ = ("config", "state", "stats", "duration", "init", "timeout_ms")

    def __init__(self, config: FunctionConfig, state: FunctionState) -> None:
        self.config = config
        self.state = state
        self.stats = FunctionStats(config.name)
        self.duration = config.duration.sampler()  # type: ignore[union-attr]
        self.init = config.cold_start.sampler()  # type: ignore[union-attr]
        self.timeout_ms = config.timeout_s * 1000.0


class _AsyncEvent:
    """An event on the function's internal queue, across its attempts."""

    __slots__ = ("index", "arrived", "attempts", "throttles", "errors", "last")

    def __init__(self, index: int, arrived: float) -> None:
        self.index = index
        self.arrived = arrived
        self.attempts = 0
        self.throttles = 0
        self.errors = 0
        self.last: tuple[int, int, float, float, float] | None = None  # how, env, init, run, start


class Simulation:
    """One run over ``arrivals`` (time-sorted ``(time, function, invocation_type)`` tuples)."""

    def __init__(
        self,
        account: Account,
        arrivals: Iterable[Arrival],
        *,
        sample_every_s: float = 1.0,
        until: float | None = None,
        keep_outcomes: bool = False,
    ) -> None:
        if not (
            isinstance(sample_every_s, (int, float))
            and math.isfinite(sample_every_s)
            and sample_every_s > 0
        ):
            raise ValueError(
                f"'sample_every_s' must be a number of seconds > 0 (got {sample_every_s!r})"
            )
        stream: Iterator[Arrival] = iter(arrivals)
        first = next(stream, None)
        self.start = 0.0 if first is None else float(first[0])
        if until is not None and until < self.start:
            raise ValueError(f"'until' ({until}) is before the first arrival (t={self.start})")
        self.account = account
        self.until = math.inf if until is None else float(until)
        self.sample_every_s = float(sample_every_s)
        self._model = ConcurrencyModel(account, start=self.start)
        self._lanes = {
            name: _Lane(account.function(name), state)
            for name, state in self._model.functions.items()
        }
        self._queue = EventQueue(start=self.start)
        self._queue.on(COMPLETE, self._on_complete)
        self._queue.on(RETRY, self._on_retry)
        self._queue.on(SAMPLE, self._on_sample)
        self._schedule = self._queue.schedule
        self._admit = self._model.admit
        if first is not None:
            self._queue.feed(itertools.chain((first,), stream), self._on_arrival)
        self._arrivals = 0
        self._last_activity = self.start
        self._peak = 0
        self._latencies = array("d")
        self._outcomes: list[InvocationOutcome | None] | None = [] if keep_outcomes else None
        self._unsettled: dict[int, tuple[_Lane, _AsyncEvent]] = {}  # kept with the outcomes
        self._timeline: list[Sample] = []

    # -- running -----------------------------------------------------------------------------
    def run(self) -> Result:
        self._queue.schedule(self.start, SAMPLE, priority=2)  # the first sample, then one per step
        self._queue.run(self.until)
        # The run ends with its last arrival, completion or retry (or at ``until``); the
        # timeline's last sample is taken exactly then.
        end = self.until if self.until != math.inf else self._last_activity
        while self._timeline and self._timeline[-1].time > end:
            # Nothing ran after ``end``: the peak these samples saw belongs to the last one.
            self._peak = max(self._peak, self._timeline.pop().peak_concurrency)
        if not self._timeline or self._timeline[-1].time < end:
            self._model.reap(end)
            self._record_sample(end)
        for lane in self._lanes.values():
            lane.stats.environments_started = lane.state.environments_started
        # Async events still queued or running when ``until`` stopped the run stay "pending".
        for lane, event in list(self._unsettled.values()):
            self._settle(lane, event, "pending", None, None)
        # every placeholder is filled in by now: each event's fate is known at the end
        outcomes = (
            None if self._outcomes is None else tuple(o for o in self._outcomes if o is not None)
        )
        return Result(
            account=self.account,
            start=self.start,
            end=end,
            functions={name: lane.stats for name, lane in self._lanes.items()},
            timeline=tuple(self._timeline),
            latencies_ms=self._latencies,
            outcomes=outcomes,
            arrivals=self._arrivals,
            events_processed=self._queue.processed,
        )

    # -- arrivals and attempts -----------------------------------------------------------------
    def _on_arrival(self, item: Arrival) -> None:
        when, name, kind = item
        try:
            lane = self._lanes[name]
        except KeyError:
            raise errors.ResourceNotFoundException(
                f"Function not found: {name!r} (arrival at t={when}; configured: "
                f"{', '.join(self._lanes)})"
            ) from None
        index = self._arrivals
        self._arrivals = index + 1
        self._last_activity = when
        if kind == ASYNC:
            lane.stats.async_events += 1
            event = _AsyncEvent(index, when)
            if self._outcomes is not None:
                self._outcomes.append(None)  # filled in when the event's fate is known
                self._unsettled[index] = (lane, event)
            self._attempt(when, lane, event)
            return
        reason, how, env = self._admit(lane.state, when)
        if reason is None:
            self._start(when, lane, how, env, index, None)
            return
        stats = lane.stats
        stats.throttles[reason] += 1
        stats.sync_throttles += 1
        if self._outcomes is not None:
            self._outcomes.append(InvocationOutcome(index, when, name, kind, "throttled", reason))

    def _attempt(self, when: float, lane: _Lane, event: _AsyncEvent) -> None:
        event.attempts += 1
        if event.attempts > 1:
            lane.stats.async_retries += 1
        reason, how, env = self._admit(lane.state, when)
        if reason is None:
            self._start(when, lane, how, env, event.index, event)
            return
        lane.stats.throttles[reason] += 1
        event.throttles += 1
        if lane.state.reserved == 0:  # nothing could ever run it: straight to the DLQ
            self._drop(lane, event, reason)
            return
        step = event.throttles - 1
        backoff = _BACKOFF_S[min(step, len(_BACKOFF_S) - 1)]
        self._retry_later(when + backoff, lane, event)

    def _start(
        self, when: float, lane: _Lane, how: int, env: int, index: int, event: _AsyncEvent | None
    ) -> None:
        stats = lane.stats
        init_ms = lane.init() if how == COLD else 0.0
        run_ms = lane.duration()
        timed_out = run_ms > lane.timeout_ms
        if timed_out:
            run_ms = lane.timeout_ms
            stats.timeouts += 1
        total_ms = init_ms + run_ms
        self._schedule(when + total_ms / 1000.0, COMPLETE, (lane, how, env, timed_out, event))
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
        if event is not None:
            event.last = (how, env, init_ms, run_ms, when)
            return
        self._latencies.append(total_ms)
        if self._outcomes is not None:
            self._outcomes.append(
                InvocationOutcome(
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
                    latency_ms=total_ms,
                )
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

    def _on_retry(self, when: float, payload: tuple[_Lane, _AsyncEvent]) -> None:
        self._last_activity = when
        self._attempt(when, *payload)

    def _retry_later(self, when: float, lane: _Lane, event: _AsyncEvent) -> None:
        if when - event.arrived > lane.config.maximum_event_age_s:
            self._drop(lane, event, EVENT_AGE_EXCEEDED)
        else:
            self._queue.schedule(when, RETRY, (lane, event), priority=1)

    def _drop(self, lane: _Lane, event: _AsyncEvent, why: str) -> None:
        dropped = lane.stats.dropped
        dropped[why] = dropped.get(why, 0) + 1
        self._settle(lane, event, "dropped", why, None)

    def _settle(
        self,
        lane: _Lane,
        event: _AsyncEvent,
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
        if self._queue.has_pending():
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
