"""The Lab: one fake AWS account in one Region, owning everything that runs.

    with Lab() as lab:
        lab.deploy("demo-lambda", "def lambda_handler(event, context):\\n    return 'hi'")
        result = lab.invoke("demo-lambda", {"key1": "value1"})
        print(result.value, result.record.cold)

Widgets, the CLI, the boto3-shaped client and the HTTP endpoints are all thin views over
this object (DESIGN principle 1). Closing it, the interpreter exiting, or (in Jupyter) a
kernel shutdown or restart ends every process it started.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from lambda_lab import limits
from lambda_lab.aws.endpoint import LabEndpoint
from lambda_lab.clock import Clock
from lambda_lab.concurrency.controller import Concurrency, valid_account_limit
from lambda_lab.concurrency.memory_budget import DEFAULT_BUDGET_MB
from lambda_lab.control import packaging
from lambda_lab.control.create_or_update import create_or_update
from lambda_lab.control.functions import Registry
from lambda_lab.control.layers import LayerStore
from lambda_lab.control.lifecycle import DEFAULT_TRANSITION_S, Lifecycle
from lambda_lab.control.permissions import Policies
from lambda_lab.control.service import LambdaService
from lambda_lab.control.versions import Versions
from lambda_lab.environments import sandbox
from lambda_lab.environments.pool import DEFAULT_KEEP_ALIVE_S, EnvironmentPool
from lambda_lab.environments.spawner import Spawner
from lambda_lab.invocation.dispatch import Dispatcher
from lambda_lab.invocation.sync import InvokeResult, invoke_sync
from lambda_lab.monitoring.logs import LogStore
from lambda_lab.monitoring.records import RecordStore
from lambda_lab.monitoring.xray_daemon import XRayDaemon
from lambda_lab.notebook.kernel import close_labs_with_the_kernel
from lambda_lab.orchestration import step_functions
from lambda_lab.wiring import lifetime, parts

if TYPE_CHECKING:  # parts made on first use (Lab._part): their modules load with them
    from lambda_lab.api.rest import LambdaRestApi
    from lambda_lab.http.lab_doors import FrontDoors

DEFAULT_ROLE = f"arn:aws:iam::{limits.ACCOUNT_ID}:role/lambda-lab-role"  # what lab.deploy uses
_Part = TypeVar("_Part")


def current_lab() -> Lab:
    """The most recently created Lab that is still open, or a new one (for notebook magics)."""
    found = lifetime.latest_open()
    return Lab() if found is None else found


class Lab:
    """A mini AWS Lambda account: functions, environments, logs, records and a clock."""

    account_id = limits.ACCOUNT_ID

    def __init__(
        self,
        region: str = limits.DEFAULT_REGION,
        *,
        clock: str | Clock = "real",
        keep_alive_s: float = DEFAULT_KEEP_ALIVE_S,
        account_concurrency: int = limits.ACCOUNT_CONCURRENCY_DEFAULT,
        cpu_follows_memory: bool = True,
        scaling_rate_environments: int = limits.SCALING_RATE_ENVIRONMENTS,
        scaling_rate_period_s: float = limits.SCALING_RATE_PERIOD_S,
        memory_budget_mb: float = DEFAULT_BUDGET_MB,
        state_transition_s: float = DEFAULT_TRANSITION_S,
    ) -> None:
        """``state_transition_s``: how long, on the Lab's clock, a new function stays Pending
        and an update InProgress (``lab.deploy`` and ``lab.invoke`` wait for it; the API shows
        it). On a virtual clock the transition ends when the clock is advanced past it."""
        if not valid_account_limit(account_concurrency):
            raise ValueError(
                f"account_concurrency must be a whole number >= 1 (got {account_concurrency!r})"
            )
        # Everything the Lab owns refers back to it weakly (wiring.parts): a notebook that
        # re-runs `lab = Lab()` without close() must not keep the old Lab's processes alive.
        self.region = region
        self.clock = lifetime.make_clock(clock)
        sandbox.requested()  # a bad LAMBDA_LAB_SANDBOX is refused before anything is made
        self.root_dir = lifetime.new_run_folder()
        # How environments are isolated on this host (namespaces, or plain processes): said
        # in one line at start when protections are off.
        self.sandbox = sandbox.make_plan(self.root_dir)
        sandbox.announce(self.sandbox)
        self._spawner = Spawner(self.sandbox.as_json())
        EnvironmentPool.start_early(self._spawner)  # it boots while the rest is made and deployed
        self.functions = Registry(region)
        self.logs = LogStore(now=self.clock.time)
        self.records = RecordStore()
        self.versions = Versions()
        self.permissions = Policies()
        self.layers = LayerStore(self.root_dir, region, self.clock.time)
        layers = self.layers
        self.pool = EnvironmentPool(
            self._spawner,
            self.root_dir,
            self.clock,
            region,
            keep_alive_s,
            parts.weak_call(self, "_worker_environ"),
            plan=self.sandbox,
            layer_dir=lambda config: layers.opt_dir(config.layers),
        )
        self.pool.cpu_follows_memory = cpu_follows_memory
        # Admission: concurrency limits, provisioned concurrency, scaling rate, memory budget.
        self.concurrency = Concurrency(
            self.pool,
            self.clock,
            self.functions,
            self.versions,
            account_concurrency,
            scaling_rate_environments=scaling_rate_environments,
            scaling_rate_period_s=scaling_rate_period_s,
            memory_budget_mb=memory_budget_mb,
            template=self._spawner,
        )
        self.lifecycle = Lifecycle(
            self.clock,
            state_transition_s,
            applied=self.pool.retire,
            last_invoked=self.records.last_start,
        )
        # Invocation models: the async queue, triggers and pollers, and the loopback endpoint
        # through which handlers and the Lab reach S3, SQS, SNS, DynamoDB, Kinesis, EventBridge.
        self.dispatcher = Dispatcher(self.clock)
        self.aws = LabEndpoint(region, parts.endpoint_side(self))
        endpoint = self.aws
        self.service = LambdaService(
            region=region,
            functions=self.functions,
            versions=self.versions,
            policies=self.permissions,
            concurrency=self.concurrency,
            lifecycle=self.lifecycle,
            clock=self.clock,
            code_root=self.root_dir,
            retire=self.pool.retire,
            s3_client=lambda: endpoint.internal("s3"),
            layer_store=self.layers,
        )
        self.layers.s3_client = lambda: endpoint.internal("s3")
        # Deploying and watching: X-Ray segments, Step Functions (moto executes; its Lambda
        # tasks come here); EMF metrics, alarms on them, CodeDeploy traffic shifting and SAM
        # stacks are made on first use, below.
        self.xray = XRayDaemon()  # segments handlers send (annotations, subsegments)
        step_functions.register(self.aws)
        # The metrics beyond the records, the EMF metrics, the async queue and its deliveries,
        # triggers and pollers, alarms, deployments, stacks, front doors and the REST API are
        # made on first use (wiring.parts): a Lab that only deploys and invokes never imports
        # them, and none of them acts before it is asked to.
        self._parts: dict[str, Any] = {}
        self._parts_lock = threading.RLock()  # the event sources make the queue they feed
        self._closed = False
        self._on_close: list[Callable[[], Any]] = []
        self._finalizer = weakref.finalize(
            self,
            lifetime.cleanup,
            self._spawner,
            self.pool,
            self.clock,
            self.root_dir,
            (
                functools.partial(lifetime.run_callbacks, self._on_close),
                self.dispatcher.close,
                self.aws.close,
                self.concurrency.close,
                self.xray.close,
            ),
        )
        lifetime.register(self)
        close_labs_with_the_kernel()

    # -- parts made on first use ------------------------------------------------------------------
    def _part(self, name: str, make: Callable[[Lab], _Part]) -> _Part:
        found = self._parts.get(name)
        if found is None:
            with self._parts_lock:
                found = self._parts.get(name)
                if found is None:
                    found = self._parts[name] = make(self)
        return found

    metrics = parts.MadeOnFirstUse(parts.make_metrics)
    emf = parts.MadeOnFirstUse(parts.make_emf)
    deliverer = parts.MadeOnFirstUse(parts.make_deliverer)
    async_queue = parts.MadeOnFirstUse(parts.make_async_queue)
    event_sources = parts.MadeOnFirstUse(parts.make_event_sources)
    alarms = parts.MadeOnFirstUse(parts.make_alarms)
    deployments = parts.MadeOnFirstUse(parts.make_deployments)

    # -- lifecycle ------------------------------------------------------------------------------
    def close(self) -> None:
        """End every environment and the template process; remove the Lab's files."""
        self._closed = True
        front_doors = self._parts.get("front_doors")
        if front_doors is not None:
            front_doors.close()
        self._finalizer()

    @property
    def closed(self) -> bool:
        return self._closed

    def on_close(self, callback: Callable[[], Any]) -> None:
        """Run ``callback()`` when this Lab closes: ``close()``, the kernel shutting down or
        restarting, or Python exiting (a lesson's own servers and folders go with its Lab).

        ``callback`` must not hold the Lab itself (it would keep the Lab alive); errors it
        raises are ignored so that closing always finishes. On a closed Lab it runs at once.
        """
        if self._closed:
            lifetime.run_callbacks([callback])
        else:
            self._on_close.append(callback)

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self.functions.all())} functions"
        return f"<Lab {self.account_id} {self.region}: {state}>"

    # -- the short forms notebooks use ------------------------------------------------------------
    def deploy(
        self,
        name: str,
        code: str | os.PathLike[str] | bytes | Callable[..., Any],
        handler: str | None = None,
        **settings: Any,
    ) -> dict[str, Any]:
        """Create the function, or update its code and configuration if it exists.

        ``code`` is ZIP bytes, source text, a file or folder path, or a Python function;
        ``settings`` are CreateFunction's own names (MemorySize=512, Timeout=10, ...).
        """
        zip_bytes = code if isinstance(code, bytes) else packaging.package(code)
        if handler is None and callable(code) and not isinstance(code, bytes):
            handler = f"lambda_function.{code.__name__}"
        if handler is not None:
            settings["Handler"] = handler
        from lambda_lab.api import operation  # (Lambda's operations without the REST layer)

        call, settle = functools.partial(operation.call, self), self.lifecycle.settle
        create_or_update(
            call, self.functions, self.layers, settle, name, zip_bytes, settings, role=DEFAULT_ROLE
        )
        settle(name)  # the configuration once its transition is over (``aws lambda wait``)
        return self.service.get_function_configuration(name)

    def invoke(
        self,
        name: str,
        event: Any = None,
        *,
        payload: bytes | None = None,
        log_type: str = "Tail",
        qualifier: str | None = None,
        client_context: str | None = None,
    ) -> InvokeResult:
        """Invoke synchronously (RequestResponse). ``event`` is any JSON value."""
        trusted = payload is None
        if payload is None:
            payload = b"" if event is None else json.dumps(event).encode()
        self._ready(name, qualifier)
        return invoke_sync(
            self,
            name,
            payload,
            qualifier=qualifier,
            log_type=log_type,
            client_context=client_context,
            trusted_json=trusted,
        )

    def invoke_async(
        self,
        name: str,
        event: Any = None,
        *,
        payload: bytes | None = None,
        qualifier: str | None = None,
    ) -> dict[str, Any]:
        """Invoke asynchronously (InvocationType=Event): queued at once, answered 202.

        ``event`` is any JSON value (raw payload bytes are taken as they are). The attempts,
        retries and ending are in ``lab.async_queue.journey(answer["RequestId"])``.
        """
        if isinstance(event, (bytes, bytearray)) and payload is None:
            payload = bytes(event)
        elif payload is None:
            payload = b"" if event is None else json.dumps(event).encode()
        self._ready(name, qualifier)
        queued = self.async_queue.invoke(name, payload, qualifier=qualifier)
        return {"StatusCode": 202, "Payload": b"", "RequestId": queued.request_id}

    def _ready(self, name: str, qualifier: str | None) -> None:
        """Wait out a transition in flight, then raise what AWS answers a function that cannot
        run (an Inactive one: the failed invoke starts restoring it)."""
        config = self.functions.get(name)
        self.lifecycle.settle(config.name)
        version, _ = self.versions.resolve(config, name, qualifier, route=False)
        self.lifecycle.check_invoke(config.name, version)

    def layer_from_installed(
        self, *distributions: str, layer_name: str | None = None, dependencies: bool = True
    ) -> dict[str, Any]:
        """Publish a layer holding packages installed on this machine (``"pillow"``), as a
        learner would zip them under ``python/``; returns PublishLayerVersion's answer (its
        ``LayerVersionArn`` goes into a function's ``Layers``); compatible with the Python
        runtimes AWS supports on the Lab's date (``limits.runtimes_supported``)."""
        return self.layers.publish_installed(distributions, layer_name, dependencies)

    def service_client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for another service (s3, sqs, sns, dynamodb, kinesis, events, logs)."""
        return self.aws.client(service, **kwargs)

    def client(self, service: str = "lambda", **kwargs: Any) -> Any:
        """A boto3 client for this Lab: same methods, parameters, dicts and exceptions as AWS's."""
        from lambda_lab.client import make_client

        return make_client(self, service, **kwargs)

    def rest_api(self) -> LambdaRestApi:
        """The Lambda REST API over this Lab (shared by in-process clients and the HTTP endpoint)."""
        return self._part("rest_api", parts.make_rest_api)

    def serve(self, port: int = 0) -> LabEndpoint:
        """The Lab's loopback AWS endpoint (``lab.aws``), started on ``port`` (0: any free one),
        for unmodified boto3 and the AWS CLI: ``.url`` is what ``AWS_ENDPOINT_URL`` (or
        ``--endpoint-url``) should be. Closing the Lab stops it. See ``lambda-lab serve``.
        """
        return self.aws.serve(port)

    def front_doors(self) -> FrontDoors:
        """The HTTP front doors (ALB, API Gateway, function URL listeners), made on first use."""
        return self._part("front_doors", parts.make_front_doors)

    def alb(self, name: str, function_name: str, **options: Any) -> Any:
        """An Application Load Balancer forwarding to ``function_name``, on a loopback listener."""
        return self.front_doors().alb(name, function_name, **options)

    def http_api(self, name: str, routes: Any, **options: Any) -> Any:
        """An API Gateway HTTP API (payload 2.0), on a loopback listener."""
        return self.front_doors().http_api(name, routes, **options)

    def rest_api_gateway(self, name: str, routes: Any, **options: Any) -> Any:
        """An API Gateway REST API (payload 1.0); not :meth:`rest_api`, Lambda's own API."""
        return self.front_doors().rest_api_gateway(name, routes, **options)

    def deploy_template(
        self,
        template: str | os.PathLike[str] | dict[str, Any],
        stack_name: str | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> Any:
        """Deploy a SAM template (a path, YAML/JSON text or a dict): functions, aliases, APIs,
        queues, buckets, schedules, state machines... Returns a ``Stack``; ``print(stack)``
        shows endpoints, outputs and one line per part the Lab left out. See ``lambda-lab deploy``.
        """
        stacks = self._part("stacks", parts.make_stacks)
        return stacks.deploy(template, stack_name=stack_name, parameters=parameters)

    def environments(self, name: str | None = None) -> list[Any]:
        """The execution environments alive now (warm or busy), for a function or all."""
        return self.pool.environments(name)

    def bill(
        self, month_scale: Any = None, free_tier: bool = True, function: str | None = None
    ) -> Any:
        """The itemised bill of what ran here (or of one ``function``), from the invocation records.

        ``month_scale`` (invocations a month, or a ``pricing.MonthScale``) grows it to a month.
        """
        from lambda_lab.pricing.calculator import bill_from_store

        records = self.records
        if function is not None and not records.usage(function).invocations:
            if not records.for_function(function):
                self.functions.get(function)  # an unknown name is ResourceNotFoundException, not $0
        return bill_from_store(records, function, month_scale=month_scale, free_tier=free_tier)

    def _worker_environ(self) -> dict[str, str]:
        """Variables every new environment gets from the Lab's services (e.g. the loopback endpoint)."""
        # Always the loopback endpoint, so that a handler's boto3 never reaches real AWS.
        return {**self.aws.worker_environ(), **self.xray.worker_environ()}
