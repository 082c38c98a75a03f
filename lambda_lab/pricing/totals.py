"""Running usage totals: what invocation records bill, added up as the records arrive.

A bill of 100,000 invocations priced record by record takes seconds (each a few exact
Decimal operations). Billed milliseconds are whole numbers and GB-seconds are linear in
them, so it is enough to add up, per function and per configuration (memory, architecture,
/tmp size, provisioned or not), the number of invocations, their billed milliseconds and
their request units: a few integer additions per record. :meth:`UsageTotals.usage` turns
the sums into the same exact :class:`~lambda_lab.pricing.usage.Usage` that metering every
record one by one gives (``meter_records``), in time proportional to the number of
configurations, not of invocations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambda_lab import limits

if TYPE_CHECKING:
    from lambda_lab.monitoring.records import InvocationRecord
    from lambda_lab.pricing.usage import Usage

# (memory MB, architecture, /tmp MB, provisioned)
_Key = tuple[int, str, int, bool]


def request_units(record: InvocationRecord) -> int:
    """Requests billed for one record: an async event over 256 KB adds one per 64 KB more."""
    if record.invocation_type != "Event":
        return 1
    beyond = max(0, record.request_bytes - limits.ASYNC_BILLING_FIRST_BYTES)
    return 1 + -(-beyond // limits.ASYNC_BILLING_CHUNK_BYTES)


class UsageTotals:
    """Sums of billed quantities per function and configuration (not thread-safe: its
    owner, the record store, holds a lock around it)."""

    def __init__(self) -> None:
        # function -> configuration -> [invocations, billed ms, request units]
        self._sums: dict[str, dict[_Key, list[int]]] = {}

    def add(self, record: InvocationRecord) -> None:
        if record.outcome == "throttled":
            return  # never ran: never billed
        key = (
            record.memory_mb,
            record.architecture,
            record.ephemeral_storage_mb,
            record.provisioned,
        )
        per_function = self._sums.setdefault(record.function_name, {})
        sums = per_function.get(key)
        if sums is None:
            sums = per_function[key] = [0, 0, 0]
        sums[0] += 1
        sums[1] += record.billed_duration_ms
        sums[2] += request_units(record)

    def usage(self, function_name: str | None = None) -> Usage:
        """The exact usage of one function's invocations, or of all of them."""
        # Here, not at the top: every Lab() makes totals, few ask for a bill (decimal and
        # the price tables cost a fresh process ~3 ms).
        from lambda_lab.pricing.usage import Usage, gb_seconds

        names = list(self._sums) if function_name is None else [function_name]
        total = Usage()
        for name in names:
            for (memory, arch, storage, provisioned), (count, billed_ms, units) in self._sums.get(
                name, {}
            ).items():
                compute = {arch: gb_seconds(billed_ms, memory)}
                ephemeral = gb_seconds(billed_ms, storage - limits.EPHEMERAL_MIN_MB)
                if provisioned:
                    part = Usage(
                        provisioned_requests=units,
                        provisioned_duration=compute,
                        ephemeral=ephemeral,
                        invocations=count,
                    )
                else:
                    part = Usage(
                        requests=units, duration=compute, ephemeral=ephemeral, invocations=count
                    )
                total += part
        return total

    def invocations(self, function_name: str | None = None) -> int:
        names = list(self._sums) if function_name is None else [function_name]
        return sum(s[0] for name in names for s in self._sums.get(name, {}).values())

    def clear(self) -> None:
        self._sums.clear()
