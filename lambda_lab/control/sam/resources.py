"""The plain CloudFormation resources a SAM application usually holds: queues, buckets,
topics, tables, streams, alarms, permissions, rules and (not enforced) IAM roles.

Each ``make_*`` takes the deployment context, the resource and its resolved properties,
creates the resource through the Lab's boto3 clients (moto behind the Lab's endpoint), and
returns a :class:`Physical` with what ``!Ref`` and ``!GetAtt`` give, as CloudFormation
documents them for that type. A second deployment of the same stack finds what it made.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from lambda_lab.control.sam.context import DeployContext, Physical
from lambda_lab.control.sam.template import Resource
from lambda_lab.control.sam.yaml_loader import TemplateError

_NOT_ENFORCED = "IAM is not enforced by the Lab (permissions are assumed granted)"
_ENCRYPTION = "encryption settings are accepted on AWS; the Lab stores data unencrypted"
_TAGS = {"Tags": "tags are not kept by the Lab"}


def make_queue(ctx: DeployContext, resource: Resource, props: dict[str, Any]) -> Physical:
    where = f"Resources.{resource.logical_id}"
    attributes_by_property = {
        "VisibilityTimeout": "VisibilityTimeout",
        "MessageRetentionPeriod": "MessageRetentionPeriod",
        "DelaySeconds": "DelaySeconds",
        "MaximumMessageSize": "MaximumMessageSize",
        "ReceiveMessageWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
        "FifoQueue": "FifoQueue",
        "ContentBasedDeduplication": "ContentBasedDeduplication",
    }
    ctx.unsupported(where, props, ["QueueName", "RedrivePolicy", *attributes_by_property],
                    {"KmsMasterKeyId": _ENCRYPTION, "SqsManagedSseEnabled": _ENCRYPTION, **_TAGS})  # fmt: skip
    fifo = str(props.get("FifoQueue", "false")).lower() == "true"
    name = props.get("QueueName") or ctx.physical_name(resource.logical_id, 80 - 5 * fifo)
    if fifo and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = {
        attribute: _text(props[key])
        for key, attribute in attributes_by_property.items()
        if key in props
    }
    if "RedrivePolicy" in props:
        policy = props["RedrivePolicy"]
        attributes["RedrivePolicy"] = policy if isinstance(policy, str) else json.dumps(policy)
    sqs = ctx.services.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = ctx.arn("sqs", name)
    return Physical(resource.logical_id, resource.type, url,
                    {"Arn": arn, "QueueName": name, "QueueUrl": url})  # fmt: skip


def make_bucket(ctx: DeployContext, resource: Resource, props: dict[str, Any]) -> Physical:
    where = f"Resources.{resource.logical_id}"
    ctx.unsupported(where, props, ["BucketName", "VersioningConfiguration"],
                    {"BucketEncryption": _ENCRYPTION, "NotificationConfiguration":
                     "write the notification as a function's S3 event instead", **_TAGS})  # fmt: skip
    name = props.get("BucketName") or ctx.physical_name(resource.logical_id, 63, lower=True)
    s3 = ctx.services.client("s3")
    try:
        s3.create_bucket(Bucket=name)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
            raise
    versioning = props.get("VersioningConfiguration")
    if isinstance(versioning, dict) and versioning.get("Status"):
        s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": versioning["Status"]}
        )
    region = ctx.services.region
    return Physical(resource.logical_id, resource.type, name, {
        "Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com"})  # fmt: skip


def make_topic(ctx: DeployContext, resource: Resource, props: dict[str, Any]) -> Physical:
    where = f"Resources.{resource.logical_id}"
    ctx.unsupported(where, props, ["TopicName", "DisplayName", "FifoTopic", "Subscription",
                                   "ContentBasedDeduplication"],
                    {"KmsMasterKeyId": _ENCRYPTION, **_TAGS})  # fmt: skip
    fifo = str(props.get("FifoTopic", "false")).lower() == "true"
    name = props.get("TopicName") or ctx.physical_name(resource.logical_id, 256 - 5 * fifo)
    if fifo and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = {"DisplayName": str(props["DisplayName"])} if "DisplayName" in props else {}
    if fifo:
        attributes["FifoTopic"] = "true"
        if "ContentBasedDeduplication" in props:
            attributes["ContentBasedDeduplication"] = _text(props["ContentBasedDeduplication"])
    sns = ctx.services.client("sns")
    arn = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
    for index, subscription in enumerate(props.get("Subscription") or []):
        _subscribe(ctx, f"{where}.Subscription[{index}]", arn, subscription)
    return Physical(resource.logical_id, resource.type, arn, {"TopicArn": arn, "TopicName": name})


def make_subscription(ctx: DeployContext, resource: Resource, props: dict[str, Any]) -> Physical:
    where = f"Resources.{resource.logical_id}"
    ctx.unsupported(where, props, ["TopicArn", "Protocol", "Endpoint", "FilterPolicy",
                                   "FilterPolicyScope", "RawMessageDelivery"])  # fmt: skip
    arn = _subscribe(ctx, where, props.get("TopicArn"), props)
    return Physical(resource.logical_id, resource.type, arn, {"Arn": arn})


def _subscribe(ctx: DeployContext, where: str, topic_arn: Any, spec: dict[str, Any]) -> str:
    if not topic_arn or not spec.get("Protocol") or not spec.get("Endpoint"):
        raise TemplateError(f"{where}: needs TopicArn, Protocol and Endpoint")
    attributes: dict[str, str] = {}
    for key in ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery"):
        if key in spec:
            value = spec[key]
            attributes[key] = json.dumps(value) if isinstance(value, dict) else _text(value)
    answer = ctx.services.client("sns").subscribe(
        TopicArn=topic_arn, Protocol=spec["Protocol"], Endpoint=spec["Endpoint"],
        Attributes=attributes, ReturnSubscriptionArn=True,
    )  # fmt: skip
    return str(answer["SubscriptionArn"])


def make_table(ctx: DeployContext, resource: Resource, props: dict[str, Any]) -> Physical:
    where = f"Resources.{resource.logical_id}"
    ctx.unsupported(where, props, ["TableName", "KeySchema", "AttributeDefinitions", "BillingMode",
                                   "ProvisionedThroughput", "StreamSpecification",
                                   "GlobalSecondaryIndexes", "LocalSecondaryIndexes"],
                    {"SSESpecification": _ENCRYPTION, "PointInTimeRecoverySpecification":
                     "backups are not part of the Lab", "TimeToLiveSpecification":
                     "items do not expire in the Lab", **_TAGS})  # fmt: skip
    params: dict[str, Any] = {k: props[k] for k in ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes",
                                    "LocalSecondaryIndexes", "ProvisionedThroughput") if k in props}  # fmt: skip
    if not params.get("KeySchema") or not params.get("AttributeDefinitions"):
        raise TemplateError(f"{where}: needs KeySchema and AttributeDefinitions")
    params["BillingMode"] = props.get("BillingMode") or (
        "PROVISIONED" if "ProvisionedThroughput" in props else "PAY_PER_REQUEST"
    )
    if "StreamSpecification" in props:
        view = props["StreamSpecification"].get("StreamViewType", "NEW_AND_OLD_IMAGES")
        params["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
    name = props.get("TableName") or ctx.physical_name(resource.logical_id, 255)
    return _table(ctx, resource, name, params)


def make_simple_table(ctx: DeployContext, resource: Resource, props: dict[str, Any]) -> Physical:
    where = f"Resources.{resource.logical_id}"
    ctx.unsupported(where, props, ["TableName", "PrimaryKey", "ProvisionedThroughput"],
                    {"SSESpecification": _ENCRYPTION, **_TAGS})  # fmt: skip
    key = props.get("PrimaryKey") or {"Name": "id", "Type": "String"}
    kinds = {"String": "S", "Number": "N", "Binary": "B"}
    if key.get("Type") not in kinds or not key.get("Name"):
        raise TemplateError(
            f"{where}.PrimaryKey: needs a Name and a Type of String, Number or Binary"
        )
    params: dict[str, Any] = {
        "KeySchema": [{"AttributeName": key["Name"], "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": key["Name"], "AttributeType": kinds[key["Type"]]}
        ],
    }
    if "ProvisionedThroughput" in props:
        params["BillingMode"] = "PROVISIONED"
        params["ProvisionedThroughput"] = props["ProvisionedThroughput"]
    else:
        params["BillingMode"] = "PAY_PER_REQUEST"
    name = props.get("TableName") or ctx.physical_name(resource.logical_id, 255)
    return _table(ctx, resource, name, params)


def _table(ctx: DeployContext, resource: Resource, name: str, params: dict[str, Any]) -> Physical:
    dynamodb = ctx.services.client("dynamodb")
    try:
        table = dynamodb.create_table(TableName=name, **params)["TableDescription"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise
        table = dynamodb.describe_table(TableName=name)["Table"]
    attributes = {"Arn": table["TableArn"]}
    if table.get("LatestStreamArn"):
        attributes["StreamArn"] = table["LatestStreamArn"]
    return Physical(resource.logical_id, resource.type, name, attributes)


def make_stream(ctx: DeployContext, resource: Resource, props: dict[str, Any]) -> Physical:
    where = f"Resources.{resource.logical_id}"
    ctx.unsupported(where, props, ["Name", "ShardCount", "RetentionPeriodHours", "StreamModeDetails"],
                    {"StreamEncryption": _ENCRYPTION, **_TAGS})  # fmt: skip
    name = props.get("Name") or ctx.physical_name(resource.logical_id, 128)
    kinesis = ctx.services.client("kinesis")
    mode = (props.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED")
    try:
        if mode == "ON_DEMAND":
            kinesis.create_stream(StreamName=name, StreamModeDetails={"StreamMode": "ON_DEMAND"})
        else:
            kinesis.create_stream(StreamName=name, ShardCount=int(props.get("ShardCount", 1)))
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    return Physical(resource.logical_id, resource.type, name, {"Arn": arn})


def make_alarm(ctx: DeployContext, resource: Resource, props: dict[str, Any]) -> Physical:
    where = f"Resources.{resource.logical_id}"
    if ctx.services.alarms is None:
        raise TemplateError(f"{where}: this deployment has no alarm service")
    name = props.get("AlarmName") or ctx.physical_name(resource.logical_id, 255)
    alarm = ctx.services.alarms.put(name, props, where=where, note=ctx.note)
    return Physical(resource.logical_id, resource.type, name, {"Arn": alarm.arn})


def make_permission(ctx: DeployContext, resource: Resource, props: dict[str, Any]) -> Physical:
    where = f"Resources.{resource.logical_id}"
    ctx.unsupported(where, props, ["FunctionName", "Action", "Principal", "SourceArn",
                                   "SourceAccount", "FunctionUrlAuthType"])  # fmt: skip
    params: dict[str, Any] = {k: props[k] for k in ("FunctionName", "Action", "Principal", "SourceArn",
                                    "SourceAccount", "FunctionUrlAuthType") if k in props}  # fmt: skip
    params["StatementId"] = resource.logical_id
    add_permission(ctx, params)
    return Physical(resource.logical_id, resource.type, resource.logical_id)


def add_permission(ctx: DeployContext, params: dict[str, Any]) -> None:
    """AddPermission, keeping the statement an earlier deployment of this stack added."""
    client = ctx.services.lambda_client
    try:
        client.add_permission(**params)
    except client.exceptions.ResourceConflictException:
        pass  # the same statement id: this stack added it before


def make_mapping(ctx: DeployContext, resource: Resource, props: dict[str, Any]) -> Physical:
    where = f"Resources.{resource.logical_id}"
    known = ["EventSourceArn", "FunctionName", "BatchSize", "Enabled", "StartingPosition",
             "MaximumBatchingWindowInSeconds", "FilterCriteria", "FunctionResponseTypes",
             "MaximumRetryAttempts", "BisectBatchOnFunctionError", "ParallelizationFactor",
             "MaximumRecordAgeInSeconds", "DestinationConfig", "ScalingConfig",
             "TumblingWindowInSeconds", "StartingPositionTimestamp"]  # fmt: skip
    ctx.unsupported(where, props, known)
    params = {k: props[k] for k in known if k in props}
    previous = ctx.previous.get(resource.logical_id)
    client = ctx.services.lambda_client
    if previous is not None:
        uuid = previous.ref
        updatable = {k: v for k, v in params.items()
                     if k not in ("EventSourceArn", "StartingPosition", "StartingPositionTimestamp")}  # fmt: skip
        client.update_event_source_mapping(UUID=uuid, **updatable)
    else:
        uuid = client.create_event_source_mapping(**params)["UUID"]
    return Physical(resource.logical_id, resource.type, uuid, {"Id": uuid})


def make_rule(ctx: DeployContext, resource: Resource, props: dict[str, Any]) -> Physical:
    where = f"Resources.{resource.logical_id}"
    ctx.unsupported(where, props, ["Name", "ScheduleExpression", "EventPattern", "State",
                                   "Targets", "Description", "EventBusName"])  # fmt: skip
    name = props.get("Name") or ctx.physical_name(resource.logical_id, 64)
    targets = [{k: t[k] for k in ("Id", "Arn", "Input", "InputPath") if k in t}
               for t in props.get("Targets") or []]  # fmt: skip
    arn = put_rule(ctx, name, props.get("ScheduleExpression"), props.get("EventPattern"),
                   props.get("State", "ENABLED"), targets, props.get("EventBusName", "default"),
                   props.get("Description"))  # fmt: skip
    return Physical(resource.logical_id, resource.type, name, {"Arn": arn})


def put_rule(
    ctx: DeployContext,
    name: str,
    schedule: str | None,
    pattern: Any,
    state: str,
    targets: list[dict[str, Any]],
    bus: str = "default",
    description: str | None = None,
) -> str:
    """An EventBridge rule and its targets (the Lab's EventBridge fires schedules and patterns)."""
    params: dict[str, Any] = {"Name": name, "State": state, "EventBusName": bus}
    if schedule:
        params["ScheduleExpression"] = schedule
    if pattern is not None:
        params["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
    if description:
        params["Description"] = description
    events = ctx.services.client("events")
    arn = str(events.put_rule(**params)["RuleArn"])
    if targets:
        events.put_targets(Rule=name, EventBusName=bus, Targets=targets)
    return arn


def make_iam(ctx: DeployContext, resource: Resource, props: dict[str, Any]) -> Physical:
    ctx.note(f"Resources.{resource.logical_id} ({resource.type}): {_NOT_ENFORCED}")
    name = props.get("RoleName") or props.get("PolicyName") or props.get("ManagedPolicyName")
    name = name or ctx.physical_name(resource.logical_id, 64)
    kind = "role" if resource.type == "AWS::IAM::Role" else "policy"
    arn = ctx.arn("iam", f"{kind}/{name}", region=False)
    role_id = "AROA" + ctx.physical_name(resource.logical_id, 40).rsplit("-", 1)[-1]
    return Physical(resource.logical_id, resource.type, name if kind == "role" else arn,
                    {"Arn": arn, "RoleId": role_id})  # fmt: skip


Maker = Callable[[DeployContext, Resource, dict[str, Any]], Physical]
MAKERS: dict[str, Maker] = {
    "AWS::SQS::Queue": make_queue,
    "AWS::S3::Bucket": make_bucket,
    "AWS::SNS::Topic": make_topic,
    "AWS::SNS::Subscription": make_subscription,
    "AWS::DynamoDB::Table": make_table,
    "AWS::Serverless::SimpleTable": make_simple_table,
    "AWS::Kinesis::Stream": make_stream,
    "AWS::CloudWatch::Alarm": make_alarm,
    "AWS::Lambda::Permission": make_permission,
    "AWS::Lambda::EventSourceMapping": make_mapping,
    "AWS::Events::Rule": make_rule,
    "AWS::IAM::Role": make_iam,
    "AWS::IAM::Policy": make_iam,
    "AWS::IAM::ManagedPolicy": make_iam,
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
