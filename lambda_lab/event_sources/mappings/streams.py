"""The Kinesis and DynamoDB stream poller: in order per shard, retries, bisect, on-failure.

As Lambda does (facts section 7): records of a shard are handed over in order, in batches
of up to BatchSize. A failing batch is retried, blocking its shard, until it succeeds, its
records expire, MaximumRecordAgeInSeconds is passed or MaximumRetryAttempts is used up; then
the batch is skipped and described to the OnFailure destination. BisectBatchOnFunctionError
splits a failing batch in two (splits do not count as retries). With ReportBatchItemFailures
the poller checkpoints just before the first reported record and retries from it.
ParallelizationFactor N runs N lanes per shard, each in order for its partition keys.
With TumblingWindowInSeconds each lane also carries a window's state between invocations
(:mod:`.windows`): batches keep to one window, and a final invocation closes each window.

After every batch the IteratorAge metric records how old the batch's last record was.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from typing import Any

from lambda_lab import limits
from lambda_lab.aws.delivery import DeliveryError
from lambda_lab.event_sources.mappings.batch_results import (
    BatchRun,
    read_result,
    whole_batch_failed,
)
from lambda_lab.event_sources.mappings.config import MappingConfig
from lambda_lab.event_sources.mappings.filters import esm_filter_matches
from lambda_lab.event_sources.mappings.poller import Poller, PollerTools
from lambda_lab.event_sources.mappings.stream_readers import ShardReader, StreamRecord, describe
from lambda_lab.event_sources.mappings.windows import Tumbling
from lambda_lab.event_sources.shapes.delivery import stream_failure_record
from lambda_lab.monitoring import metrics


@dataclass
class Lane:
    shard_id: str
    index: int
    records: collections.deque[StreamRecord] = field(default_factory=collections.deque)
    limit: int = 0  # batch size now: BatchSize, or less while a bisected batch is worked through
    split_left: int = 0  # records of a bisected batch not yet settled
    retries: int = 0
    attempts: int = 0
    ready_at: float = 0.0
    busy: bool = False
    tumbling: Tumbling | None = None  # with TumblingWindowInSeconds: the open window and its state

    @property
    def name(self) -> str:
        return self.shard_id if self.index == 0 else f"{self.shard_id}#{self.index}"

    def final_due(self, now: float) -> bool:
        """Does the lane owe its open window a final invocation now?"""
        return self.tumbling is not None and self.tumbling.final_due(self.records, now)


class StreamPoller(Poller):
    def __init__(self, tools: PollerTools, config: MappingConfig) -> None:
        super().__init__(tools, config)
        self._metrics = tools.metrics
        self._deliverer = tools.deliverer
        shards, self.retention_s = describe(tools.clients, config)
        role = tools.functions.get(config.function_name).role
        self._readers = [
            ShardReader(tools.clients, tools.clock, config, shard, role) for shard in shards
        ]
        self._lanes: dict[tuple[str, int], Lane] = {}

    def lanes(self) -> list[Lane]:
        return list(self._lanes.values())

    def poll(self) -> None:
        config = self.config
        for reader in self._readers:
            for record in reader.read():
                if config.filters and not esm_filter_matches(
                    config.kind, record.event, config.filters
                ):
                    continue  # AWS moves the iterator past records that match no filter
                index = record.lane(config.parallelization)
                key = (reader.shard_id, index)
                lane = self._lanes.setdefault(
                    key, Lane(reader.shard_id, index, limit=config.batch_size)
                )
                lane.records.append(record)
        now = self._clock.time()
        for lane in list(self._lanes.values()):
            with self._lock:
                if lane.busy or lane.ready_at > now or not (lane.records or lane.final_due(now)):
                    continue
                lane.busy = True
            self._dispatcher.submit(self._work, lane)  # lanes of a shard run side by side

    # -- one lane -------------------------------------------------------------------------------
    def _work(self, lane: Lane) -> None:
        try:
            while self._next_batch(lane):
                pass
        finally:
            now = self._clock.time()
            with self._lock:
                lane.busy = False
                # work that fell due while the lane was busy (a window's end): poll again for it
                again = lane.ready_at <= now and lane.final_due(now)
            if again:
                self.wake()

    def _next_batch(self, lane: Lane) -> bool:
        """Run one batch of ``lane``; True if the lane can go on at once."""
        config = self.config
        self._drop_old(lane)
        if self._stopped or not config.enabled:
            return False
        tumbling = self._tumbling(lane)
        if tumbling is not None and tumbling.final_due(lane.records, self._clock.time()):
            return self._final_invoke(lane, tumbling)
        if not lane.records:
            return False
        size = min(lane.limit or config.batch_size, config.batch_size, len(lane.records))
        if tumbling is not None:
            if tumbling.open_for(lane.records[0], config.tumbling_window_s) and tumbling.window:
                self.wake_at(tumbling.window.end)  # when the window's final invocation is due
            size = tumbling.take(lane.records, size)  # a batch keeps to one window
        batch = [lane.records[i] for i in range(size)]
        ids = [r.sequence_number for r in batch]
        started = self._clock.time()
        records = [r.event for r in batch]
        result, outcome = self.invoke(
            tumbling.event(records, final=False) if tumbling else {"Records": records}
        )
        lane.attempts += 1
        finished = self._clock.time()
        age_ms = (finished - batch[-1].arrival) * 1000  # how far behind the stream this batch was
        self._metrics.put(metrics.ITERATOR_AGE, self._function_name(), age_ms, at=finished)
        request_id = result.record.request_id if result and result.record else None
        verdict = (
            read_result(result.payload, result.function_error, ids, config.report_item_failures)
            if result
            else (whole_batch_failed(outcome))
        )
        if tumbling is not None and result is not None and not verdict.everything:
            verdict, early = tumbling.accept(result.payload, verdict)
            if early and tumbling.window:
                self.remember(BatchRun(started, len(batch), "error", len(batch), request_id, lane.name,
                                       f"the state grew over 1 MB: the {tumbling.window.label} ends early "
                                       "and this batch comes again with a fresh state", tuple(ids)))  # fmt: skip
                return True
        if verdict.ok:
            self._settle(lane, len(batch))
            self.remember(
                BatchRun(started, len(batch), "success", 0, request_id, lane.name, ids=tuple(ids))
            )
            return True
        if not verdict.everything:  # checkpoint before the first reported record, retry from it
            first = next(i for i, r in enumerate(batch) if r.sequence_number in verdict.failed)
            self._settle(lane, first)
            self.remember(BatchRun(started, len(batch), "partial", len(batch) - first, request_id, lane.name,
                                   f"retrying from {batch[first].sequence_number}", tuple(ids)))  # fmt: skip
            batch = batch[first:]
        elif config.bisect and len(batch) > 1 and outcome != "throttled":
            lane.split_left = lane.split_left or len(batch)
            lane.limit = len(batch) // 2
            self.remember(BatchRun(started, len(batch), outcome, len(batch), request_id, lane.name,
                                   f"bisected into {lane.limit} + {len(batch) - lane.limit}", tuple(ids)))  # fmt: skip
            return True  # a split is not a retry
        else:
            self.remember(BatchRun(started, len(batch), _failed(outcome), len(batch), request_id, lane.name,
                                   verdict.reason, tuple(ids)))  # fmt: skip
        if outcome != "throttled":
            lane.retries += 1  # throttles retry until the records expire, without counting
        if config.max_retries != -1 and lane.retries > config.max_retries:
            self._give_up(lane, batch, "RetryAttemptsExhausted", request_id)
            return True
        return self._retry_later(lane, finished)

    def _retry_later(self, lane: Lane, finished: float) -> bool:
        """Back off before the lane's next attempt; the shard waits (returns False)."""
        delay = min(
            limits.STREAM_RETRY_BACKOFF_MIN_S * 2 ** max(0, lane.retries - 1),
            limits.STREAM_RETRY_BACKOFF_MAX_S,
        )
        lane.ready_at = finished + delay
        self.wake_at(lane.ready_at)
        return False

    # -- tumbling windows -----------------------------------------------------------------------
    def _tumbling(self, lane: Lane) -> Tumbling | None:
        """The lane's window keeper while the mapping has a tumbling window, else None."""
        if not self.config.tumbling_window_s:
            # Turned off by an update: AWS does not say what becomes of an open window; the Lab
            # drops it without a final invocation (UNCONFIRMED).
            lane.tumbling = None
        elif lane.tumbling is None:
            lane.tumbling = Tumbling(lane.shard_id, self.config.source_arn)
        return lane.tumbling

    def _final_invoke(self, lane: Lane, tumbling: Tumbling) -> bool:
        """The window's last invocation: no records, the final state, isFinalInvokeForWindow.

        As AWS documents it, a failing final invocation holds the shard until it succeeds; it
        retries like a batch, within MaximumRetryAttempts.
        """
        label = tumbling.window.label if tumbling.window else "window"
        started = self._clock.time()
        result, outcome = self.invoke(tumbling.event([], final=True))
        lane.attempts += 1
        finished = self._clock.time()
        request_id = result.record.request_id if result and result.record else None
        verdict = (
            read_result(result.payload, result.function_error, [], False)
            if result
            else whole_batch_failed(outcome)
        )
        if result is not None and not verdict.everything:
            verdict, _ = tumbling.accept(result.payload, verdict, final=True)
        if verdict.ok:
            tumbling.finished()
            lane.retries = lane.attempts = 0
            self.remember(BatchRun(started, 0, "success", 0, request_id, lane.name,
                                   f"final invocation of the {label}"))  # fmt: skip
            return True
        self.remember(BatchRun(started, 0, _failed(outcome), 0, request_id, lane.name,
                               f"final invocation of the {label}: {verdict.reason}"))  # fmt: skip
        if outcome != "throttled":
            lane.retries += 1
        if self.config.max_retries != -1 and lane.retries > self.config.max_retries:
            # AWS does not say what follows when the final invocation runs out of retries; with
            # no records to describe to OnFailure, the Lab drops the window's state (UNCONFIRMED).
            tumbling.drop()
            lane.retries = lane.attempts = 0
            self.remember(BatchRun(finished, 0, "discarded", 0, request_id, lane.name,
                                   f"RetryAttemptsExhausted: the {label} closed without a result"))  # fmt: skip
            return True
        return self._retry_later(lane, finished)

    def _settle(self, lane: Lane, count: int) -> None:
        """The first ``count`` records of the lane are done with: move the checkpoint past them."""
        for _ in range(count):
            lane.records.popleft()
        if count:
            lane.retries = lane.attempts = 0
        if lane.split_left:
            lane.split_left = max(0, lane.split_left - count)
            if not lane.split_left:
                lane.limit = self.config.batch_size

    def _drop_old(self, lane: Lane) -> None:
        """Expired records vanish; records older than MaximumRecordAgeInSeconds go to OnFailure."""
        now = self._clock.time()
        expired = 0
        while lane.records and now - lane.records[0].arrival > self.retention_s:
            lane.records.popleft()
            expired += 1
        if expired:
            self.remember(BatchRun(now, expired, "discarded", expired, shard=lane.name,
                                   detail="the records expired from the stream"))  # fmt: skip
        limit = self.config.max_record_age_s
        if limit == -1:
            return
        count = 0
        while (
            count < min(len(lane.records), self.config.batch_size)
            and now - lane.records[count].arrival > limit
        ):
            count += 1
        if count:
            # The condition name for age-discarded batches is not in the facts file (UNCONFIRMED).
            self._give_up(lane, [lane.records[i] for i in range(count)], "RecordAgeExceeded", None)

    def _give_up(
        self, lane: Lane, batch: list[StreamRecord], condition: str, request_id: str | None
    ) -> None:
        now = self._clock.time()
        attempts = lane.attempts
        self._settle(lane, len(batch))
        self.remember(BatchRun(now, len(batch), "discarded", len(batch), request_id, lane.name, condition,
                               tuple(r.sequence_number for r in batch)))  # fmt: skip
        if not self.config.on_failure:
            return
        record = stream_failure_record(
            self.config.kind, request_id=request_id or "", function_arn=self.config.function_arn,
            approximate_invoke_count=attempts, shard_id=lane.shard_id,
            start_sequence_number=batch[0].sequence_number, end_sequence_number=batch[-1].sequence_number,
            first_arrival=batch[0].arrival, last_arrival=batch[-1].arrival, batch_size=len(batch),
            stream_arn=self.config.source_arn, at=now, condition=condition,
        )  # fmt: skip
        try:
            self._deliverer.send(self.config.on_failure, record)
        except DeliveryError:
            self._metrics.put(metrics.DESTINATION_DELIVERY_FAILURES, self._function_name())

    def _function_name(self) -> str:
        return self.config.function_arn.split(":")[6]

    def windows(self) -> dict[str, dict[str, Any]]:
        """Each lane's open tumbling window: its bounds and the state carried so far."""
        return {
            lane.name: {"window": lane.tumbling.window.label, "state": lane.tumbling.window.state}
            for lane in self._lanes.values()
            if lane.tumbling is not None and lane.tumbling.window is not None
        }

    def describe_lanes(self) -> list[dict[str, Any]]:
        """Where each lane stands: waiting records, retries so far, when it tries again."""
        return [
            {
                "lane": lane.name,
                "waiting": len(lane.records),
                "retries": lane.retries,
                "ready_at": lane.ready_at,
            }
            for lane in self._lanes.values()
        ]


def _failed(outcome: str) -> str:
    """The history's word for an attempt that failed although the call itself went through."""
    return "error" if outcome == "success" else outcome
