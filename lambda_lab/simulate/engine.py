"""The simulation loop: arrivals in; admission, runs, completions, async retries, samples out.

Per arrival the work is a handful of attribute updates and at most one heap push (its
completion); throttled arrivals push nothing. Order at one instant: completions, then
async retries, then samples, then new arrivals (see ``core``).

The common case, a synchronous call of a function without provisioned concurrency, is
handled in line here (the fast path); everything else goes through the general path's
event handlers (``general_path``), which also keep the counts both share.
"""

from __future__ import annotations

import heapq
import itertools
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator

from lambda_lab.simulate.arrivals import Block
from lambda_lab.simulate.config import ASYNC, SYNC, Account
from lambda_lab.simulate.cost import billed_milliseconds_total
from lambda_lab.simulate.general_path import COMPLETE, SAMPLE, GeneralPath
from lambda_lab.simulate.model import (
    ACCOUNT_LIMIT_REASON,
    COLD,
    RESERVED_LIMIT_REASON,
    SCALING_RATE_REASON,
    WARM,
)
from lambda_lab.simulate.result import Result

ON_DEMAND_DONE = "on-demand done"  # a synchronous run of the engine's in-line path ended


def _cut(blocks: Iterable[Block], until: float) -> Iterator[Block]:
    """The blocks up to ``until`` (inclusive); the block that passes it is cut there."""
    for block in blocks:
        times = block[2]
        if times[-1] > until:
            kept = times[: bisect_right(times, until)]
            if kept:
                yield block[0], block[1], kept
            return
        yield block


