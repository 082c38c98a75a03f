"""Admission at simulation time: the shared rules plus the simulator's own environments.

The rules themselves (provisioned first, then concurrency, then a warm environment, then
the scaling rate for a new one) live in ``lambda_lab.concurrency.admission``, which the real runtime
calls too; this module adds what only a simulation needs: numbered environments, idle
lists with their keep-alive, and counts.

An environment whose invocation timed out is discarded (its worker was killed), so the
next invocation there starts cold. Nothing here knows about events: the engine calls
:meth:`ConcurrencyModel.admit` and :meth:`ConcurrencyModel.release` with its clock's time.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from lambda_lab.concurrency.admission import (
    ACCOUNT_LIMIT_REASON,
    COLD,
    PROVISIONED,
    RESERVED_LIMIT_REASON,
    SCALING_RATE_REASON,
    THROTTLE_REASONS,
    WARM,
    ScalingRate,
    concurrency_throttle,
    still_warm,
)
from lambda_lab.simulate.config import Account, FunctionConfig

__all__ = [
    "ACCOUNT_LIMIT_REASON", "COLD", "PROVISIONED", "RESERVED_LIMIT_REASON", "SCALING_RATE_REASON",
    "THROTTLE_REASONS", "WARM", "ConcurrencyModel", "FunctionState",
]  # fmt: skip


class FunctionState:
    """The live concurrency state of one function."""

    __slots__ = (
        "config",
        "name",
        "reserved",
        "pooled",
        "provisioned",
        "in_flight",
        "provisioned_in_flight",
        "provisioned_idle",
        "idle",
        "environments",
        "scaling",
        "next_env",
        "environments_started",
        "environments_ended",
    )

    def __init__(self, config: FunctionConfig, account: Account, start: float) -> None:
        self.config = config
        self.name = config.name
        self.reserved = config.reserved_concurrency
        self.pooled = 1 if self.reserved is None else 0  # counts in the unreserved pool
        self.provisioned = config.provisioned_concurrency
        self.in_flight = 0
        self.provisioned_in_flight = 0
        # Provisioned environments 1..P exist from the start, already initialized.
        self.provisioned_idle = list(range(self.provisioned, 0, -1))
        # (idle since, ..., env id), oldest first: the engine appends its heap entries as they are
        self.idle: deque[tuple[Any, ...]] = deque()
        self.environments = 0  # on-demand environments alive (busy or idle)
        self.scaling = ScalingRate(
            account.scaling_rate_environments, account.scaling_rate_period_s, start
        )
        self.next_env = self.provisioned + 1
        self.environments_started = 0
        self.environments_ended = 0


class ConcurrencyModel:
    """Admission control for every function of one account."""

    def __init__(self, account: Account, start: float = 0.0) -> None:
        self.account = account
        self.keep_alive_s = float(account.keep_alive_s)
        self.unreserved_pool = account.unreserved_concurrency
        self.in_flight = 0
        self.unreserved_in_flight = 0
        self.functions = {f.name: FunctionState(f, account, start) for f in account.functions}

    def admit(self, state: FunctionState, now: float) -> tuple[str | None, int, int]:
        """Return ``(throttle_reason, how, env_id)``: reason None means admitted."""
        if state.provisioned_idle:
            env = state.provisioned_idle.pop()
            state.provisioned_in_flight += 1
            state.in_flight += 1
            self.in_flight += 1
            return None, PROVISIONED, env
        reserved = state.reserved
        reason = concurrency_throttle(
            reserved, state.in_flight, self.unreserved_in_flight, self.unreserved_pool
        )
        if reason is not None:
            return reason, COLD, 0
        idle = state.idle
        if idle:
            self.expire(state, now)
        if idle:
            how, env = WARM, idle.pop()[-1]
        else:
            if not state.scaling.take(now):
                return SCALING_RATE_REASON, COLD, 0
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
            self.expire(state, now)

    def environments_alive(self) -> int:
        """Execution environments that exist right now, provisioned ones included."""
        return sum(s.environments + s.provisioned for s in self.functions.values())

    def expire(self, state: FunctionState, now: float) -> None:
        idle, keep_alive_s = state.idle, self.keep_alive_s
        while idle and not still_warm(idle[0][0], now, keep_alive_s):
            idle.popleft()
            state.environments -= 1
            state.environments_ended += 1
