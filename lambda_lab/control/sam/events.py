"""A SAM function's ``Events``: each becomes the wiring AWS would make for it.

==============  ========================================================================
Api / HttpApi   a route on the stack's API (a Lab front door on loopback)
SQS             an event source mapping on the queue
DynamoDB        an event source mapping on the table's stream
Kinesis         an event source mapping on the stream
S3              the bucket's notification configuration (``LambdaFunctionConfigurations``)
SNS             a ``lambda`` subscription to the topic, with its filter policy
Schedule        an EventBridge rule with a schedule expression and the function as target
ScheduleV2      EventBridge Scheduler; the Lab runs it as an EventBridge schedule rule
EventBridgeRule an EventBridge rule with an event pattern (also CloudWatchEvent)
==============  ========================================================================

With AutoPublishAlias every event targets the alias, as SAM does, so traffic shifting of a
deployment applies to API calls, queue batches and schedules alike. Each wiring also gets
the resource-based permission SAM adds (``lambda:InvokeFunction`` for the service).
"""

from __future__ import annotations

import json
from typing import Any

from lambda_lab.control.sam import apis
from lambda_lab.control.sam.context import DeployContext
from lambda_lab.control.sam.resources import add_permission, put_rule
from lambda_lab.control.sam.yaml_loader import TemplateError

_MAPPING_KEYS = ("BatchSize", "Enabled", "MaximumBatchingWindowInSeconds", "FilterCriteria",
                 "FunctionResponseTypes", "StartingPosition", "StartingPositionTimestamp",
                 "MaximumRetryAttempts", "BisectBatchOnFunctionError", "MaximumRecordAgeInSeconds",
                 "ParallelizationFactor", "DestinationConfig", "TumblingWindowInSeconds",
                 "ScalingConfig")  # fmt: skip
_SOURCE_KEY = {"SQS": "Queue", "DynamoDB": "Stream", "Kinesis": "Stream"}


class FunctionTarget:
    """Who the events invoke: the function, or its AutoPublishAlias."""

    def __init__(self, logical_id: str, name: str, arn: str, alias: str | None) -> None:
        self.logical_id, self.name, self.alias = logical_id, name, alias
        self.arn = f"{arn}:{alias}" if alias else arn
        self.qualified = f"{name}:{alias}" if alias else name


def wire_events(
    ctx: DeployContext, target: FunctionTarget, events: dict[str, Any], previous: dict[str, Any]
) -> dict[str, Any]:
    """Wire every event; returns what a redeploy needs to find them (mapping UUIDs)."""
    made: dict[str, Any] = {}
    for event_name, event in events.items():
        where = f"Resources.{target.logical_id}.Events.{event_name}"
        if not isinstance(event, dict) or "Type" not in event:
            raise TemplateError(f"{where}: needs a Type and Properties")
        kind, props = event["Type"], event.get("Properties") or {}
        if kind in ("Api", "HttpApi"):
            _api(ctx, target, kind, props, where)
        elif kind in _SOURCE_KEY:
            made[event_name] = _mapping(ctx, target, kind, props, where, previous.get(event_name))
        elif kind == "S3":
            _s3(ctx, target, props, where)
        elif kind == "SNS":
            _sns(ctx, target, props, where)
        elif kind in ("Schedule", "ScheduleV2"):
            _schedule(ctx, target, event_name, kind, props, where)
        elif kind in ("EventBridgeRule", "CloudWatchEvent"):
            _rule(ctx, target, event_name, props, where)
        else:
            ctx.note(f"{where} (Type {kind}): this event source is not part of the Lab, left out")
    return made


def _api(
    ctx: DeployContext, target: FunctionTarget, kind: str, props: dict[str, Any], where: str
) -> None:
    rest = kind == "Api"
    ignored = {"Auth": "authorizers are left out by the Lab's SAM deploy (see lesson 10)",
               "RequestParameters": "request validation is left out", "RequestModel":
               "request models are left out", "TimeoutInMillis": "the integration timeout is not "
               "applied", "PayloadFormatVersion": "the Lab's HTTP APIs send payload 2.0"}  # fmt: skip
    ctx.unsupported(where, props, ["Path", "Method", "RestApiId", "ApiId"], ignored)
    method = str(props.get("Method", "ANY" if not rest else "")).upper()
    path = props.get("Path")
    if rest and (not path or not method):
        raise TemplateError(f"{where}: an Api event needs a Path and a Method")
    if not rest and path is None:
        route = "$default"  # no Path: SAM's default route, every request that matches no other
    else:
        route = f"{'ANY' if method == 'ANY' else method} {path}"
    api_ref = props.get("RestApiId" if rest else "ApiId")
    apis.add_route(ctx, "rest" if rest else "http", api_ref, route, target.qualified,
                   target.logical_id, where)  # fmt: skip
    principal_arn = ctx.arn("execute-api", "*/*")
    _permission(ctx, target, "apigateway.amazonaws.com", principal_arn, f"{kind}Permission")


