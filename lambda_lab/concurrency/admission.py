"""Lambda's admission rules, written once for the runtime and for the simulator.

The real runtime (``lambda_lab.concurrency.controller``, worker processes on the Lab's clock) and the
simulator (``lambda_lab.simulate.model``, discrete events) decide every invocation attempt
with the functions below, in the same order, so they cannot disagree:

1. **Provisioned.** An idle provisioned environment of the function (version) takes the
   request. It needs nothing from any pool: its concurrency was set aside when configured.
2. **Concurrency** (:func:`concurrency_throttle`). With reserved concurrency R the function
   runs at most R at once, provisioned runs included; without, it draws from the
   account's unreserved pool (the limit minus everything set aside).
3. **Warm.** An idle on-demand environment that is still warm (:func:`still_warm`) takes
   it, the most recently used first, so surplus environments age out.
4. **Cold.** Otherwise a new environment starts if the function's scaling rate allows it
   (:class:`ScalingRate`, one token per new environment).

What cannot be admitted is throttled with one of AWS's ``TooManyRequestsException``
Reasons below. Only numbers go in and out: no clock, no processes, no events.
"""

from __future__ import annotations

from lambda_lab import errors, limits

# How an admitted invocation got its environment.
PROVISIONED, WARM, COLD = 0, 1, 2
KIND_NAMES = {PROVISIONED: "provisioned", WARM: "warm", COLD: "cold"}

# TooManyRequestsException Reason values (AWS's enum).
ACCOUNT_LIMIT_REASON = "ConcurrentInvocationLimitExceeded"
RESERVED_LIMIT_REASON = "ReservedFunctionConcurrentInvocationLimitExceeded"
# AWS documents that requests beyond the scaling rate get 429 but not which Reason they
# carry; the per-function rate reason from the same enum is the closest fit.
SCALING_RATE_REASON = "FunctionInvocationRateLimitExceeded"
THROTTLE_REASONS = (ACCOUNT_LIMIT_REASON, RESERVED_LIMIT_REASON, SCALING_RATE_REASON)

# Float slack for the token bucket, so that 0.01 s at 100 tokens/s buys a whole token.
_EPSILON = 1e-9


def concurrency_throttle(
    reserved: int | None, function_in_flight: int, unreserved_in_flight: int, unreserved_pool: int
) -> str | None:
    """Rule 2: the Reason this attempt is throttled with, or None if concurrency allows it.

    ``function_in_flight`` counts the function's runs, provisioned ones included;
    ``unreserved_in_flight`` counts the on-demand runs of every function without reserved
    concurrency.
    """
    if reserved is not None:
        return RESERVED_LIMIT_REASON if function_in_flight >= reserved else None
    return ACCOUNT_LIMIT_REASON if unreserved_in_flight >= unreserved_pool else None


def still_warm(idle_since: float, now: float, keep_alive_s: float) -> bool:
    """Rule 3's boundary: idle since ``idle_since``, an environment is warm strictly before
    ``idle_since + keep_alive_s`` and gone from that instant on."""
    return now - idle_since < keep_alive_s


def dedicated_concurrency(reserved: int | None, provisioned: int) -> int:
    """What one function takes out of the account's shared pool for itself alone.

    Reserved concurrency is set aside whole; without it, provisioned concurrency is (it
    counts towards the Regional limit and cannot be lent to other functions).
    """
    return reserved if reserved is not None else provisioned


def check_set_aside(account_limit: int, set_aside: int, detail: str = "") -> None:
    """Raise AWS's error if ``set_aside`` leaves less unreserved than the account must keep.

    AWS keeps 100 of 1,000 unreserved; ``limits.unreserved_floor`` scales that rule so an
    account limit of 5 still shows it.
    """
    floor = limits.unreserved_floor(account_limit)
    if account_limit - set_aside < floor:
        numbers = f" (account limit {account_limit}, set aside {set_aside}{': ' + detail if detail else ''})"
        raise errors.InvalidParameterValueException(
            "Specified ReservedConcurrentExecutions for function decreases account's "
            f"UnreservedConcurrentExecution below its minimum value of [{floor}].{numbers}"
        )


def check_scaling_rate(environments: object, period_s: object) -> tuple[int, float]:
    """Validate a scaling rate (new environments per period, per function)."""
    if isinstance(environments, bool) or not isinstance(environments, int) or environments < 1:
        raise errors.InvalidParameterValueException(
            f"scaling rate: 'environments' must be a whole number >= 1 (got {environments!r})"
        )
    if (
        isinstance(period_s, bool)
        or not isinstance(period_s, (int, float))
        or not 0 < period_s < float("inf")
    ):
        raise errors.InvalidParameterValueException(
            f"scaling rate: 'period_s' must be a number of seconds > 0 (got {period_s!r})"
        )
    return environments, float(period_s)


class ScalingRate:
    """Rule 4: a function's token bucket for new execution environments.

    It holds at most ``environments`` tokens (the burst) and refills continuously at
    ``environments / period_s`` per second; unused capacity is not banked beyond the burst.
    """

    __slots__ = ("capacity", "refill_per_s", "tokens", "at")

    def __init__(
        self,
        environments: int = limits.SCALING_RATE_ENVIRONMENTS,
        period_s: float = limits.SCALING_RATE_PERIOD_S,
        start: float = 0.0,
    ) -> None:
        self.capacity = float(environments)
        self.refill_per_s = environments / period_s
        self.tokens = self.capacity
        self.at = start

    def take(self, now: float) -> bool:
        """Spend one token at ``now`` if there is one; False means throttle."""
        tokens = self.tokens + (now - self.at) * self.refill_per_s
        if tokens > self.capacity:
            tokens = self.capacity
        self.at = now
        if tokens < 1.0 - _EPSILON:
            self.tokens = tokens
            return False
        self.tokens = tokens - 1.0
        return True

    def available(self, now: float) -> float:
        """Tokens there would be at ``now`` (without spending any)."""
        return min(self.capacity, self.tokens + max(0.0, now - self.at) * self.refill_per_s)
