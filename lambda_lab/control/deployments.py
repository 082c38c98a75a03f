"""CodeDeploy for Lambda: shifting an alias's traffic to a new version, on the Lab's clock.

A deployment moves alias ``live`` from version ``1`` to version ``2`` in steps:

* **Canary** (``LambdaCanary10Percent5Minutes``): 10 % of invocations go to version 2 at
  once (the alias's RoutingConfig), the remaining 90 % follow after 5 minutes;
* **Linear** (``LambdaLinear10PercentEvery1Minute``): 10 % more every minute;
* **AllAtOnce**: everything at once.

Before any traffic moves, a *PreTraffic* hook function may test the new version; after all
of it has moved, a *PostTraffic* hook may test again. Each hook reports its verdict with
``PutLifecycleEventHookExecutionStatus`` (Succeeded or Failed), which the Lab answers on its
endpoint, so a hook written with boto3 works unchanged. While the deployment runs, its
CloudWatch alarms are evaluated every minute; an alarm in ALARM stops the deployment and
rolls the alias back to the old version, as does a failed hook. Timers run on the Lab's
clock: on a virtual clock ``clock.advance(minutes=5)`` plays a whole canary.
"""

from __future__ import annotations

import random
import string
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lambda_lab.clock import Clock, Timer
from lambda_lab.monitoring.alarms import ALARM, Alarms

PREFIX = "CodeDeployDefault.Lambda"
# Predefined deployment configurations: name -> (type, percentage per step, minutes per step)
CONFIGS = {
    f"{PREFIX}AllAtOnce": ("AllAtOnce", 100, 0),
    **{f"{PREFIX}Canary10Percent{m}Minutes": ("Canary", 10, m) for m in (5, 10, 15, 30)},
    f"{PREFIX}Linear10PercentEvery1Minute": ("Linear", 10, 1),
    **{f"{PREFIX}Linear10PercentEvery{m}Minutes": ("Linear", 10, m) for m in (2, 3, 10)},
}
ALARM_CHECK_S = 60  # CloudWatch evaluates a one-minute alarm once a minute
HOOK_TIMEOUT_S = 3600  # a hook that never reports fails after an hour
BEFORE, ALLOW, AFTER = "BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"


def config_name(value: str) -> str:
    """A SAM DeploymentPreference Type (``Canary10Percent5Minutes``) or a CodeDeploy name."""
    name = value if value.startswith("CodeDeployDefault.") else f"{PREFIX}{value}"
    if name not in CONFIGS:
        short = ", ".join(n[len(PREFIX) :] for n in CONFIGS)
        raise ValueError(f"unknown deployment configuration {value!r}; expected one of {short}")
    return name


@dataclass
class Deployment:
    deployment_id: str
    function_name: str
    alias: str
    from_version: str
    to_version: str
    config: str
    alarms: list[str]
    hooks: dict[str, str]  # lifecycle event -> hook function name
    application: str = "ServerlessDeploymentApplication"
    group: str = ""
    status: str = "Created"
    error: dict[str, str] | None = None
    created: float = 0.0
    completed: float | None = None
    lifecycle: dict[str, str] = field(default_factory=lambda: {BEFORE: "Pending", ALLOW: "Pending",
                                                              AFTER: "Pending"})  # fmt: skip
    shifts: list[tuple[float, int]] = field(default_factory=list)  # (when, % on the new version)
    log: list[tuple[float, str]] = field(default_factory=list)
    rolled_back: bool = False
    _timers: list[Timer] = field(default_factory=list, repr=False)
    _waiting: dict[str, Callable[[Deployment], None]] = field(default_factory=dict, repr=False)

    @property
    def finished(self) -> bool:
        return self.status in ("Succeeded", "Failed", "Stopped")

    def describe(self) -> str:
        """The deployment's story, one event per line, with minutes from its start."""
        lines = [f"{self.deployment_id}: {self.function_name}:{self.alias} version "
                 f"{self.from_version} -> {self.to_version} ({self.config[len(PREFIX):]}): {self.status}"]  # fmt: skip
        lines += [f"  +{(at - self.created) / 60:5.1f} min  {text}" for at, text in self.log]
        return "\n".join(lines)

    def as_aws(self) -> dict[str, Any]:
        """GetDeployment's deploymentInfo (the parts that apply to a Lambda deployment)."""
        info: dict[str, Any] = {
            "applicationName": self.application, "deploymentGroupName": self.group,
            "deploymentConfigName": self.config, "deploymentId": self.deployment_id,
            "status": self.status, "createTime": self.created, "computePlatform": "Lambda",
            "creator": "user", "deploymentStyle": {"deploymentType": "BLUE_GREEN",
                                                   "deploymentOption": "WITH_TRAFFIC_CONTROL"},
            "deploymentStatusMessages": [text for _, text in self.log],
        }  # fmt: skip
        if self.completed is not None:
            info["completeTime"] = self.completed
        if self.error:
            info["errorInformation"] = dict(self.error)
        if self.rolled_back:
            info["rollbackInfo"] = {"rollbackMessage": "Automatic rollback: the alias points "
                                    f"to version {self.from_version} again"}  # fmt: skip
        return info


