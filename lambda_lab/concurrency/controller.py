"""Admission control: may this invocation run now, and in which execution environment?

Concurrency is the number of invocations in flight; each holds its own environment. The
rules are ``lambda_lab.concurrency.admission``'s, the same the simulator runs, in the same order:

1. an idle **provisioned** environment of the version takes it (no cold start);
2. **reserved** concurrency R caps the function at R in flight (and guarantees it R:
   the others share what is left of the **account** limit), else a 429;
3. an idle **warm** environment takes it, the most recently used first;
4. else a **cold** start, if the function's **scaling rate** has a token and the Lab's
   **memory budget** has room for one more process.

A refused invocation raises ``TooManyRequestsException`` with AWS's Reason; sync callers
get it, the async queue and the pollers catch it and back off. Counters (throttles by
time and Reason, spillover) feed ``lambda_lab.monitoring.metrics``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambda_lab import errors, limits
from lambda_lab.clock import Clock
from lambda_lab.concurrency import admission
from lambda_lab.concurrency.admission import COLD, PROVISIONED, WARM
from lambda_lab.concurrency.memory_budget import DEFAULT_BUDGET_MB, MemoryBudget
from lambda_lab.concurrency.provisioned import ProvisionedConcurrency
from lambda_lab.control.functions import FunctionConfig, Registry

if TYPE_CHECKING:
    from lambda_lab.control.versions import Versions
    from lambda_lab.environments.environment import Environment
    from lambda_lab.environments.outcome import Outcome
    from lambda_lab.environments.pool import EnvironmentPool


def valid_account_limit(value: Any) -> bool:
    """Whether ``value`` can be an account's concurrency limit: a whole number >= 1."""
    return not isinstance(value, bool) and isinstance(value, int) and value >= 1


class Slot:
    """An admitted invocation: the environment it runs in and how that was obtained."""

    __slots__ = ("kind", "environment", "init", "unreserved")

    def __init__(
        self, kind: int, environment: Environment, init: Outcome | None, unreserved: bool
    ) -> None:
        self.kind = kind  # admission.PROVISIONED, WARM or COLD
        self.environment = environment
        self.init = init  # the init outcome of a cold start, else None
        self.unreserved = unreserved  # counted in the account's unreserved pool

    def __repr__(self) -> str:
        return f"<Slot {admission.KIND_NAMES[self.kind]} env={self.environment.env_id[:8]}>"


@dataclass(frozen=True)
class Throttle:
    at: float  # the Lab clock's time
    function_name: str
    reason: str


