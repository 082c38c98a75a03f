"""The Lab's parts: how they reach back to the Lab, and the ones made on first use.

Everything the Lab owns refers back to it weakly (:func:`weakly`, :func:`weak_call`,
:func:`still_open`): a notebook that re-runs ``lab = Lab()`` without ``close()`` must not keep
the old Lab's processes alive. The makers below build the parts a Lab makes only when first
asked for them (``Lab._part``): the metrics beyond the invocation records, the EMF metrics,
the async queue and its deliveries, triggers and pollers, alarms, deployments, SAM stacks and
the HTTP front doors. A Lab that only deploys and invokes never imports them, and none of them
acts before it is asked to.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from lambda_lab.aws.lab_side import LabSide
from lambda_lab.invocation.sync import invoke_sync

if TYPE_CHECKING:
    from lambda_lab.api.rest import LambdaRestApi
    from lambda_lab.aws.delivery import Deliverer
    from lambda_lab.control.deployments import Deployments
    from lambda_lab.control.sam import Stacks
    from lambda_lab.event_sources.hub import EventSources
    from lambda_lab.http.lab_doors import FrontDoors
    from lambda_lab.invocation.asynchronous import AsyncQueue
    from lambda_lab.lab import Lab
    from lambda_lab.monitoring.alarms import Alarms
    from lambda_lab.monitoring.emf import EmfMetrics
    from lambda_lab.monitoring.metrics import Metrics

_Owner = TypeVar("_Owner")
_Params = ParamSpec("_Params")
_Result = TypeVar("_Result")


# -- weak callables --------------------------------------------------------------------------
def weak_call(owner: Any, method: str) -> Callable[[], Any]:
    """A callable for ``owner.method()`` that does not keep ``owner`` alive."""
    ref = weakref.ref(owner)

    def call() -> Any:
        target = ref()
        return {} if target is None else getattr(target, method)()

    return call


def weakly(
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


def still_open(owner: Lab) -> Callable[[], bool]:
    """Whether ``owner`` is alive and not closed, asked without keeping it alive."""
    ref = weakref.ref(owner)
    return lambda: (target := ref()) is not None and not target.closed


# -- what the Lab answers on its AWS endpoint ------------------------------------------------
def endpoint_side(lab: Lab) -> LabSide:
    """The requests the Lab answers itself on its endpoint, ahead of moto (all weakly)."""
    from lambda_lab.lab import Lab

    return LabSide(
        is_open=still_open(lab),
        lambda_api=weakly(lab, Lab.rest_api),
        logs_reads=weakly(lab, _read_logs),
        hooks=weakly(lab, _event_sources),
        codedeploy=weakly(lab, _answer_codedeploy),
    )


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


# -- parts made on first use -----------------------------------------------------------------
class MadeOnFirstUse(Generic[_Result]):
    """A Lab attribute whose part ``make(lab)`` builds the first time it is read (once, under
    the Lab's lock: ``Lab._part``). Its docstring is the maker's."""

    def __init__(self, make: Callable[[Lab], _Result]) -> None:
        self._make = make
        self._name = make.__name__
        self.__doc__ = make.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, lab: None, owner: type) -> MadeOnFirstUse[_Result]: ...

    @overload
    def __get__(self, lab: Lab, owner: type) -> _Result: ...

    def __get__(self, lab: Lab | None, owner: type) -> MadeOnFirstUse[_Result] | _Result:
        if lab is None:
            return self  # read on the class: the descriptor itself (help(), the docs)
        return lab._part(self._name, self._make)


def make_metrics(lab: Lab) -> Metrics:
    """The CloudWatch metrics the invocation records do not give (async event age and drops,
    iterator age, destination and dead-letter errors...), fed by the parts that emit them."""
    from lambda_lab.monitoring.metrics import Metrics

    return Metrics(lab.clock.time)


def make_emf(lab: Lab) -> EmfMetrics:
    """Custom metrics from the Embedded Metric Format lines handlers print."""
    from lambda_lab.monitoring.emf import EmfMetrics

    return EmfMetrics(lab.clock.time)


def make_deliverer(lab: Lab) -> Deliverer:
    """Sends async results to destinations and dead-letter queues (SQS, SNS, EventBridge,
    Lambda)."""
    from lambda_lab.aws.delivery import Deliverer
    from lambda_lab.lab import Lab

    return Deliverer(lab.aws.internal, lab.clock, weakly(lab, Lab.invoke_async))


def make_async_queue(lab: Lab) -> AsyncQueue:
    """Asynchronous invocations (InvocationType=Event): queue, retries, destinations."""
    from lambda_lab.invocation.asynchronous import AsyncQueue

    return AsyncQueue(
        functions=lab.functions,
        versions=lab.versions,
        clock=lab.clock,
        dispatcher=lab.dispatcher,
        invoke=weakly(lab, invoke_sync),
        reserved=lab.concurrency.reserved,
        metrics=lab.metrics,
        deliverer=lab.deliverer,
        region=lab.region,
    )


def make_event_sources(lab: Lab) -> EventSources:
    """Triggers (S3, SNS, EventBridge) and event source mappings (SQS, Kinesis, DynamoDB)."""
    from lambda_lab.event_sources.hub import EventSources
    from lambda_lab.event_sources.mappings.poller import PollerTools

    tools = PollerTools(
        lab.functions,
        lab.clock,
        lab.dispatcher,
        lab.aws.internal,
        weakly(lab, invoke_sync),
        lab.metrics,
        lab.deliverer,
    )
    return EventSources(
        tools, versions=lab.versions, queue=lab.async_queue.invoke, region=lab.region
    )


def make_alarms(lab: Lab) -> Alarms:
    """CloudWatch alarms on the Lab's metrics and EMF metrics."""
    from lambda_lab.monitoring.alarms import Alarms

    return Alarms(lab.clock.time, lab.records.for_function, lab.emf, lab.region, lab.metrics.points)


def make_deployments(lab: Lab) -> Deployments:
    """CodeDeploy deployments: traffic shifting between alias versions, hooks, rollbacks."""
    from lambda_lab.control.deployments import Deployments
    from lambda_lab.lab import Lab

    return Deployments(lab.clock, weak_call(lab, "client"), weakly(lab, Lab.invoke), lab.alarms)


def make_stacks(lab: Lab) -> Stacks:
    """SAM stacks: what ``lab.deploy_template`` deploys into."""
    from lambda_lab.control.sam import SamServices, Stacks

    me = weakref.proxy(lab)
    return Stacks(
        SamServices(
            lambda_client=lab.client("lambda"),
            client=me.service_client,
            rest_api=me.rest_api_gateway,
            http_api=me.http_api,
            region=lab.region,
            account_id=lab.account_id,
            deployments=lab.deployments,
            alarms=lab.alarms,
            settle=lab.lifecycle.settle,
        )  # fmt: skip
    )


def make_rest_api(lab: Lab) -> LambdaRestApi:
    """Lambda's REST API over the Lab (in-process clients and the HTTP endpoint share it)."""
    from lambda_lab.api.rest import LambdaRestApi

    return LambdaRestApi(weakref.proxy(lab))


def make_front_doors(lab: Lab) -> FrontDoors:
    """ALB, API Gateway and function URL listeners (``lambda_lab.http.lab_doors``)."""
    from lambda_lab.http.lab_doors import FrontDoors

    return FrontDoors(weakref.proxy(lab))