def _mapping(
    ctx: DeployContext,
    target: FunctionTarget,
    kind: str,
    props: dict[str, Any],
    where: str,
    previous_uuid: str | None,
) -> str:
    source_key = _SOURCE_KEY[kind]
    ctx.unsupported(where, props, [source_key, *_MAPPING_KEYS],
                    {"KmsKeyArn": "filter encryption is not part of the Lab"})  # fmt: skip
    source = props.get(source_key)
    if not isinstance(source, str) or not source.startswith("arn:"):
        raise TemplateError(f"{where}.{source_key}: needs the ARN of the source (got {source!r})")
    params = {k: props[k] for k in _MAPPING_KEYS if k in props}
    if kind != "SQS" and "StartingPosition" not in params:
        raise TemplateError(f"{where}: a {kind} event needs a StartingPosition")
    client = ctx.services.lambda_client
    if previous_uuid:
        updatable = {k: v for k, v in params.items()
                     if k not in ("StartingPosition", "StartingPositionTimestamp")}  # fmt: skip
        client.update_event_source_mapping(UUID=previous_uuid, FunctionName=target.arn, **updatable)
        return previous_uuid
    created = client.create_event_source_mapping(
        EventSourceArn=source, FunctionName=target.arn, **params
    )
    return str(created["UUID"])


def _s3(ctx: DeployContext, target: FunctionTarget, props: dict[str, Any], where: str) -> None:
    ctx.unsupported(where, props, ["Bucket", "Events", "Filter"])
    bucket = props.get("Bucket")
    if not isinstance(bucket, str) or not bucket:
        raise TemplateError(f"{where}.Bucket: needs !Ref to an AWS::S3::Bucket of this template")
    events = props.get("Events")
    events = [events] if isinstance(events, str) else list(events or [])
    if not events:
        raise TemplateError(f"{where}.Events: needs at least one S3 event (s3:ObjectCreated:*)")
    configuration: dict[str, Any] = {"LambdaFunctionArn": target.arn, "Events": events}
    rules = ((props.get("Filter") or {}).get("S3Key") or {}).get("Rules")
    if rules:
        configuration["Filter"] = {"Key": {"FilterRules": [
            {"Name": str(r["Name"]).lower(), "Value": r["Value"]} for r in rules]}}  # fmt: skip
    per_bucket: dict[str, list[dict[str, Any]]] = ctx.extras.setdefault("s3", {})
    if bucket not in per_bucket:
        per_bucket[bucket] = []
        ctx.after.append(lambda: _put_notifications(ctx, bucket, per_bucket[bucket]))
    per_bucket[bucket].append(configuration)
    _permission(ctx, target, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}", "S3Permission")


def _put_notifications(
    ctx: DeployContext, bucket: str, configurations: list[dict[str, Any]]
) -> None:
    """One bucket, one notification configuration holding every function's events."""
    numbered = [{"Id": f"lambda-lab-{i}", **c} for i, c in enumerate(configurations, start=1)]
    ctx.services.client("s3").put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": numbered}
    )


def _sns(ctx: DeployContext, target: FunctionTarget, props: dict[str, Any], where: str) -> None:
    ctx.unsupported(where, props, ["Topic", "FilterPolicy", "FilterPolicyScope", "Region"],
                    {"SqsSubscription": "SNS -> SQS -> Lambda wiring is left out; add a queue and "
                     "an SQS event instead", "RedrivePolicy": "subscription DLQs are left out"})  # fmt: skip
    topic = props.get("Topic")
    if not isinstance(topic, str) or not topic.startswith("arn:"):
        raise TemplateError(f"{where}.Topic: needs a topic ARN (got {topic!r})")
    attributes = {}
    if "FilterPolicy" in props:
        policy = props["FilterPolicy"]
        attributes["FilterPolicy"] = policy if isinstance(policy, str) else json.dumps(policy)
    if "FilterPolicyScope" in props:
        attributes["FilterPolicyScope"] = str(props["FilterPolicyScope"])
    ctx.services.client("sns").subscribe(TopicArn=topic, Protocol="lambda", Endpoint=target.arn,
                                         Attributes=attributes, ReturnSubscriptionArn=True)  # fmt: skip
    _permission(ctx, target, "sns.amazonaws.com", topic, "SNSPermission")


