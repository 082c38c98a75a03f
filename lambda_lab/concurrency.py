"""Admission control: the account's concurrency limit and each function's reserved concurrency.

Concurrency is the number of invocations in flight; each holds its own environment. A
function with reserved concurrency R can never run more than R at once (the cap) and the
other functions can never take those R (the guarantee): they share what is left of the
account limit. A request over either limit is throttled with AWS's Reason.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from lambda_lab import errors, limits
from lambda_lab.functions import FunctionConfig


@dataclass(frozen=True)
class Slot:
    """An admitted invocation: how its environment is (or was) initialised."""

    initialization_type: str = "on-demand"


_ON_DEMAND = Slot()


class Concurrency:
    def __init__(self, account_limit: int = limits.ACCOUNT_CONCURRENCY_DEFAULT) -> None:
        if account_limit < 1:
            raise ValueError(f"account concurrency limit must be >= 1 (got {account_limit})")
        self.account_limit = account_limit
        self._reserved: dict[str, int] = {}
        self._in_flight: dict[str, int] = {}
        self.throttles: dict[str, int] = {}
        self.peak = 0
        self._lock = threading.Lock()

    # -- reserved concurrency (PutFunctionConcurrency) ----------------------------------------
    def reserve(self, function_name: str, amount: int) -> None:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise errors.InvalidParameterValueException(
                f"ReservedConcurrentExecutions must be a whole number >= 0 (got {amount!r})"
            )
        floor = limits.unreserved_floor(self.account_limit)
        with self._lock:
            others = sum(v for k, v in self._reserved.items() if k != function_name)
            if self.account_limit - others - amount < floor:
                raise errors.InvalidParameterValueException(
                    "Specified ReservedConcurrentExecutions for function decreases account's "
                    f"UnreservedConcurrentExecution below its minimum value of [{floor}]."
                )
            self._reserved[function_name] = amount

    def unreserve(self, function_name: str) -> None:
        with self._lock:
            self._reserved.pop(function_name, None)

    def reserved(self, function_name: str) -> int | None:
        return self._reserved.get(function_name)

    @property
    def unreserved_limit(self) -> int:
        return self.account_limit - sum(self._reserved.values())

    # -- admission ----------------------------------------------------------------------------
    def admit(self, config: FunctionConfig, version: str) -> Slot:
        """Count one more invocation in flight, or raise AWS's throttle. Pair with release()."""
        name = config.name
        with self._lock:
            running = self._in_flight.get(name, 0)
            reserved = self._reserved.get(name)
            if reserved is not None:
                if running >= reserved:
                    self._throttle(name)
                    raise errors.throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
            elif self._unreserved_in_flight() >= self.unreserved_limit:
                self._throttle(name)
                raise errors.throttled("ConcurrentInvocationLimitExceeded")
            self._in_flight[name] = running + 1
            total = sum(self._in_flight.values())
            if total > self.peak:
                self.peak = total
        return _ON_DEMAND

    def release(self, config: FunctionConfig, slot: Slot) -> None:
        with self._lock:
            self._in_flight[config.name] -= 1

    def _unreserved_in_flight(self) -> int:
        return sum(n for k, n in self._in_flight.items() if k not in self._reserved)

    def _throttle(self, name: str) -> None:
        self.throttles[name] = self.throttles.get(name, 0) + 1

    def in_flight(self, function_name: str | None = None) -> int:
        with self._lock:
            if function_name is None:
                return sum(self._in_flight.values())
            return self._in_flight.get(function_name, 0)

    def forget(self, function_name: str) -> None:
        with self._lock:
            self._reserved.pop(function_name, None)