class DeploymentError(ValueError):
    """An AWS CodeDeploy error: ``code`` is the exception's name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Deployments:
    """Every deployment of the Lab; thread-safe. Collaborators: the clock, a Lambda client
    (aliases), an invoke callable (hooks) and the alarms."""

    def __init__(
        self,
        clock: Clock,
        lambda_client: Callable[[], Any],
        invoke: Callable[[str, Any], Any],
        alarms: Alarms,
    ) -> None:
        self._clock = clock
        self._lambda_factory = lambda_client
        self._lambda_client: Any = None
        self._invoke = invoke
        self._alarms = alarms
        self._deployments: dict[str, Deployment] = {}
        self._hooks: dict[str, tuple[str, str]] = {}  # hook execution id -> (deployment, event)
        self._lock = threading.RLock()

    def _lambda(self) -> Any:
        """The Lambda client, made on first use (making one costs milliseconds)."""
        if self._lambda_client is None:
            self._lambda_client = self._lambda_factory()
        return self._lambda_client

    # -- starting -----------------------------------------------------------------------------
    def start(
        self,
        function_name: str,
        alias: str,
        to_version: str,
        config: str = "AllAtOnce",
        *,
        alarms: list[str] | tuple[str, ...] = (),
        pre_traffic: str | None = None,
        post_traffic: str | None = None,
        group: str = "",
    ) -> Deployment:
        """Shift ``alias`` from the version it points to now to ``to_version``."""
        name = config_name(config)
        for alarm in alarms:
            self._alarms.get(alarm)  # KeyError names a missing alarm before anything moves
        current = self._lambda().get_alias(FunctionName=function_name, Name=alias)
        running = [d for d in self.all() if not d.finished
                   and (d.function_name, d.alias) == (function_name, alias)]  # fmt: skip
        if running:
            raise DeploymentError(
                "DeploymentLimitExceededException",
                f"deployment {running[0].deployment_id} is still shifting {function_name}:{alias}; "
                "wait for it to end or stop it first",
            )
        if current["FunctionVersion"] == str(to_version):
            raise DeploymentError(
                "InvalidRevisionException",
                f"{function_name}:{alias} already points at version {to_version}: nothing to shift",
            )
        hooks = {BEFORE: pre_traffic, AFTER: post_traffic}
        deployment = Deployment(
            deployment_id="d-" + "".join(random.choices(string.ascii_uppercase + string.digits, k=9)),
            function_name=function_name, alias=alias, from_version=current["FunctionVersion"],
            to_version=str(to_version), config=name, alarms=list(alarms),
            hooks={k: v for k, v in hooks.items() if v}, group=group or f"{function_name}DeploymentGroup",
            created=self._clock.time(),
        )  # fmt: skip
        with self._lock:
            self._deployments[deployment.deployment_id] = deployment
        deployment.status = "InProgress"
        self._note(deployment, f"deployment started ({len(alarms)} alarms watched)")
        self._watch_alarms(deployment)
        self._run_hook(deployment, BEFORE, then=self._begin_shifting)
        return deployment

    def get(self, deployment_id: str) -> Deployment:
        with self._lock:
            found = self._deployments.get(deployment_id)
        if found is None:
            raise DeploymentError(
                "DeploymentDoesNotExistException",
                f"The deployment {deployment_id} could not be found.",
            )
        return found

    def all(self) -> list[Deployment]:
        with self._lock:
            return list(self._deployments.values())

    def stop(self, deployment_id: str, reason: str = "stopped by the user") -> Deployment:
        deployment = self.get(deployment_id)
        if not deployment.finished:
            self._roll_back(deployment, "Stopped", "MANUAL_STOP", reason)
        return deployment

    # -- traffic ------------------------------------------------------------------------------
    def _begin_shifting(self, deployment: Deployment) -> None:
        kind, step, minutes = CONFIGS[deployment.config]
        deployment.lifecycle[ALLOW] = "InProgress"
        if kind == "AllAtOnce":
            self._shift(deployment, 100)
            return
        self._shift(deployment, step)
        percents = [100] if kind == "Canary" else list(range(2 * step, 101, step))
        for index, percent in enumerate(percents, start=1):
            timer = self._clock.call_later(60 * minutes * index, self._shift, deployment, percent)
            deployment._timers.append(timer)

    def _shift(self, deployment: Deployment, percent: int) -> None:
        if deployment.finished:
            return
        client = self._lambda()
        if percent >= 100:
            client.update_alias(FunctionName=deployment.function_name, Name=deployment.alias,
                                FunctionVersion=deployment.to_version,
                                RoutingConfig={"AdditionalVersionWeights": {}})  # fmt: skip
        else:
            client.update_alias(FunctionName=deployment.function_name, Name=deployment.alias,
                                FunctionVersion=deployment.from_version,
                                RoutingConfig={"AdditionalVersionWeights":
                                               {deployment.to_version: percent / 100}})  # fmt: skip
        deployment.shifts.append((self._clock.time(), percent))
        self._note(deployment, f"{percent}% of traffic on version {deployment.to_version}")
        if percent >= 100:
            deployment.lifecycle[ALLOW] = "Succeeded"
            self._run_hook(deployment, AFTER, then=self._succeed)

    def _succeed(self, deployment: Deployment) -> None:
        self._check_alarms(deployment)  # a last look before declaring success
        if deployment.finished:
            return
        self._finish(deployment, "Succeeded")

    # -- hooks --------------------------------------------------------------------------------
    def _run_hook(
        self, deployment: Deployment, event: str, then: Callable[[Deployment], None]
    ) -> None:
        function = deployment.hooks.get(event)
        if function is None:
            deployment.lifecycle[event] = "Skipped"
            then(deployment)
            return
        execution_id = str(uuid.uuid4())
        with self._lock:
            self._hooks[execution_id] = (deployment.deployment_id, event)
            deployment.lifecycle[event] = "InProgress"
            deployment._waiting[execution_id] = then  # what follows once the hook reports
        self._note(deployment, f"{event}: invoking hook {function}")
        timer = self._clock.call_later(HOOK_TIMEOUT_S, self._hook_timed_out, deployment, event)
        deployment._timers.append(timer)
        self._invoke(function, {"DeploymentId": deployment.deployment_id,
                                "LifecycleEventHookExecutionId": execution_id})  # fmt: skip

    def report_hook(self, deployment_id: str, execution_id: str, status: str) -> str:
        """PutLifecycleEventHookExecutionStatus: a hook's verdict, Succeeded or Failed."""
        deployment = self.get(deployment_id)
        with self._lock:
            found = self._hooks.get(execution_id)
            if found is None or found[0] != deployment_id:
                raise DeploymentError("InvalidLifecycleEventHookExecutionIdException",
                                      f"Lifecycle event hook execution {execution_id} is not valid.")  # fmt: skip
            if status not in ("Succeeded", "Failed"):
                raise DeploymentError("InvalidLifecycleEventHookExecutionStatusException",
                                      f"The status {status} is not valid: use Succeeded or Failed.")  # fmt: skip
            event = found[1]
            if deployment.lifecycle[event] != "InProgress" or deployment.finished:
                raise DeploymentError("LifecycleEventAlreadyCompletedException",
                                      f"The lifecycle event {event} is already completed.")  # fmt: skip
            deployment.lifecycle[event] = status
            then = deployment._waiting.pop(execution_id)
        self._note(deployment, f"{event}: hook reported {status}")
        if status == "Failed":
            self._roll_back(deployment, "Failed", "HOOK_EXECUTION_FAILURE",
                            f"the {event} hook reported Failed")  # fmt: skip
        else:
            # Continue off the hook's own request: the handler gets its answer first.
            self._clock.call_later(0, then, deployment)
        return execution_id

    def _hook_timed_out(self, deployment: Deployment, event: str) -> None:
        if deployment.lifecycle.get(event) == "InProgress" and not deployment.finished:
            deployment.lifecycle[event] = "Failed"
            self._roll_back(deployment, "Failed", "TIMEOUT",
                            f"the {event} hook did not report a status within an hour")  # fmt: skip

    # -- alarms -------------------------------------------------------------------------------
    def _watch_alarms(self, deployment: Deployment) -> None:
        if not deployment.alarms or deployment.finished:
            return
        timer = self._clock.call_later(ALARM_CHECK_S, self._alarm_tick, deployment)
        deployment._timers.append(timer)

    def _alarm_tick(self, deployment: Deployment) -> None:
        self._check_alarms(deployment)
        self._watch_alarms(deployment)

    def _check_alarms(self, deployment: Deployment) -> None:
        if deployment.finished:
            return
        for name in deployment.alarms:
            if self._alarms.evaluate(name) == ALARM:
                reason = self._alarms.get(name).state_reason
                self._roll_back(deployment, "Stopped", "ALARM_ACTIVE",
                                f"alarm {name} is in ALARM ({reason})")  # fmt: skip
                return

    # -- endings ------------------------------------------------------------------------------
    def _roll_back(self, deployment: Deployment, status: str, code: str, message: str) -> None:
        self._lambda().update_alias(FunctionName=deployment.function_name, Name=deployment.alias,
                                    FunctionVersion=deployment.from_version,
                                    RoutingConfig={"AdditionalVersionWeights": {}})  # fmt: skip
        deployment.rolled_back = True
        deployment.shifts.append((self._clock.time(), 0))
        deployment.error = {"code": code, "message": message}
        self._note(deployment, f"{message}: rolled back, 100% on version {deployment.from_version}")
        for event, state in deployment.lifecycle.items():
            if state in ("Pending", "InProgress"):
                deployment.lifecycle[event] = "Failed" if state == "InProgress" else "Skipped"
        self._finish(deployment, status)

    def _finish(self, deployment: Deployment, status: str) -> None:
        deployment.status = status
        deployment.completed = self._clock.time()
        for timer in deployment._timers:
            timer.cancel()
        self._note(deployment, f"deployment {status.lower()}")

    def _note(self, deployment: Deployment, text: str) -> None:
        deployment.log.append((self._clock.time(), text))
