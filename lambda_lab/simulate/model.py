"""Admission: may this invocation run now, and in which execution environment?

The rules, checked in this order for every invocation attempt at time ``now``:

1. An idle **provisioned** environment of the function takes it: no cold start, and it
   needs nothing from any pool (provisioned concurrency was set aside when configured).
2. **Concurrency.** A function with reserved concurrency R runs at most R at once
   (provisioned ones included), else ``ReservedFunctionConcurrentInvocationLimitExceeded``.
   Any other function draws from the unreserved pool (account limit minus everything set
   aside), else ``ConcurrentInvocationLimitExceeded``.
3. An idle **on-demand** environment that has not outlived the keep-alive takes it, warm;
   the most recently used one first, so surplus environments age out.
4. Otherwise a new environment starts (a cold start) if the function's **scaling rate**
   allows: a token bucket per function holding at most ``scaling_rate_environments``
   tokens, refilled continuously at ``environments / period`` per second, one token per
   new environment. An empty bucket throttles with ``SCALING_RATE_REASON``.

An environment whose invocation timed out is discarded (its worker was killed), so the
next invocation there starts cold. This module knows nothing about events: the simulator
calls it, and the real runtime can call it with its clock's time.
"""

from __future__ import annotations

from collections import deque

from lambda_lab.simulate.config import Account, FunctionConfig

# How an admitted invocation got its environment.
PROVISIONED, WARM, COLD = 0, 1, 2

# TooManyRequestsException Reason values (AWS's enum).
ACCOUNT_LIMIT_REASON = "ConcurrentInvocationLimitExceeded"
RESERVED_LIMIT_REASON = "ReservedFunctionConcurrentInvocationLimitExceeded"
# AWS documents that requests beyond the scaling rate get 429 but not which Reason they
# carry; the per-function rate reason from the same enum is the closest fit.
SCALING_RATE_REASON = "FunctionInvocationRateLimitExceeded"
THROTTLE_REASONS = (ACCOUNT_LIMIT_REASON, RESERVED_LIMIT_REASON, SCALING_RATE_REASON)

# Float slack for the token bucket, so that 0.01 s at 100 tokens/s buys a whole token.
_EPSILON = 1e-9


class FunctionState:
    """The live concurrency state of one function."""

    __slots__ = (
        "config", "name", "reserved", "provisioned", "in_flight", "provisioned_in_flight",
        "provisioned_idle", "idle", "environments", "tokens", "tokens_at", "next_env",
        "environments_started", "environments_ended",
    )

    def __init__(self, config: FunctionConfig, capacity: float, start: float) -> None:
        self.config = config
        self.name = config.name
        self.reserved = config.reserved_concurrency
        self.provisioned = config.provisioned_concurrency
        self.in_flight = 0
        self.provisioned_in_flight = 0
        # Provisioned environments 1..P exist from the start, already initialized.
        self.provisioned_idle = list(range(self.provisioned, 0, -1))
        self.idle: deque[tuple[float, int]] = deque()  # (idle since, env id), oldest first
        self.environments = 0  # on-demand environments alive (busy or idle)
        self.tokens = float(capacity)
        self.tokens_at = start
        self.next_env = self.provisioned + 1
        self.environments_started = 0
        self.environments_ended = 0


class ConcurrencyModel:
    """Admission control for every function of one account."""

    def __init__(self, account: Account, start: float = 0.0) -> None:
        self.account = account
        self.keep_alive_s = float(account.keep_alive_s)
        self.capacity = float(account.scaling_rate_environments)
        self.refill_per_s = account.scaling_rate_per_s
        self.unreserved_pool = account.unreserved_concurrency
        self.in_flight = 0
        self.unreserved_in_flight = 0
        self.functions = {f.name: FunctionState(f, self.capacity, start) for f in account.functions}

    def admit(self, state: FunctionState, now: float) -> tuple[str | None, int, int]:
        """Return ``(throttle_reason, how, env_id)``: reason None means admitted."""
        if state.provisioned_idle:
            env = state.provisioned_idle.pop()
            state.provisioned_in_flight += 1
            state.in_flight += 1
            self.in_flight += 1
            return None, PROVISIONED, env
        reserved = state.reserved
        if reserved is not None:
            if state.in_flight >= reserved:
                return RESERVED_LIMIT_REASON, COLD, 0
        elif self.unreserved_in_flight >= self.unreserved_pool:
            return ACCOUNT_LIMIT_REASON, COLD, 0
        idle = state.idle
        if idle:
            self._expire(state, now)
        if idle:
            how, env = WARM, idle.pop()[1]
        else:
            tokens = state.tokens + (now - state.tokens_at) * self.refill_per_s
            if tokens > self.capacity:
                tokens = self.capacity
            state.tokens_at = now
            if tokens < 1.0 - _EPSILON:
                state.tokens = tokens
                return SCALING_RATE_REASON, COLD, 0
            state.tokens = tokens - 1.0
            how, env = COLD, state.next_env
            state.next_env += 1
            state.environments += 1
            state.environments_started += 1
        state.in_flight += 1
        self.in_flight += 1
        if reserved is None:
            self.unreserved_in_flight += 1
        return None, how, env

    def release(self, state: FunctionState, how: int, env: int, now: float, reuse: bool) -> None:
        """The invocation admitted as ``(how, env)`` ended at ``now``.

        ``reuse`` False discards an on-demand environment (after a timeout); a provisioned
        one is re-initialized in place and stays available.
        """
        state.in_flight -= 1
        self.in_flight -= 1
        if how == PROVISIONED:
            state.provisioned_in_flight -= 1
            state.provisioned_idle.append(env)
            return
        if state.reserved is None:
            self.unreserved_in_flight -= 1
        if reuse:
            state.idle.append((now, env))
        else:
            state.environments -= 1
            state.environments_ended += 1

    def reap(self, now: float) -> None:
        """End every idle environment that has outlived the keep-alive by ``now``."""
        for state in self.functions.values():
            self._expire(state, now)

    def environments_alive(self) -> int:
        """Execution environments that exist right now, provisioned ones included."""
        return sum(s.environments + s.provisioned for s in self.functions.values())

    def _expire(self, state: FunctionState, now: float) -> None:
        # Idle since t, an environment is still warm strictly before t + keep-alive.
        idle, deadline = state.idle, now - self.keep_alive_s
        while idle and idle[0][0] <= deadline:
            idle.popleft()
            state.environments -= 1
            state.environments_ended += 1
