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
import glob
import json
import os
import shutil
import sys
import tempfile
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from lambda_lab import limits
from lambda_lab.aws.endpoint import LabEndpoint
from lambda_lab.aws.middleware import LabSide
from lambda_lab.clock import Clock, RealClock, VirtualClock
from lambda_lab.concurrency.controller import Concurrency
from lambda_lab.concurrency.memory_budget import DEFAULT_BUDGET_MB
from lambda_lab.control import packaging
from lambda_lab.control.functions import Registry, check_settings
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
from lambda_lab.monitoring.emf import EmfMetrics
from lambda_lab.monitoring.logs import LogStore
from lambda_lab.monitoring.metrics import Metrics
from lambda_lab.monitoring.records import RecordStore
from lambda_lab.monitoring.xray_daemon import XRayDaemon
from lambda_lab.orchestration import step_functions

if TYPE_CHECKING:  # parts made on first use (Lab._part): their modules load with them
    from lambda_lab.aws.delivery import Deliverer
    from lambda_lab.control.deployments import Deployments
    from lambda_lab.event_sources.hub import EventSources
    from lambda_lab.invocation.asynchronous import AsyncQueue
    from lambda_lab.monitoring.alarms import Alarms


def run_base_dir() -> str:
    """Where Labs keep their files: outside /tmp when possible, because each environment
    gets its own private /tmp mounted over the real one (and would not see the code)."""
    for candidate in (os.environ.get("LAMBDA_LAB_RUN_DIR", ""), "/var/tmp"):
        if candidate and os.path.isdir(candidate) and os.access(candidate, os.W_OK | os.X_OK):
            return candidate
    return tempfile.gettempdir()


def remove_stale_labs(base: str) -> int:
    """Remove the folders of Labs whose process is gone (a kernel killed before close())."""
    removed = 0
    for path in glob.glob(os.path.join(base, "lambda-lab-*-*")):
        pid_text = os.path.basename(path).split("-")[2]
        if not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
        except PermissionError:
            continue  # alive, and someone else's
    return removed


_open_labs: list[weakref.ref[Lab]] = []
DEFAULT_ROLE = f"arn:aws:iam::{limits.ACCOUNT_ID}:role/lambda-lab-role"  # what lab.deploy uses


def current_lab() -> Lab:
    """The most recently created Lab that is still open, or a new one (for notebook magics)."""
    for ref in reversed(_open_labs):
        lab = ref()
        if lab is not None and not lab.closed:
            return lab
    return Lab()


def _weak_call(owner: Any, method: str) -> Callable[[], Any]:
    """A callable for ``owner.method()`` that does not keep ``owner`` alive."""
    ref = weakref.ref(owner)

    def call() -> Any:
        target = ref()
        return {} if target is None else getattr(target, method)()

    return call


_Owner = TypeVar("_Owner")
_Params = ParamSpec("_Params")
_Result = TypeVar("_Result")


def _weakly(
    owner: _Owner, function: Callable[Concatenate[_Owner, _Params], _Result]
) -> Callable[_Params, _Result]:
    """``function(owner, ...)`` as a callable that does not keep ``owner`` alive (a bound method
    would): once the owner is gone it raises ReferenceError, as a weak proxy does."""
    ref = weakref.ref(owner)

    def call(*args: _Params.args, **kwargs: _Params.kwargs) -> _Result:
        target = ref()
        if target is None:
            raise ReferenceError("weakly-referenced object no longer exists")
        return function(target, *args, **kwargs)

    return call


def _still_open(owner: Lab) -> Callable[[], bool]:
    """Whether ``owner`` is alive and not closed, asked without keeping it alive."""
    ref = weakref.ref(owner)
    return lambda: (target := ref()) is not None and not target.closed


def _event_sources(lab: Lab) -> EventSources | None:
    """The triggers and pollers the endpoint's hooks reach (made by the first request)."""
    if not hasattr(lab, "_parts"):
        return None  # the Lab is still being built
    return lab.event_sources


