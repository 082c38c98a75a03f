"""Checks of lesson 06: the S3 thumbnail, partial batch responses, a cron schedule, a tumbling
window's running total."""

from __future__ import annotations

import io
import json
import math
from datetime import datetime, timedelta, timezone

from lambda_lab.exercises.context import CheckContext

KEY = "uploads/beach day.jpg"
WINDOW_S = 60
# (seconds after a minute's start, amounts put then): 100 in the first minute, 12 in the next
SALES = ((0, (10, 20, 30)), (20, (40,)), (70, (5, 7)))
TOTALS = ["TOTAL 100", "TOTAL 12"]


def thumbnail(ctx: CheckContext) -> str:
    from PIL import Image

    s3, dynamodb = ctx.lab.client("s3"), ctx.lab.client("dynamodb")
    for bucket in ("photos", "photos-thumbnails"):
        s3.create_bucket(Bucket=bucket)
    dynamodb.create_table(
        TableName="photo-metadata",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "key", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "key", "AttributeType": "S"}],
    )
    # Pillow is not in AWS's Python runtime: the lesson attaches it as a layer, and so does this.
    pillow = ctx.lab.layer_from_installed("pillow")
    ctx.deploy(
        "thumbnail",
        MemorySize=256,
        Timeout=10,
        Layers=[pillow["LayerVersionArn"]],
        Environment={
            "Variables": {"THUMBNAIL_BUCKET": "photos-thumbnails", "TABLE_NAME": "photo-metadata"}
        },
    )
    client = ctx.lab.client("lambda")
    client.add_permission(
        FunctionName="thumbnail",
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::photos",
    )
    s3.put_bucket_notification_configuration(
        Bucket="photos",
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": ctx.arn("thumbnail"), "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    upload = io.BytesIO()
    Image.new("RGB", (600, 400), "#3b7dd8").save(upload, format="JPEG")
    s3.put_object(Bucket="photos", Key=KEY, Body=upload.getvalue())
    ctx.lab.clock.run_until_idle()
    record = ctx.lab.records.last("thumbnail")
    ctx.expect(record is not None, "S3 never invoked the function", "one invocation per upload")
    if record.outcome != "success":
        tail = ctx.lab.logs.tail("thumbnail", lines=8)
        ctx.fail(
            f"the invocation for {KEY!r} ended with {record.error_type}: {record.error_message}",
            "a thumbnail made without an error",
            tail,
        )
    item = dynamodb.get_item(TableName="photo-metadata", Key={"key": {"S": KEY}}).get("Item")
    ctx.expect(
        item is not None,
        f"photo-metadata has no item with key {KEY!r}",
        "an item keyed by the decoded object key",
        ctx.lab.logs.tail("thumbnail", lines=5),
    )
    found = {name: next(iter(value.values())) for name, value in item.items()}
    ctx.expect(
        found.get("width") == "600" and found.get("height") == "400",
        f"the item says width {found.get('width')} and height {found.get('height')}",
        "the original's size, 600 x 400",
    )
    thumb_key = "thumbnails/uploads/beach day.png"
    ctx.expect(
        found.get("thumbnail") == thumb_key,
        f"the item's thumbnail is {found.get('thumbnail')!r}",
        repr(thumb_key),
    )
    try:
        data = s3.get_object(Bucket="photos-thumbnails", Key=thumb_key)["Body"].read()
    except Exception:  # noqa: BLE001 - moto's NoSuchKey; any miss is the same verdict
        ctx.fail(
            f"photos-thumbnails has no object {thumb_key!r}", "the thumbnail stored under that key"
        )
    made = Image.open(io.BytesIO(data))
    ctx.expect(
        made.format == "PNG" and max(made.size) <= 128,
        f"the thumbnail is a {made.format} of {made.size[0]} x {made.size[1]}",
        "a PNG within 128 x 128",
    )
    return f"S3 invoked the function, which stored a {made.size[0]} x {made.size[1]} PNG and the item in DynamoDB"


def partial_batch(ctx: CheckContext) -> str:
    mapping = ctx.setting("MAPPING")
    ctx.expect(
        isinstance(mapping, dict),
        f"MAPPING is {mapping!r}",
        "a dict of CreateEventSourceMapping parameters",
    )
    dead_url, dead_arn = ctx.queue("orders-dlq")
    url, arn = ctx.queue(
        "orders",
        VisibilityTimeout="10",
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": "3"}),
    )
    ctx.deploy("order-worker", Timeout=5)
    ctx.lab.client("lambda").create_event_source_mapping(
        FunctionName="order-worker", EventSourceArn=arn, **mapping
    )
    sqs = ctx.lab.client("sqs")
    bodies = ["order 1", "bad order 2", "order 3", "order 4"]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    for _ in range(12):  # two minutes, in steps, so the poller sees each redelivery
        ctx.lab.clock.advance(seconds=10)
    lines = [event.message for event in ctx.lab.logs.events("order-worker")]
    counts = {
        body: sum(line.strip() == f"processed {body}" for line in lines)
        for body in bodies
        if "bad" not in body
    }
    repeated = {body: n for body, n in counts.items() if n != 1}
    dead = [m["Body"] for m in ctx.messages(dead_url)]
    ctx.expect(
        not repeated,
        "good messages were not processed exactly once: "
        + ", ".join(f"{body!r} {n} times" for body, n in repeated.items())
        + (f"; the DLQ got {dead}" if dead else ""),
        "each good order processed once; only the bad one redelivered",
    )
    ctx.expect(
        dead == ["bad order 2"],
        f"the queue's DLQ received {dead}",
        "only 'bad order 2', after its third receive",
    )
    return "each good order was processed once; 'bad order 2' came back alone and reached the DLQ"


def cron(ctx: CheckContext) -> str:
    expression = ctx.setting("SCHEDULE")
    ctx.expect(
        isinstance(expression, str), f"SCHEDULE is {expression!r}", "a text such as 'cron(...)'"
    )
    events = ctx.lab.client("events")
    events.put_rule(Name="daily-report", ScheduleExpression=expression)
    ctx.deploy(
        "report", "def lambda_handler(event, context):\n    return 'sent'\n", learner_config=False
    )
    events.put_targets(Rule="daily-report", Targets=[{"Id": "report", "Arn": ctx.arn("report")}])
    start = datetime.fromtimestamp(ctx.lab.clock.time(), timezone.utc)
    ctx.lab.clock.advance(days=7)
    fired = [
        datetime.fromtimestamp(r.start, timezone.utc)
        for r in ctx.lab.records.for_function("report")
    ]
    expected = []
    day = start.replace(hour=8, minute=30, second=0, microsecond=0)
    while day <= start + timedelta(days=7):
        if day > start and day.weekday() < 5:
            expected.append(day)
        day += timedelta(days=1)

    def as_text(times):
        return ", ".join(t.strftime("%a %H:%M") for t in times) or "never"

    same = [t.replace(second=0, microsecond=0) for t in fired] == expected
    ctx.expect(
        same,
        f"over a week {expression} fired {len(fired)} times: {as_text(fired[:8])}",
        f"{len(expected)} times: {as_text(expected)}",
    )
    return f"{expression} fired {len(fired)} times in a week, each weekday at 08:30 UTC"


def window_totals(ctx: CheckContext) -> str:
    kinesis = ctx.lab.client("kinesis")
    kinesis.create_stream(StreamName="sales", ShardCount=1)
    arn = kinesis.describe_stream(StreamName="sales")["StreamDescription"]["StreamARN"]
    ctx.deploy("sales-totals")
    clock = ctx.lab.clock
    start = math.ceil(clock.time() / WINDOW_S) * WINDOW_S
    clock.run_until(start)  # on a minute's boundary, so each sale's window is known
    mapping = ctx.lab.client("lambda").create_event_source_mapping(
        FunctionName="sales-totals", EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
        BatchSize=2, TumblingWindowInSeconds=WINDOW_S, MaximumRetryAttempts=1,
    )  # fmt: skip
    for after, amounts in SALES:
        clock.run_until(start + after)
        for amount in amounts:
            data = json.dumps({"amount": amount}).encode()
            kinesis.put_record(StreamName="sales", Data=data, PartitionKey="shop-1")
    clock.run_until(start + 2 * WINDOW_S + 5)  # past the second minute's end
    history = ctx.lab.event_sources.mappings.poller(mapping["UUID"]).history
    invoked = [run for run in history if run.outcome != "discarded"]  # (a discard invokes nothing)
    failed = [run for run in invoked if run.outcome == "error"]
    ctx.expect(
        not failed,
        f"{len(failed)} of {len(invoked)} invocations failed; the first because {failed[0].detail}"
        if failed
        else "",
        'every invocation answering {"state": {...}}, the final one too',
        ctx.lab.logs.tail("sales-totals", lines=5),
    )
    printed = [
        e.message.split("\t")[-1].strip()
        for e in ctx.lab.logs.events("sales-totals", pattern="TOTAL")
    ]
    finals = sum(1 for run in history if run.size == 0)
    ctx.expect(
        printed == TOTALS,
        f"over two minutes and {finals} final invocations the function printed "
        + (", ".join(printed) or "no TOTAL line"),
        "TOTAL 100, then TOTAL 12: one line per minute, from the final invocation of its window",
    )
    return (
        f"the state carried each minute's total across {len(history) - finals} batches; "
        "the final invocations printed TOTAL 100 and TOTAL 12"
    )
