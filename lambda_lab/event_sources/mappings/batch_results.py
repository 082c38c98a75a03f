"""Reading a batch's result with ReportBatchItemFailures (facts section 7).

The function answers ``{"batchItemFailures": [{"itemIdentifier": "<id>"}, ...]}``; the id is
the SQS ``messageId`` or the stream record's sequence number. AWS's rules:

* complete success: an empty or null response, or an empty or null ``batchItemFailures``;
* complete failure: the function raised, the response is not JSON, an ``itemIdentifier`` is
  empty, null or under another key, or names an item that is not in the batch;
* otherwise exactly the named items failed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class BatchResult:
    """Which items of a batch failed; ``everything`` means the whole batch, with the reason."""

    failed: frozenset[str]
    everything: bool = False
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.everything and not self.failed

    def failed_ids(self, ids: Sequence[str]) -> list[str]:
        """The failed items in batch order."""
        return list(ids) if self.everything else [i for i in ids if i in self.failed]


def whole_batch_failed(reason: str) -> BatchResult:
    return BatchResult(frozenset(), True, reason)


SUCCESS = BatchResult(frozenset())


def read_result(
    response: bytes | None,
    function_error: str | None,
    ids: Sequence[str],
    report_item_failures: bool,
) -> BatchResult:
    """What the poller does next with this batch, given the function's answer."""
    if function_error is not None:
        return whole_batch_failed(f"the function failed ({function_error})")
    if not report_item_failures or not response:
        return SUCCESS
    try:
        document = json.loads(response)
    except ValueError:
        return whole_batch_failed("the response is not valid JSON")
    if not isinstance(document, dict):
        return SUCCESS
    failures = document.get("batchItemFailures")
    if not failures:
        return SUCCESS
    if not isinstance(failures, list):
        return whole_batch_failed("batchItemFailures is not a list")
    known = set(ids)
    failed = set()
    for entry in failures:
        identifier = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not isinstance(identifier, str) or not identifier:
            return whole_batch_failed(f"an itemIdentifier is missing, empty or null: {entry!r}")
        if identifier not in known:
            return whole_batch_failed(f"itemIdentifier {identifier!r} is not in the batch")
        failed.add(identifier)
    return BatchResult(frozenset(failed))


@dataclass(frozen=True)
class BatchRun:
    """One batch a poller handed to the function, for the learner and the timeline."""

    at: float  # the Lab clock when the invoke began
    size: int
    outcome: str  # success | partial | error | throttled | discarded
    failed: int = 0
    request_id: str | None = None
    shard: str | None = None  # streams: the shard (and lane) the batch came from
    detail: str = ""
    ids: tuple[str, ...] = ()  # message ids or sequence numbers, in batch order