def _read_logs(lab: Lab, request: Any) -> Any:
    """CloudWatch Logs reads of the Lab's log groups, through the endpoint."""
    from lambda_lab.api import logs_api

    return logs_api.answer(lab, request)


def _answer_codedeploy(lab: Lab, request: Any) -> tuple[int, dict[str, str], bytes] | None:
    """CodeDeploy calls a deployment's hooks make (PutLifecycleEventHookExecutionStatus...)."""
    from lambda_lab.control import codedeploy_api

    return codedeploy_api.answer_request(lab.deployments, request)


def _make_deliverer(lab: Lab) -> Deliverer:
    from lambda_lab.aws.delivery import Deliverer

    return Deliverer(lab.aws.internal, lab.clock, _weakly(lab, Lab.invoke_async))


def _make_async_queue(lab: Lab) -> AsyncQueue:
    from lambda_lab.invocation.asynchronous import AsyncQueue

    return AsyncQueue(
        functions=lab.functions,
        versions=lab.versions,
        clock=lab.clock,
        dispatcher=lab.dispatcher,
        invoke=_weakly(lab, invoke_sync),
        reserved=lab.concurrency.reserved,
        metrics=lab.metrics,
        deliverer=lab.deliverer,
        region=lab.region,
    )


def _make_event_sources(lab: Lab) -> EventSources:
    from lambda_lab.event_sources.hub import EventSources
    from lambda_lab.event_sources.mappings.poller import PollerTools

    tools = PollerTools(
        lab.functions,
        lab.clock,
        lab.dispatcher,
        lab.aws.internal,
        _weakly(lab, invoke_sync),
        lab.metrics,
        lab.deliverer,
    )
    return EventSources(
        tools, versions=lab.versions, queue=lab.async_queue.invoke, region=lab.region
    )


def _make_alarms(lab: Lab) -> Alarms:
    from lambda_lab.monitoring.alarms import Alarms

    return Alarms(lab.clock.time, lab.records.for_function, lab.emf, lab.region)


def _make_deployments(lab: Lab) -> Deployments:
    from lambda_lab.control.deployments import Deployments

    return Deployments(lab.clock, _weak_call(lab, "client"), _weakly(lab, Lab.invoke), lab.alarms)


def close_open_labs() -> int:
    """Close every Lab of this process that is still open; how many there were."""
    labs = [lab for ref in _open_labs if (lab := ref()) is not None and not lab.closed]
    for lab in labs:
        lab.close()
    return len(labs)


def _on_exit_now(change: dict[str, Any]) -> None:
    if change["new"]:
        try:
            close_open_labs()
        except Exception:  # noqa: BLE001 - a failed close must not stop the kernel's shutdown
            pass  # the template still ends when the kernel's socket to it closes


_watching_the_shell = False


def _close_labs_with_the_kernel() -> None:
    """Under IPython (a Jupyter kernel), close the Labs as soon as the shell is told to exit.

    A kernel shutdown or restart sets the shell's ``exit_now`` first; only then does ipykernel
    SIGTERM the processes it started, the Lab's template among them. A template ended that way
    leaves what a frozen environment had started (a shell runtime's ``mktemp``, ``curl``)
    stopped forever; a Lab closed first ends its environments whole. Registered once.
    """
    global _watching_the_shell
    ipython = sys.modules.get("IPython")  # not loaded: not a kernel, nothing to watch
    shell = ipython.get_ipython() if ipython is not None else None
    if _watching_the_shell or shell is None or not shell.has_trait("exit_now"):
        return
    shell.observe(_on_exit_now, names="exit_now")
    _watching_the_shell = True


def _run_callbacks(callbacks: list[Callable[[], Any]]) -> None:
    """Run what was registered with ``Lab.on_close``; one failing never stops the rest."""
    while callbacks:
        try:
            callbacks.pop(0)()
        except Exception:  # noqa: BLE001 - closing must finish whatever one step does
            pass


