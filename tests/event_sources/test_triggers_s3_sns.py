"""S3 notifications and SNS subscriptions invoke functions asynchronously, as AWS routes them."""

from __future__ import annotations

import json

import pytest
from runtime_helpers import ECHO


def _notify(
    lab, bucket, function, events=("s3:ObjectCreated:*",), prefix=None, suffix=None, rule_id="rule"
):
    rules = [
        {"Name": n, "Value": v}
        for n, v in (("prefix", prefix), ("suffix", suffix))
        if v is not None
    ]
    rule = {
        "Id": rule_id,
        "LambdaFunctionArn": lab.functions.get(function).arn,
        "Events": list(events),
    }
    if rules:
        rule["Filter"] = {"Key": {"FilterRules": rules}}
    return rule


def _configure(lab, bucket, *rules):
    lab.client("s3").put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": list(rules)}
    )


def _records(lab, function):
    return [r for e in lab.async_queue.events(function) for r in json.loads(e.payload)["Records"]]


def test_prefix_and_suffix_filters_and_event_types(virtual_lab):
    lab = virtual_lab
    s3 = lab.client("s3")
    s3.create_bucket(Bucket="uploads")
    lab.deploy("images", ECHO)
    lab.deploy("removals", ECHO)
    _configure(lab, "uploads",
               _notify(lab, "uploads", "images", prefix="photos/", suffix=".jpg", rule_id="jpegs"),
               _notify(lab, "uploads", "removals", events=["s3:ObjectRemoved:*"], rule_id="gone"))  # fmt: skip
    s3.put_object(Bucket="uploads", Key="photos/red flower.jpg", Body=b"jpeg")
    s3.put_object(Bucket="uploads", Key="photos/notes.txt", Body=b"text")
    s3.put_object(Bucket="uploads", Key="other/blue.jpg", Body=b"jpeg")
    s3.copy_object(
        Bucket="uploads",
        Key="photos/copy.jpg",
        CopySource={"Bucket": "uploads", "Key": "other/blue.jpg"},
    )
    s3.delete_object(Bucket="uploads", Key="photos/notes.txt")
    s3.delete_objects(Bucket="uploads", Delete={"Objects": [{"Key": "other/blue.jpg"}]})
    lab.clock.run_until_idle()
    created = _records(lab, "images")
    assert [(r["eventName"], r["s3"]["object"]["key"]) for r in created] == [
        ("ObjectCreated:Put", "photos/red+flower.jpg"), ("ObjectCreated:Copy", "photos/copy.jpg"),
    ]  # fmt: skip
    assert created[0]["s3"]["object"]["size"] == 4 and "sequencer" in created[0]["s3"]["object"]
    assert "sequencer" not in created[1]["s3"]["object"]  # only PUT and DELETE events carry one
    removed = _records(lab, "removals")
    assert [(r["eventName"], r["s3"]["object"]["key"]) for r in removed] == [
        ("ObjectRemoved:Delete", "photos/notes.txt"), ("ObjectRemoved:Delete", "other/blue.jpg"),
    ]  # fmt: skip
    assert "size" not in removed[0]["s3"]["object"]
    assert {e.source for e in lab.async_queue.events()} == {"s3"}
    assert all(r.invocation_type == "Event" for r in lab.records)


def test_sequencers_grow_for_later_events_of_a_key(virtual_lab):
    lab = virtual_lab
    s3 = lab.client("s3")
    s3.create_bucket(Bucket="uploads")
    lab.deploy("images", ECHO)
    _configure(lab, "uploads", _notify(lab, "uploads", "images"))
    for body in (b"one", b"two"):
        s3.put_object(Bucket="uploads", Key="same.txt", Body=body)
    lab.clock.run_until_idle()
    first, second = (r["s3"]["object"]["sequencer"] for r in _records(lab, "images"))
    assert second > first


def test_overlapping_rules_and_unknown_functions_are_refused_when_saved(virtual_lab):
    lab = virtual_lab
    s3 = lab.client("s3")
    s3.create_bucket(Bucket="uploads")
    lab.deploy("a", ECHO)
    lab.deploy("b", ECHO)
    with pytest.raises(s3.exceptions.ClientError, match="overlapping suffixes") as caught:
        _configure(
            lab,
            "uploads",
            _notify(lab, "uploads", "a", prefix="img/", rule_id="one"),
            _notify(
                lab,
                "uploads",
                "b",
                events=["s3:ObjectCreated:Put"],
                prefix="img/raw/",
                rule_id="two",
            ),
        )
    assert caught.value.response["Error"]["Code"] == "InvalidArgument"
    # Same prefix, suffixes that cannot both match: allowed.
    _configure(
        lab,
        "uploads",
        _notify(lab, "uploads", "a", prefix="img/", suffix=".jpg", rule_id="one"),
        _notify(lab, "uploads", "b", prefix="img/", suffix=".png", rule_id="two"),
    )
    missing = {"Id": "x", "LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:nobody",
               "Events": ["s3:ObjectCreated:*"]}  # fmt: skip
    with pytest.raises(
        s3.exceptions.ClientError, match="Unable to validate the following destination"
    ):
        _configure(lab, "uploads", missing)


def test_sns_subscriptions_with_a_filter_policy(virtual_lab):
    lab = virtual_lab
    sns = lab.client("sns")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    lab.deploy("all-orders", ECHO)
    lab.deploy("big-orders", ECHO)
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=lab.functions.get("all-orders").arn)
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=lab.functions.get("big-orders").arn,
                  Attributes={"FilterPolicy": json.dumps({"size": ["big"]})})  # fmt: skip
    small = {"size": {"DataType": "String", "StringValue": "small"}}
    sns.publish(TopicArn=topic, Message="small one", MessageAttributes=small)
    sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "1", "Message": "big one", "MessageAttributes": {"size": {"DataType": "String", "StringValue": "big"}}},
    ])  # fmt: skip
    lab.clock.run_until_idle()
    messages = lambda name: [r["Sns"]["Message"] for r in _records(lab, name)]  # noqa: E731
    assert messages("all-orders") == ["small one", "big one"]
    assert messages("big-orders") == ["big one"]
    assert all(e.source == "sns" for e in lab.async_queue.events())


def test_a_trigger_for_a_deleted_function_is_noted_not_fatal(virtual_lab):
    lab = virtual_lab
    sns = lab.client("sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    lab.deploy("gone", ECHO)
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=lab.functions.get("gone").arn)
    lab.client("lambda").delete_function(FunctionName="gone")
    assert sns.publish(TopicArn=topic, Message="hello")["MessageId"]
    assert any("gone" in failure for failure in lab.event_sources.failures)
