"""Provisioned concurrency: execution environments initialised ahead of time for a version or alias.

PutProvisionedConcurrencyConfig answers at once with Status ``IN_PROGRESS`` (HTTP 202)
while the Lab starts the environments in the background: each runs the function's init
code with ``AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency``. The config turns
``READY`` when all are up, or ``FAILED`` when the init code fails or the Lab's memory budget
has no room. Admission (``lambda_lab.concurrency.controller``) hands an invocation an idle provisioned
environment before anything else, so it shows no Init Duration; beyond them the function
spills over to on-demand environments. Provisioned environments never age out; one that
dies (a timeout, out of memory) is initialised again before its slot is used again.

An alias's provisioned concurrency goes to the version the alias points to when it is
configured; a version can carry it once, directly or through one alias (as on AWS).
"""

from __future__ import annotations

import builtins
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambda_lab import aws_time, errors

if TYPE_CHECKING:
    from lambda_lab.clock import Clock
    from lambda_lab.concurrency.controller import Concurrency
    from lambda_lab.control.functions import FunctionConfig, Registry
    from lambda_lab.control.versions import Versions
    from lambda_lab.environments.environment import Environment
    from lambda_lab.environments.pool import EnvironmentPool

INITIALIZATION_TYPE = "provisioned-concurrency"
IN_PROGRESS, READY, FAILED = "IN_PROGRESS", "READY", "FAILED"
LATEST = "$LATEST"


@dataclass
class ProvisionedConfig:
    function_name: str
    qualifier: str  # the version number or alias name it was configured on
    version: str  # the version its environments run
    arn: str  # of the alias or version
    requested: int
    last_modified: str
    status: str = IN_PROGRESS
    status_reason: str | None = None

    def as_aws(self, available: int) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "RequestedProvisionedConcurrentExecutions": self.requested,
            "AvailableProvisionedConcurrentExecutions": available,
            "AllocatedProvisionedConcurrentExecutions": available,
            "Status": self.status,
            "LastModified": self.last_modified,
        }
        if self.status_reason:
            doc["StatusReason"] = self.status_reason
        return doc