class Concurrency:
    def __init__(
        self,
        pool: EnvironmentPool,
        clock: Clock,
        functions: Registry,
        versions: Versions,
        account_limit: int = limits.ACCOUNT_CONCURRENCY_DEFAULT,
        *,
        scaling_rate_environments: int = limits.SCALING_RATE_ENVIRONMENTS,
        scaling_rate_period_s: float = limits.SCALING_RATE_PERIOD_S,
        memory_budget_mb: float = DEFAULT_BUDGET_MB,
        template: Any = None,
    ) -> None:
        if not valid_account_limit(account_limit):
            raise errors.InvalidParameterValueException(
                f"account concurrency limit must be a whole number >= 1 (got {account_limit!r})"
            )
        self.account_limit = account_limit
        self.scaling_rate = admission.check_scaling_rate(
            scaling_rate_environments, scaling_rate_period_s
        )
        self.memory = MemoryBudget(memory_budget_mb)
        self.provisioned = ProvisionedConcurrency(self, functions, versions, pool, clock)
        self.throttles: dict[str, int] = {}
        self.throttle_log: list[Throttle] = []
        self.spillover_log: list[tuple[float, str]] = []  # (time, function): on-demand despite PC
        self.peak = 0
        self._pool = pool
        self._clock = clock
        self._template = template  # the process workers are forked from (its memory counts too)
        self._reserved: dict[str, int] = {}
        self._in_flight: dict[str, int] = {}
        self._unreserved_in_flight = 0
        self._scaling: dict[str, admission.ScalingRate] = {}
        self._starting: list[str] = []  # functions of cold starts admitted but not started yet
        self._lock = threading.Lock()

    # -- reserved concurrency (PutFunctionConcurrency) ----------------------------------------
    def reserve(self, function_name: str, amount: int) -> None:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise errors.InvalidParameterValueException(
                f"ReservedConcurrentExecutions must be a whole number >= 0 (got {amount!r})"
            )
        provisioned = self.provisioned.allocated(function_name)
        if amount < provisioned:
            raise errors.InvalidParameterValueException(
                f"ReservedConcurrentExecutions ({amount}) for function {function_name} cannot be less than "
                f"its provisioned concurrency ({provisioned}): remove or lower that first"
            )
        with self._lock:
            self._check_set_aside(function_name, amount, provisioned)
            self._reserved[function_name] = amount

    def unreserve(self, function_name: str) -> None:
        with self._lock:
            self._reserved.pop(function_name, None)

    def reserved(self, function_name: str) -> int | None:
        return self._reserved.get(function_name)

    @property
    def unreserved_limit(self) -> int:
        """The pool shared by functions without reserved concurrency (UnreservedConcurrentExecutions)."""
        return self.account_limit - self._set_aside()

    def check_provisioned(self, function_name: str, total: int) -> None:
        """May ``function_name`` have ``total`` provisioned concurrency? (PutProvisionedConcurrencyConfig)"""
        with self._lock:
            reserved = self._reserved.get(function_name)
            if reserved is not None and total > reserved:
                raise errors.InvalidParameterValueException(
                    f"Requested Provisioned Concurrency ({total} for function {function_name} in total) should "
                    f"not be greater than the reservedConcurrentExecution for function ({reserved})"
                )
            self._check_set_aside(function_name, reserved, total)

    def _set_aside(self, replace: tuple[str, int | None, int] | None = None) -> int:
        names = set(self._reserved) | set(self.provisioned.functions())
        if replace is not None:
            names.add(replace[0])
        total = 0
        for name in names:
            if replace is not None and name == replace[0]:
                total += admission.dedicated_concurrency(replace[1], replace[2])
            else:
                total += admission.dedicated_concurrency(
                    self._reserved.get(name), self.provisioned.allocated(name)
                )
        return total

    def _check_set_aside(self, function_name: str, reserved: int | None, provisioned: int) -> None:
        set_aside = self._set_aside((function_name, reserved, provisioned))
        admission.check_set_aside(
            self.account_limit,
            set_aside,
            f"{function_name} would take {admission.dedicated_concurrency(reserved, provisioned)}",
        )

    # -- the scaling rate ---------------------------------------------------------------------
    def set_scaling_rate(self, environments: int, period_s: float) -> None:
        """New environments per ``period_s`` per function (AWS: 1,000 every 10 s); buckets refill."""
        checked = admission.check_scaling_rate(environments, period_s)
        with self._lock:
            self.scaling_rate = checked
            self._scaling.clear()

    # -- admission ----------------------------------------------------------------------------
    def admit(self, config: FunctionConfig, version: str) -> Slot:
        """An environment for one invocation, or AWS's throttle. Pair with :meth:`release`."""
        name = config.name
        now = self._clock.time()
        with self._lock:
            unreserved = False
            env = self.provisioned.take(name, version)
            if env is not None:
                kind = PROVISIONED
            else:
                reserved = self._reserved.get(name)
                running = self._in_flight.get(name, 0)
                reason = admission.concurrency_throttle(
                    reserved, running, self._unreserved_in_flight, self.unreserved_limit
                )
                if reason is not None:
                    raise self._throttled(name, reason, now)
                env = self._pool.take_idle(config, version, now)
                kind = WARM
                if env is None:
                    kind = COLD
                    usage = self.memory.usage(
                        name, self._pool.environments(), self._helper_pids(), self._starting
                    )
                    if not usage.fits(self.memory.budget_mb):
                        self.throttle_log.append(
                            Throttle(now, name, admission.ACCOUNT_LIMIT_REASON)
                        )
                        self.throttles[name] = self.throttles.get(name, 0) + 1
                        raise self.memory.refusal(name, usage)
                    if not self._bucket(name, now).take(now):
                        raise self._throttled(name, admission.SCALING_RATE_REASON, now)
                    self._starting.append(name)
                if self.provisioned.allocated_to(name, version):
                    self.spillover_log.append((now, name))
                unreserved = reserved is None
                self._unreserved_in_flight += unreserved
            self._in_flight[name] = self._in_flight.get(name, 0) + 1
            self.peak = max(self.peak, sum(self._in_flight.values()))
        if kind != COLD:
            assert env is not None  # warm and provisioned slots always come with their environment
            return Slot(kind, env, None, unreserved)
        try:
            env, init = self._pool.start(config, version)
        except BaseException:
            self._count_out(name, unreserved)
            raise
        finally:
            with self._lock:
                self._starting.remove(name)
        return Slot(COLD, env, init, unreserved)

    def release(self, config: FunctionConfig, slot: Slot) -> None:
        """The invocation ended: its environment goes back (or ends), then the counts drop."""
        try:
            if slot.kind == PROVISIONED:
                self.provisioned.give_back(slot.environment, config)
            else:
                self._pool.release(slot.environment, config)
        finally:
            self._count_out(config.name, slot.unreserved)

    def _count_out(self, name: str, unreserved: bool) -> None:
        with self._lock:
            self._in_flight[name] -= 1
            self._unreserved_in_flight -= unreserved

    def memory_check(self, function_name: str) -> None:
        """Raise the memory-budget 429 if one more environment of this function would not fit."""
        with self._lock:
            usage = self.memory.usage(
                function_name, self._pool.environments(), self._helper_pids(), self._starting
            )
            if not usage.fits(self.memory.budget_mb):
                raise self.memory.refusal(function_name, usage)

    def _bucket(self, name: str, now: float) -> admission.ScalingRate:
        bucket = self._scaling.get(name)
        if bucket is None:
            bucket = self._scaling[name] = admission.ScalingRate(*self.scaling_rate, start=now)
        return bucket

    def _throttled(self, name: str, reason: str, now: float) -> errors.LambdaError:
        self.throttles[name] = self.throttles.get(name, 0) + 1
        self.throttle_log.append(Throttle(now, name, reason))
        return errors.throttled(reason)

    def _helper_pids(self) -> list[int | None]:
        return [] if self._template is None else [self._template.pid]

    # -- what is running -----------------------------------------------------------------------
    def in_flight(self, function_name: str | None = None) -> int:
        with self._lock:
            if function_name is None:
                return sum(self._in_flight.values())
            return self._in_flight.get(function_name, 0)

    @property
    def unreserved_in_flight(self) -> int:
        """On-demand invocations in flight of functions without reserved concurrency."""
        return self._unreserved_in_flight

    def forget(self, function_name: str) -> None:
        """The function was deleted: its reservation and provisioned concurrency go with it."""
        with self._lock:
            self._reserved.pop(function_name, None)
            self._scaling.pop(function_name, None)
        self.provisioned.forget(function_name)

    def close(self) -> None:
        self.provisioned.close()

    def __repr__(self) -> str:
        return (
            f"<Concurrency {self.in_flight()} in flight of {self.account_limit}; unreserved pool "
            f"{self.unreserved_limit}; {sum(self.throttles.values())} throttles>"
        )