def _make_clock(clock: str | Clock) -> Clock:
    if isinstance(clock, Clock):
        return clock
    if clock == "real":
        return RealClock()
    if clock == "virtual":
        return VirtualClock()
    raise ValueError(f"clock must be 'real', 'virtual' or a Clock (got {clock!r})")


def _cleanup(
    spawner: Spawner,
    pool: EnvironmentPool,
    clock: Clock,
    root_dir: str,
    closers: tuple[Callable[[], None], ...] = (),
) -> None:
    for close in closers:  # background threads and the services endpoint first
        close()
    pool.close()
    spawner.close()
    clock.close()
    shutil.rmtree(root_dir, ignore_errors=True)


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
        if (
            isinstance(account_concurrency, bool)
            or not isinstance(account_concurrency, int)
            or account_concurrency < 1
        ):
            raise ValueError(
                f"account_concurrency must be a whole number >= 1 (got {account_concurrency!r})"
            )
        # Everything the Lab owns refers back to it weakly (_weakly, _weak_call): a notebook
        # that re-runs `lab = Lab()` without close() must not keep the old Lab's processes alive.
        self.region = region
        self.clock = _make_clock(clock)
        sandbox.requested()  # a bad LAMBDA_LAB_SANDBOX is refused before anything is made
        remove_stale_labs(run_base_dir())
        self.root_dir = tempfile.mkdtemp(prefix=f"lambda-lab-{os.getpid()}-", dir=run_base_dir())
        os.chmod(self.root_dir, 0o711)  # workers may run as 'nobody': they must reach their code
        self.functions = Registry(region)
        self.logs = LogStore(now=self.clock.time)
        self.records = RecordStore()
        self.versions = Versions()
        self.permissions = Policies()
        # How environments are isolated on this host (namespaces, or plain processes): said
        # in one line at start when protections are off.
        self.sandbox = sandbox.make_plan(self.root_dir)
        sandbox.announce(self.sandbox)
        self.layers = LayerStore(self.root_dir, region)
        layers = self.layers
        self._spawner = Spawner(self.sandbox.as_json())
        self.pool = EnvironmentPool(
            self._spawner,
            self.root_dir,
            self.clock,
            region,
            keep_alive_s,
            _weak_call(self, "_worker_environ"),
            plan=self.sandbox,
            layer_dir=lambda config: layers.opt_dir(config.layers),
        )
        self.pool.cpu_follows_memory = cpu_follows_memory
        self.concurrency = (
            Concurrency(  # admission: limits, provisioned, scaling rate, memory budget
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
        )
        records = self.records

        def last_invoked(name: str) -> float | None:
            last = records.last(name)
            return None if last is None else last.start

        self.lifecycle = Lifecycle(
            self.clock, state_transition_s, applied=self.pool.retire, last_invoked=last_invoked
        )
        # Invocation models: the async queue, triggers and pollers, and the loopback endpoint
        # through which handlers and the Lab reach S3, SQS, SNS, DynamoDB, Kinesis, EventBridge.
        self.metrics = Metrics(self.clock.time)
        self.dispatcher = Dispatcher(self.clock)
        self.aws = LabEndpoint(
            region,
            LabSide(
                is_open=_still_open(self),
                lambda_api=_weakly(self, Lab.rest_api),
                logs_reads=_weakly(self, _read_logs),
                hooks=_weakly(self, _event_sources),
                codedeploy=_weakly(self, _answer_codedeploy),
            ),
        )
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
        # Deploying and watching: EMF metrics, alarms on them, CodeDeploy traffic shifting,
        # Step Functions (moto executes; its Lambda tasks come here), SAM stacks.
        self.emf = EmfMetrics(self.clock.time)
        self.xray = XRayDaemon()  # segments handlers send (annotations, subsegments)
        step_functions.register(self.aws)
        # The async queue and its deliveries, triggers and pollers, alarms and deployments are
        # made on first use (see the properties below): a Lab that only deploys and invokes
        # never imports them, and none of them acts before it is asked to.
        self._parts: dict[str, Any] = {}
        self._parts_lock = threading.RLock()  # the event sources make the queue they feed
        self._stacks: Any = None
        self._rest_api: Any = None
        self._front_doors: Any = None  # ALB / API Gateway / function URL listeners, once one exists
        self._closed = False
        self._on_close: list[Callable[[], Any]] = []
        self._finalizer = weakref.finalize(
            self,
            _cleanup,
            self._spawner,
            self.pool,
            self.clock,
            self.root_dir,
            (
                functools.partial(_run_callbacks, self._on_close),
                self.dispatcher.close,
                self.aws.close,
                self.concurrency.close,
                self.xray.close,
            ),
        )
        _open_labs[:] = [ref for ref in _open_labs if ref() is not None] + [weakref.ref(self)]
        _close_labs_with_the_kernel()

    # -- parts made on first use ------------------------------------------------------------------
    def _part(self, name: str, make: Callable[[Lab], _Result]) -> _Result:
        found = self._parts.get(name)
        if found is None:
            with self._parts_lock:
                found = self._parts.get(name)
                if found is None:
                    found = self._parts[name] = make(self)
        return found

    @property
    def deliverer(self) -> Deliverer:
        """Sends async results to destinations and dead-letter queues (SQS, SNS, EventBridge,
        Lambda)."""
        return self._part("deliverer", _make_deliverer)

    @property
    def async_queue(self) -> AsyncQueue:
        """Asynchronous invocations (InvocationType=Event): queue, retries, destinations."""
        return self._part("async_queue", _make_async_queue)

    @property
    def event_sources(self) -> EventSources:
        """Triggers (S3, SNS, EventBridge) and event source mappings (SQS, Kinesis, DynamoDB)."""
        return self._part("event_sources", _make_event_sources)

    @property
    def alarms(self) -> Alarms:
        """CloudWatch alarms on the Lab's metrics and EMF metrics."""
        return self._part("alarms", _make_alarms)

    @property
    def deployments(self) -> Deployments:
        """CodeDeploy deployments: traffic shifting between alias versions, hooks, rollbacks."""
        return self._part("deployments", _make_deployments)

    # -- lifecycle ------------------------------------------------------------------------------
    def close(self) -> None:
        """End every environment and the template process; remove the Lab's files."""
        self._closed = True
        if self._front_doors is not None:
            self._front_doors.close()
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
            _run_callbacks([callback])
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
        api = self.rest_api()
        if name not in self.functions:
            settings.setdefault("Role", DEFAULT_ROLE)
            api.call(
                "CreateFunction", {"FunctionName": name, "Code": {"ZipFile": zip_bytes}, **settings}
            )
            return self._settled(name)
        # Check every setting before touching the code, so a bad value changes nothing.
        check_settings(self.functions.get(name), settings)
        if "Layers" in settings:
            self.layers.for_function(settings["Layers"], 0)
        self.lifecycle.settle(name)
        code_params: dict[str, Any] = {"FunctionName": name, "ZipFile": zip_bytes}
        if "Architectures" in settings:  # as on AWS: the architecture travels with the code
            code_params["Architectures"] = settings.pop("Architectures")
        api.call("UpdateFunctionCode", code_params)
        self.lifecycle.settle(name)
        if settings:
            api.call("UpdateFunctionConfiguration", {"FunctionName": name, **settings})
        return self._settled(name)

    def _settled(self, name: str) -> dict[str, Any]:
        """The function's configuration once its transition is over (``aws lambda wait``)."""
        self.lifecycle.settle(name)
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
        ``LayerVersionArn`` goes into a function's ``Layers``)."""
        zip_bytes = packaging.layer_from_installed(*distributions, dependencies=dependencies)
        name = layer_name or "-".join(d.lower() for d in distributions)
        return self.layers.publish(
            {
                "LayerName": name,
                "Description": f"{', '.join(distributions)} from this machine's Python",
                "Content": {"ZipFile": zip_bytes},
                "CompatibleRuntimes": list(limits.PYTHON_RUNTIMES),
            }
        )

    def service_client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for another service (s3, sqs, sns, dynamodb, kinesis, events, logs)."""
        return self.aws.client(service, **kwargs)

    def client(self, service: str = "lambda", **kwargs: Any) -> Any:
        """A boto3 client for this Lab: same methods, parameters, dicts and exceptions as AWS's."""
        from lambda_lab.client import make_client

        return make_client(self, service, **kwargs)

    def rest_api(self) -> Any:
        """The Lambda REST API over this Lab (shared by in-process clients and the HTTP endpoint)."""
        if self._rest_api is None:
            from lambda_lab.api.rest import LambdaRestApi

            self._rest_api = LambdaRestApi(weakref.proxy(self))
        return self._rest_api

    def serve(self, port: int = 0) -> Any:
        """The Lab's loopback AWS endpoint (``lab.aws``), started on ``port`` (0: any free one),
        for unmodified boto3 and the AWS CLI: ``.url`` is what ``AWS_ENDPOINT_URL`` (or
        ``--endpoint-url``) should be. Closing the Lab stops it. See ``lambda-lab serve``.
        """
        try:
            self.aws.start(port)
        except SystemExit:  # werkzeug's server exits the process when the port is taken
            raise OSError(
                f"port {port} on 127.0.0.1 is already in use: choose another one"
            ) from None
        running = int(self.aws.url.rsplit(":", 1)[1])
        if port and running != port:
            raise OSError(
                f"the Lab's endpoint already listens on {self.aws.url}; it cannot move to port {port}"
            )
        return self.aws

    def front_doors(self) -> Any:
        """The HTTP front doors (``lambda_lab.http.lab_doors.FrontDoors``), made on first use."""
        if self._front_doors is None:
            from lambda_lab.http.lab_doors import FrontDoors

            self._front_doors = FrontDoors(weakref.proxy(self))
        return self._front_doors

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
        if self._stacks is None:
            from lambda_lab.control.sam import SamServices, Stacks

            me = weakref.proxy(self)
            self._stacks = Stacks(
                SamServices(
                    lambda_client=self.client("lambda"),
                    client=me.service_client,
                    rest_api=me.rest_api_gateway,
                    http_api=me.http_api,
                    region=self.region,
                    account_id=self.account_id,
                    deployments=self.deployments,
                    alarms=self.alarms,
                    settle=self.lifecycle.settle,
                )  # fmt: skip
            )
        return self._stacks.deploy(template, stack_name=stack_name, parameters=parameters)

    def environments(self, name: str | None = None) -> list[Any]:
        """The execution environments alive now (warm or busy), for a function or all."""
        return self.pool.environments(name)

    def bill(
        self, month_scale: Any = None, free_tier: bool = True, function: str | None = None
    ) -> Any:
        """The itemised bill of what ran here (or of one ``function``), from the invocation records.

        ``month_scale`` (invocations a month, or a ``pricing.MonthScale``) grows it to a month.
        """
        from lambda_lab.pricing.calculator import bill_from_usage

        usage = self.records.usage(function)  # running totals: exact, and as fast at any count
        if (
            function is not None
            and usage.invocations == 0
            and not self.records.for_function(function)
        ):
            self.functions.get(function)  # an unknown name is ResourceNotFoundException, not $0
        dropped = self.records.dropped if function is None else self.records.dropped_for(function)
        notes = (
            (
                f"{dropped:,} of these invocations are no longer in lab.records (it keeps the "
                f"newest {self.records.max_records:,}); their usage is still counted here.",
            )
            if dropped
            else ()
        )
        return bill_from_usage(usage, month_scale=month_scale, free_tier=free_tier, notes=notes)

    def _worker_environ(self) -> dict[str, str]:
        """Variables every new environment gets from the Lab's services (e.g. the loopback endpoint)."""
        # Always the loopback endpoint, so that a handler's boto3 never reaches real AWS.
        return {**self.aws.worker_environ(), **self.xray.worker_environ()}