class Simulation(GeneralPath):
    """One run over ``arrivals``: time-ordered blocks ``(function, invocation_type, times)``
    (see ``arrivals.blocks``)."""

    def __init__(
        self,
        account: Account,
        arrivals: Iterable[Block],
        *,
        sample_every_s: float = 1.0,
        until: float | None = None,
        keep_outcomes: bool = False,
        inline: bool = True,
    ) -> None:
        if not (
            isinstance(sample_every_s, (int, float))
            and math.isfinite(sample_every_s)
            and sample_every_s > 0
        ):
            raise ValueError(
                f"'sample_every_s' must be a number of seconds > 0 (got {sample_every_s!r})"
            )
        stream: Iterator[Block] = (block for block in arrivals if block[2])
        first = next(stream, None)
        start = 0.0 if first is None else float(first[2][0])
        if until is not None and until < start:
            raise ValueError(f"'until' ({until}) is before the first arrival (t={start})")
        super().__init__(account, start, float(sample_every_s), keep_outcomes)
        self.until = math.inf if until is None else float(until)
        self.inline = inline  # False: every admission through model.admit (tests compare)
        self._blocks = iter(()) if first is None else itertools.chain((first,), stream)
        self._arrivals_pending = first is not None
        # With one function and no outcomes kept, the in-line runs' ends need no more than
        # their times: they go on a heap of plain floats (``_ends``, half the cost of tuples)
        # and the environment returns to the idle list as "some environment" (its id is only
        # ever shown in outcomes). Ends at the same instant as a scheduled event come first, as
        # completions do (``core``'s order); among completions the order changes nothing.
        self._single = len(self._lanes) == 1 and not keep_outcomes
        self._inline_ends = 0  # how many were pushed there (for ``events_processed``)

    # -- running -----------------------------------------------------------------------------
    def run(self) -> Result:
        self._queue.schedule(self.start, SAMPLE, priority=2)  # the first sample, then one per step
        self._run_arrivals()
        self._arrivals_pending = False
        self._drain()
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
            events_processed=self._queue.processed + self._arrivals,
        )

    def _run_arrivals(self) -> None:
        """The hot loop: every arrival, with the scheduled events due before it.

        Scheduled events at an arrival's instant run first (``core``'s order). The common
        case, a synchronous call of a function without provisioned concurrency, is handled
        here in line: admission by the rules of ``model.admit`` and, when the run ends,
        release by those of ``model.release`` (tests/simulate run both paths over the same
        workloads and compare every count). Counters the rest of the engine reads live in
        locals here and are written back before anything else runs (``sync`` below).

        A synchronous arrival refused for concurrency (not for the scaling rate, which
        refills with time) means every later arrival of its block before the next scheduled
        event is refused too, as nothing can change in between: they are counted in one step.
        """
        queue, heap, pop, push = self._queue, self._queue.heap, heapq.heappop, heapq.heappush
        handlers, sequence, until = queue._handlers, queue.sequence, self.until
        model, expire = self._model, self._model.expire
        runs_ms, outcomes = self._latencies, self._outcomes
        ends, single = self._ends, self._single
        latencies = runs_ms.append  # a synchronous call's latency is its run, INIT included
        keep_alive_s, pool = model.keep_alive_s, model.unreserved_pool
        # Locals mirrored from self and the model: written back by ``self._sync_counters``.
        # The arrivals counted so far are always ``first + index``.
        first, latest, peak = self._arrivals, self._last_activity, self._peak
        running, unreserved = model.in_flight, model.unreserved_in_flight
        for name, kind, times in _cut(self._blocks, until):
            lane = self._lane(name, times[0])
            if times[0] < latest:
                raise ValueError(
                    f"arrivals went back in time: {name} at t={times[0]!r} comes after "
                    f"t={latest!r}; they must be sorted by time"
                )
            state, stats = lane.state, lane.stats
            duration, init, timeout_ms = lane.duration, lane.init, lane.timeout_ms
            reserved, pooled, idle = state.reserved, state.pooled, state.idle
            fast = self.inline and kind == SYNC and not state.provisioned
            # This block's in-line runs are the latencies from ``billed_from`` on: they are
            # counted and billed in one step before anything else runs, and at the block's end.
            billed_from = len(runs_ms)
            # Arrivals refused for concurrency in line, counted the same way.
            limit_reason = ACCOUNT_LIMIT_REASON if reserved is None else RESERVED_LIMIT_REASON
            limited = 0
            lane_peak = stats.peak_concurrency
            count, index = len(times), 0
            while index < count:
                when = times[index]
                while True:
                    if ends and ends[0] <= when and (not heap or ends[0] <= heap[0][0]):
                        # The only function's run ended: model.release, in line.
                        due = pop(ends)
                        state.in_flight -= 1
                        running -= 1
                        unreserved -= pooled
                        idle.append((due, 0))
                        continue
                    if not heap or heap[0][0] > when:
                        break
                    entry = pop(heap)
                    if entry[3] is ON_DEMAND_DONE:  # model.release of a reusable environment
                        done = entry[4]
                        done.in_flight -= 1
                        running -= 1
                        unreserved -= done.pooled
                        done.idle.append(entry)  # (idle since, ..., env id), as release appends
                        continue  # (``latest``: the next arrival is later still)
                    queue.now = entry[0]
                    self._sync_counters(first + index, latest, peak, running, unreserved)
                    if fast and len(runs_ms) > billed_from:
                        stats.invocations += len(runs_ms) - billed_from
                        self._inline_ends += len(runs_ms) - billed_from
                        stats.billed_ms += billed_milliseconds_total(runs_ms, billed_from)
                    stats.throttles[limit_reason] += limited
                    stats.sync_throttles += limited
                    limited = 0
                    stats.peak_concurrency = lane_peak
                    handlers[entry[3]](entry[0], entry[4])
                    billed_from = len(runs_ms)
                    latest, peak = self._last_activity, self._peak
                    running, unreserved = model.in_flight, model.unreserved_in_flight
                    lane_peak = stats.peak_concurrency
                if fast:  # model.admit, in line, for a function without provisioned concurrency
                    if (unreserved >= pool) if reserved is None else (state.in_flight >= reserved):
                        # Refused for concurrency: so is every arrival of this block until the
                        # next scheduled event changes something (usually the next is not).
                        stop, horizon = index + 1, heap[0][0] if heap else math.inf
                        if ends and ends[0] < horizon:
                            horizon = ends[0]
                        if stop < count and times[stop] < horizon:
                            stop = bisect_left(times, horizon, stop)
                        limited += stop - index
                        if outcomes is not None:
                            self._refused(first + index, times[index:stop], name, limit_reason)
                        index = stop
                        continue
                    if idle and when - idle[0][0] >= keep_alive_s:  # admission.still_warm
                        expire(state, when)
                    if idle:
                        how, env, init_ms = WARM, idle.pop()[-1], 0.0
                    elif state.scaling.take(when):
                        how, env = COLD, state.next_env
                        state.next_env += 1
                        state.environments += 1
                        state.environments_started += 1
                        stats.cold_starts += 1
                        init_ms = init()
                    else:  # no token: the next arrival may find one, so one at a time
                        stats.throttles[SCALING_RATE_REASON] += 1
                        stats.sync_throttles += 1
                        if outcomes is not None:
                            self._refused(first + index, [when], name, SCALING_RATE_REASON)
                        index += 1
                        continue
                    state.in_flight += 1
                    running += 1
                    unreserved += pooled
                    run_ms = duration()
                    timed_out = run_ms > timeout_ms
                    if timed_out:  # the environment is discarded: the general path ends it
                        run_ms = timeout_ms
                        total_ms = init_ms + run_ms
                        stats.timeouts += 1
                        self._inline_ends -= 1  # its end is the general path's
                        push(heap, (when + total_ms / 1000.0, 0, next(sequence), COMPLETE,
                                    (lane, how, env, True, None)))  # fmt: skip
                    else:
                        total_ms = init_ms + run_ms
                        if single:
                            push(ends, when + total_ms / 1000.0)
                        else:
                            push(heap, (when + total_ms / 1000.0, 0, next(sequence),
                                        ON_DEMAND_DONE, state, env))  # fmt: skip
                    if state.in_flight > lane_peak:
                        lane_peak = state.in_flight
                    if running > peak:
                        peak = running
                    latencies(total_ms)
                    if outcomes is not None:
                        outcomes.append(
                            self._sync_outcome(
                                first + index, when, lane, how, env, init_ms, run_ms, timed_out
                            )
                        )
                    index += 1
                    continue
                # The general path: model.admit for sync calls, the async queue's rules.
                self._sync_counters(first + index, latest, peak, running, unreserved)
                queue.now = when
                if kind == ASYNC:
                    self._async_arrival(when, lane)
                    reason = None
                else:
                    reason = self._sync_arrival(when, lane)
                latest, peak = self._last_activity, self._peak
                running, unreserved = model.in_flight, model.unreserved_in_flight
                lane_peak = stats.peak_concurrency
                if reason is None:
                    index += 1
                    continue
                stop = index + 1  # refused: for concurrency, as above, until the next event
                if reason != SCALING_RATE_REASON:
                    horizon = heap[0][0] if heap else math.inf
                    if ends and ends[0] < horizon:
                        horizon = ends[0]
                    if stop < count and times[stop] < horizon:
                        stop = bisect_left(times, horizon, stop)
                stats.throttles[reason] += stop - index
                stats.sync_throttles += stop - index
                if outcomes is not None:
                    self._refused(first + index, times[index:stop], name, reason)
                index = stop
            if index and times[index - 1] > latest:  # (arrivals do not keep it current)
                latest = times[index - 1]
            if fast and len(runs_ms) > billed_from:
                stats.invocations += len(runs_ms) - billed_from
                self._inline_ends += len(runs_ms) - billed_from
                stats.billed_ms += billed_milliseconds_total(runs_ms, billed_from)
            stats.throttles[limit_reason] += limited
            stats.sync_throttles += limited
            stats.peak_concurrency = lane_peak
            first += index
        self._sync_counters(first, latest, peak, running, unreserved)

    def _drain(self) -> None:
        """After the last arrival: what is scheduled, up to ``until``."""
        queue, heap, until, ends = self._queue, self._queue.heap, self.until, self._ends
        while True:
            if ends and ends[0] <= until and (not heap or ends[0] <= heap[0][0]):
                due = heapq.heappop(ends)
                only = next(iter(self._lanes.values())).state
                only.in_flight -= 1
                self._model.in_flight -= 1
                self._model.unreserved_in_flight -= only.pooled
                only.idle.append((due, 0))
                self._last_activity = due
                continue
            if not heap or heap[0][0] > until:
                break
            entry = heapq.heappop(heap)
            if entry[3] is ON_DEMAND_DONE:  # as in _run_arrivals
                done = entry[4]
                done.in_flight -= 1
                self._model.in_flight -= 1
                self._model.unreserved_in_flight -= done.pooled
                done.idle.append(entry)
                self._last_activity = entry[0]
            else:
                queue.now = entry[0]
                queue._handlers[entry[3]](entry[0], entry[4])
        # every entry pushed and popped; the in-line ends on the float heap count too
        queue.processed += next(queue.sequence) - len(heap)
        if self._single:
            queue.processed += self._inline_ends - len(ends)

    def _sync_counters(
        self, arrived: int, latest: float, peak: int, running: int, unreserved: int
    ) -> None:
        """Write the hot loop's local counters back where the rest of the engine reads them."""
        self._arrivals, self._last_activity, self._peak = arrived, latest, peak
        self._model.in_flight, self._model.unreserved_in_flight = running, unreserved
