"""Tumbling windows on a stream mapping: a state carried from one invocation to the next.

With ``TumblingWindowInSeconds`` N (1..900; 0 means off) Lambda cuts each shard's records
into fixed windows of N seconds by the time each record reached the stream. In the Lab that
time is the record's ``arrival`` on the Lab's clock, so a virtual clock drives windows too.
A batch never mixes two windows. Besides ``Records``, every invocation gets the window's
bounds, the ``state`` that the previous invocation of the same window and shard returned
(``{}`` at first), the ``shardId``, the ``eventSourceARN`` and two flags. The function must
answer ``{"state": {...}}`` (with ``batchItemFailures`` too when the mapping reports them);
an answer without a state counts as a failed invocation and is retried like any other.

Once the window's end has passed and its records are done, one more invocation with no
records and ``isFinalInvokeForWindow: true`` hands over the final state, which is then
dropped. A state over 1 MB ends the window early: that final invocation comes at once, with
``isWindowTerminatedEarly: true``, and the window goes on with a fresh state.

(Lambda developer guide: services-kinesis-windows.html, services-ddb-windows.html.)
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lambda_lab import limits
from lambda_lab.aws_time import iso_seconds
from lambda_lab.event_sources.mappings.batch_results import BatchResult, whole_batch_failed

if TYPE_CHECKING:
    from lambda_lab.event_sources.mappings.stream_readers import StreamRecord


def bounds(arrival: float, length_s: int) -> tuple[float, float]:
    """The window of ``length_s`` seconds that a record which arrived at ``arrival`` falls in.

    AWS's own example (a 120 s window from 07:04:00 to 07:06:00 UTC) starts on a multiple of
    the length counted from the epoch; that every window is aligned that way is UNCONFIRMED.
    """
    start = math.floor(arrival / length_s) * length_s
    return float(start), float(start + length_s)


@dataclass
class Window:
    start: float
    end: float
    state: dict[str, Any] = field(default_factory=dict)
    early: bool = False  # the state outgrew its limit: a final invocation now, then a fresh state

    @property
    def label(self) -> str:
        return f"window {iso_seconds(self.start)[11:19]}-{iso_seconds(self.end)[11:19]}"


def state_size(state: Any) -> int:
    """Bytes of the state as compact JSON text (how AWS measures it is UNCONFIRMED)."""
    return len(json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode())


def read_state(payload: bytes | None) -> tuple[dict[str, Any] | None, str]:
    """The ``state`` in a function's answer, or None and why the answer has no usable one."""
    try:
        document = json.loads(payload) if payload else None
    except ValueError:
        return None, "the response is not valid JSON"
    if not isinstance(document, dict) or "state" not in document:
        return None, "the response has no state property, which a tumbling window requires"
    state = document["state"]
    if not isinstance(state, dict):
        # AWS shows the state as a JSON object and does not say what else it takes (UNCONFIRMED).
        return None, f"the response's state is not a JSON object (got {type(state).__name__})"
    return state, ""


class Tumbling:
    """The open window of one shard (one lane of it, with a ParallelizationFactor) and the
    events of its invocations."""

    def __init__(self, shard_id: str, source_arn: str) -> None:
        # With ParallelizationFactor > 1 each lane of a shard keeps a window of its own: AWS
        # speaks of a state "per shard" without saying how the lanes share it (UNCONFIRMED).
        self.shard_id = shard_id
        self.source_arn = source_arn
        self.window: Window | None = None

    def final_due(self, records: Sequence[StreamRecord], now: float) -> bool:
        """Is the open window's final invocation due: it ends early, or its end has passed
        and none of its records still wait?"""
        window = self.window
        if window is None:
            return False
        if window.early:
            return True
        if records and records[0].arrival < window.end:
            return False
        return now >= window.end

    def open_for(self, record: StreamRecord, length_s: int) -> bool:
        """Open the window of ``record`` unless one is open; True if it was opened now."""
        if self.window is not None:
            return False
        self.window = Window(*bounds(record.arrival, length_s))
        return True

    def take(self, records: Sequence[StreamRecord], limit: int) -> int:
        """How many of the first ``limit`` waiting records belong to the open window."""
        end = self.window.end if self.window else math.inf
        count = 0
        while count < min(limit, len(records)) and records[count].arrival < end:
            count += 1
        return count

    def event(self, records: list[dict[str, Any]], *, final: bool) -> dict[str, Any]:
        """What the function receives: the records and the window's fields around them."""
        window = self._open()
        return {
            "Records": records,
            "window": {"start": iso_seconds(window.start), "end": iso_seconds(window.end)},
            "state": window.state,
            "shardId": self.shard_id,
            "eventSourceARN": self.source_arn,
            "isFinalInvokeForWindow": final,
            "isWindowTerminatedEarly": final and window.early,
        }

    def accept(
        self, payload: bytes | None, verdict: BatchResult, *, final: bool = False
    ) -> tuple[BatchResult, bool]:
        """Take the state from an answer that the batch rules let through (in whole or in part).

        Returns the verdict (a whole failure when the answer has no usable state) and whether
        the window ends early; the batch then waits and comes again with the fresh state.
        """
        state, problem = read_state(payload)
        if state is None:
            return whole_batch_failed(problem), False
        if final:
            return verdict, False  # the final state is dropped once the invocation succeeds
        window = self._open()
        size = state_size(state)
        if size > limits.TUMBLING_STATE_MAX_BYTES:
            if not window.state:
                # Not even a fresh state holds this batch's result: ending the window early
                # would only repeat it, so the Lab counts it as a failed batch (UNCONFIRMED).
                return whole_batch_failed(
                    f"the state returned is {size} bytes, over the "
                    f"{limits.TUMBLING_STATE_MAX_BYTES}-byte limit, even from a fresh state"
                ), False
            # Which state the early final invocation gets is not documented; the Lab hands over
            # the last one within the limit and sends this batch again after it (UNCONFIRMED).
            window.early = True
            return verdict, True
        window.state = state
        return verdict, False

    def finished(self) -> None:
        """The final invocation succeeded: the state goes; a window ended early goes on fresh."""
        window = self._open()
        if window.early:
            window.state, window.early = {}, False
        else:
            self.window = None

    def drop(self) -> None:
        """Forget the open window and its state without a final invocation."""
        self.window = None

    def _open(self) -> Window:
        if self.window is None:
            raise RuntimeError("no tumbling window is open on this lane")
        return self.window