class ProvisionedConcurrency:
    """Configs by (function, qualifier); environments by (function, version). Thread-safe."""

    def __init__(
        self,
        concurrency: Concurrency,
        functions: Registry,
        versions: Versions,
        pool: EnvironmentPool,
        clock: Clock,
    ) -> None:
        self._concurrency = concurrency
        self._functions = functions
        self._versions = versions
        self._pool = pool
        self._clock = clock
        self._configs: dict[tuple[str, str], ProvisionedConfig] = {}
        self._idle: dict[tuple[str, str], list[Environment]] = {}
        self._members: dict[tuple[str, str], set[str]] = {}  # env ids alive, idle or busy
        self._workers: dict[tuple[str, str], threading.Thread] = {}
        self.history: list[tuple[float, str, int]] = []  # (time, function, environments ready)
        self._closed = False
        self._lock = threading.Lock()

    # -- the control plane (AWS-shaped) ---------------------------------------------------------
    def put(self, function_name: str, qualifier: str | None, amount: Any) -> dict[str, Any]:
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise errors.InvalidParameterValueException(
                f"ProvisionedConcurrentExecutions must be a whole number >= 1 (got {amount!r})"
            )
        if amount < 1:
            raise errors.range_violation("provisionedConcurrentExecutions", amount, 1, None)
        config, qualifier, version, arn = self._resolve(function_name, qualifier)
        key = (config.name, qualifier)
        with self._lock:
            for other in self._configs.values():
                if (
                    other.function_name == config.name
                    and other.version == version
                    and other.qualifier != qualifier
                ):
                    raise errors.ResourceConflictException(
                        f"Alias can't be used for Provisioned Concurrency configuration on an already Provisioned "
                        f"version: version {version} already has it through {other.qualifier!r}"
                    )
            others = sum(
                c.requested for k, c in self._configs.items() if k[0] == config.name and k != key
            )
        self._concurrency.check_provisioned(config.name, others + amount)
        now = self._clock.time()
        with self._lock:
            entry = ProvisionedConfig(
                config.name, qualifier, version, arn, amount, aws_time.seconds_timestamp(now)
            )
            self._configs[key] = entry
            self._start_worker(config.name, version)
            answer = entry.as_aws(0)
        del answer["AvailableProvisionedConcurrentExecutions"]  # as AWS's own 202 answer
        return answer

    def get(self, function_name: str, qualifier: str | None) -> dict[str, Any]:
        entry = self._entry(function_name, qualifier)
        with self._lock:
            return entry.as_aws(len(self._members.get((entry.function_name, entry.version), ())))

    def delete(self, function_name: str, qualifier: str | None) -> None:
        entry = self._entry(function_name, qualifier)
        with self._lock:
            self._configs.pop((entry.function_name, entry.qualifier), None)
            ended = self._trim(entry.function_name, entry.version)
        self._end(ended)

    def list(self, function_name: str) -> builtins.list[dict[str, Any]]:
        """Every config of the function, in qualifier order (the API layer pages them)."""
        config = self._functions.get(function_name)
        with self._lock:
            return [
                {
                    "FunctionArn": c.arn,
                    **c.as_aws(len(self._members.get((c.function_name, c.version), ()))),
                }
                for c in sorted(self._configs.values(), key=lambda c: c.qualifier)
                if c.function_name == config.name
            ]

    def wait(
        self, function_name: str, qualifier: str | None, timeout_s: float = 60.0
    ) -> dict[str, Any]:
        """Block until the config leaves IN_PROGRESS (a notebook's stand-in for polling Get)."""
        entry = self._entry(function_name, qualifier)
        with self._lock:
            worker = self._workers.get((entry.function_name, entry.version))
        if worker is not None:
            worker.join(timeout_s)
        return self.get(function_name, qualifier)

    # -- allocation, for admission and metrics ---------------------------------------------------
    def functions(self) -> set[str]:
        with self._lock:
            return {name for name, _ in self._configs}

    def allocated(self, function_name: str) -> int:
        """Provisioned concurrency requested for the function, over all its versions and aliases."""
        with self._lock:
            return sum(
                c.requested for (name, _), c in self._configs.items() if name == function_name
            )

    def allocated_to(self, function_name: str, version: str) -> int:
        with self._lock:
            return sum(
                c.requested
                for c in self._configs.values()
                if c.function_name == function_name and c.version == version
            )

    # -- environments -------------------------------------------------------------------------------
    def take(self, function_name: str, version: str) -> Environment | None:
        """An idle provisioned environment of this version, or None (never blocks)."""
        with self._lock:
            idle = self._idle.get((function_name, version))
            return idle.pop() if idle else None

    def give_back(self, env: Environment, config: FunctionConfig) -> None:
        """After an invocation: back to idle, or ended if no longer wanted, or replaced if it died."""
        key = (env.function_name, env.version)
        with self._lock:
            members = self._members.setdefault(key, set())
            wanted = self._target(*key)
            if env.state.value == "ready" and env.env_id in members and len(members) <= wanted:
                self._idle.setdefault(key, []).append(env)
                return
            members.discard(env.env_id)
            self._note(env.function_name, key)
            replace = not self._closed and len(members) < wanted
        self._pool.discard(env)
        if replace:  # AWS re-initialises it; here the slot's caller waits for that init
            self._provision_one(config, env.version)

    def forget(self, function_name: str) -> None:
        with self._lock:
            for key in [k for k in self._configs if k[0] == function_name]:
                del self._configs[key]
            ended = [
                env
                for key in list(self._idle)
                if key[0] == function_name
                for env in self._trim(*key)
            ]
        self._end(ended)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._workers.values())
        for worker in workers:
            worker.join()

    # -- helpers ---------------------------------------------------------------------------------
    def _resolve(
        self, function_name: str, qualifier: str | None
    ) -> tuple[FunctionConfig, str, str, str]:
        config = self._functions.get(function_name)
        wanted = self._versions.qualifier(function_name, qualifier)
        unpublished = errors.InvalidParameterValueException(
            "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
        )
        if wanted == LATEST:
            raise unpublished
        if self._versions.is_alias(config.name, wanted):
            version = self._versions.get_alias(config, wanted).function_version
            if version == LATEST:
                raise unpublished
        elif wanted.isdigit():
            self._versions.version_config(config, wanted)  # ResourceNotFoundException if missing
            version = wanted
        else:
            raise errors.ResourceNotFoundException(f"Function not found: {config.arn}:{wanted}")
        return config, wanted, version, f"{config.arn}:{wanted}"

    def _entry(self, function_name: str, qualifier: str | None) -> ProvisionedConfig:
        config = self._functions.get(function_name)
        wanted = self._versions.qualifier(function_name, qualifier)
        with self._lock:
            entry = self._configs.get((config.name, wanted))
        if entry is None:
            raise errors.ProvisionedConcurrencyConfigNotFoundException(
                f"No Provisioned Concurrency Config found for this function ({config.arn}:{wanted})"
            )
        return entry

    def _target(self, function_name: str, version: str) -> int:
        return sum(
            c.requested
            for c in self._configs.values()
            if c.function_name == function_name and c.version == version
        )

    def _trim(self, function_name: str, version: str) -> builtins.list[Environment]:
        """Under the lock: take idle environments beyond the target out; the caller ends them."""
        key = (function_name, version)
        idle, members = self._idle.get(key, []), self._members.get(key, set())
        ended = []
        while idle and len(members) > self._target(*key):
            env = idle.pop(0)
            members.discard(env.env_id)
            ended.append(env)
        self._note(function_name, key)
        return ended

    def _end(self, environments: builtins.list[Environment]) -> None:
        for env in environments:
            self._pool.discard(env)

    def _note(self, function_name: str, key: tuple[str, str]) -> None:
        ready = sum(len(m) for k, m in self._members.items() if k[0] == function_name)
        if not self.history or self.history[-1][1:] != (function_name, ready):
            self.history.append((self._clock.time(), function_name, ready))

    def _start_worker(self, function_name: str, version: str) -> None:
        """Under the lock: make sure one background thread brings (name, version) to its target."""
        key = (function_name, version)
        worker = self._workers.get(key)
        if worker is not None and worker.is_alive():
            return
        worker = threading.Thread(
            target=self._provision, args=key, name=f"lambda-lab-pc-{function_name}", daemon=True
        )
        self._workers[key] = worker
        worker.start()

    def _provision(self, function_name: str, version: str) -> None:
        key = (function_name, version)
        problem: str | None = None
        while True:
            with self._lock:
                members = self._members.setdefault(key, set())
                missing = self._target(*key) - len(members)
                if self._closed or missing <= 0 or problem is not None:
                    ended = self._trim(*key)
                    for entry in self._configs.values() if not self._closed else ():
                        if (entry.function_name, entry.version) == key:
                            entry.status = FAILED if problem else READY
                            entry.status_reason = problem
                    del self._workers[key]
                    break
            try:
                config = self._versions.version_config(self._functions.get(function_name), version)
                self._concurrency.memory_check(function_name)
            except errors.LambdaError as exc:
                problem = exc.message
                continue
            problem = self._provision_one(config, version)
        self._end(ended)

    def _provision_one(self, config: FunctionConfig, version: str) -> str | None:
        """Start one provisioned environment; returns why it failed, or None."""
        env, outcome = self._pool.start(config, version, INITIALIZATION_TYPE)
        if outcome.outcome != "success":
            self._pool.discard(env)
            return f"FUNCTION_ERROR_INIT_FAILURE: {outcome.error_type or outcome.outcome}"
        key = (config.name, version)
        with self._lock:
            if self._closed:
                ended = [env]
            else:
                self._members.setdefault(key, set()).add(env.env_id)
                self._idle.setdefault(key, []).append(env)
                ended = self._trim(*key)
                self._note(config.name, key)
        self._end(ended)
        return None