def _schedule(
    ctx: DeployContext, target: FunctionTarget, event_name: str, kind: str, props: dict[str, Any],
    where: str,
) -> None:  # fmt: skip
    v2 = kind == "ScheduleV2"
    expression_key = "ScheduleExpression" if v2 else "Schedule"
    known = [expression_key, "Input", "Name", "Description", "State"] + ([] if v2 else ["Enabled"])
    ignored = {"RetryPolicy": "rule target retry settings are left out",
               "DeadLetterConfig": "the schedule's own dead-letter queue is left out",
               "FlexibleTimeWindow": "flexible windows are left out: the Lab fires on time",
               "StartDate": "start dates are left out", "EndDate": "end dates are left out",
               "GroupName": "schedule groups are left out", "ScheduleExpressionTimezone":
               "time zones other than UTC are not supported"}  # fmt: skip
    ctx.unsupported(where, props, known + (["ScheduleExpressionTimezone"]
                    if str(props.get("ScheduleExpressionTimezone", "UTC")) in ("UTC", "Etc/UTC") else []),
                    ignored)  # fmt: skip
    expression = props.get(expression_key)
    if not isinstance(expression, str) or not expression:
        raise TemplateError(f"{where}.{expression_key}: needs rate(...) or cron(...)")
    if expression.startswith("at("):
        ctx.note(f"{where}: one-time at() schedules are not supported by the Lab, left out")
        return
    if v2:
        ctx.note(
            f"{where} (ScheduleV2): EventBridge Scheduler runs as an EventBridge schedule rule in the Lab"
        )
    enabled = props.get("Enabled", True) not in (False, "false", "False")
    state = str(props.get("State") or ("ENABLED" if enabled else "DISABLED"))
    name = str(props.get("Name") or ctx.physical_name(f"{target.logical_id}{event_name}", 64))
    entry: dict[str, Any] = {
        "Id": f"{target.logical_id}{event_name}LambdaTarget"[:64],
        "Arn": target.arn,
    }
    if "Input" in props:
        entry["Input"] = (
            props["Input"] if isinstance(props["Input"], str) else json.dumps(props["Input"])
        )
    rule_arn = put_rule(
        ctx, name, expression, None, state, [entry], description=props.get("Description")
    )
    _permission(ctx, target, "events.amazonaws.com", rule_arn, f"{event_name}Permission")


def _rule(
    ctx: DeployContext, target: FunctionTarget, event_name: str, props: dict[str, Any], where: str
) -> None:
    ctx.unsupported(where, props, ["Pattern", "EventBusName", "Input", "InputPath", "RuleName",
                                   "State", "Target"],
                    {"RetryPolicy": "rule target retry settings are left out", "DeadLetterConfig":
                     "the rule's own dead-letter queue is left out"})  # fmt: skip
    if "Pattern" not in props:
        raise TemplateError(f"{where}.Pattern: needs an event pattern")
    name = str(props.get("RuleName") or ctx.physical_name(f"{target.logical_id}{event_name}", 64))
    target_id = str(
        (props.get("Target") or {}).get("Id") or f"{target.logical_id}{event_name}LambdaTarget"
    )
    entry: dict[str, Any] = {"Id": target_id[:64], "Arn": target.arn}
    for key in ("Input", "InputPath"):
        if key in props:
            entry[key] = props[key]
    rule_arn = put_rule(ctx, name, None, props["Pattern"], str(props.get("State", "ENABLED")), [entry],
                        str(props.get("EventBusName", "default")))  # fmt: skip
    _permission(ctx, target, "events.amazonaws.com", rule_arn, f"{event_name}Permission")


def _permission(
    ctx: DeployContext, target: FunctionTarget, principal: str, source_arn: str, sid: str
) -> None:
    params: dict[str, Any] = {"FunctionName": target.name, "StatementId": f"{target.logical_id}{sid}"[:100],
                              "Action": "lambda:InvokeFunction", "Principal": principal,
                              "SourceArn": source_arn}  # fmt: skip
    if target.alias:
        params["Qualifier"] = target.alias
    add_permission(ctx, params)
