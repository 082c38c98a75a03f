"""Small helpers shared by the invocation-model tests (queues, topics, shape comparison)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parents[1] / "event_sources" / "samples"

# A handler that logs and returns the event it received, so a test can compare it with AWS's sample.
ECHO = "import json\n\ndef lambda_handler(event, context):\n    print('EVENT ' + json.dumps(event))\n    return event\n"
FAILS = "def lambda_handler(event, context):\n    raise Exception('boom')\n"
# Fails when the event says so (deployed with handler="lambda_function.handler").
FLAKY = "def handler(event, context):\n    if event.get('fail'):\n        raise ValueError('bad')\n    return 1\n"


def minute_of_calls(lab: Any, failures: int, successes: int) -> None:
    """A minute of traffic to FLAKY on a virtual clock: failing calls, then good ones."""
    for _ in range(failures):
        lab.invoke("flaky", {"fail": True})
    for _ in range(successes):
        lab.invoke("flaky", {})
    lab.clock.advance(minutes=1)


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def make_queue(lab: Any, name: str, **attributes: str) -> tuple[str, str]:
    """(QueueUrl, QueueArn) of a new queue."""
    sqs = lab.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def receive_all(lab: Any, url: str) -> list[dict[str, Any]]:
    sqs = lab.client("sqs")
    found: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            return found
        found += batch


def shape_differences(actual: Any, expected: Any, path: str = "$") -> list[str]:
    """Where ``actual`` differs from ``expected`` in structure: keys (exact sets) and value types.

    Values themselves (ids, times, names) are data and may differ; lists are compared element
    by element against the sample's first element.
    """
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {type(actual).__name__}"]
        problems = []
        missing, extra = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
        if missing:
            problems.append(f"{path}: missing keys {missing}")
        if extra:
            problems.append(f"{path}: extra keys {extra}")
        for key in set(expected) & set(actual):
            problems += shape_differences(actual[key], expected[key], f"{path}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected a list, got {type(actual).__name__}"]
        if not expected:
            return []
        problems = []
        for index, item in enumerate(actual):
            problems += shape_differences(item, expected[0], f"{path}[{index}]")
        return problems if actual else [f"{path}: expected a non-empty list"]
    if type(actual) is not type(expected):
        return [
            f"{path}: expected {type(expected).__name__} ({expected!r}), got {type(actual).__name__} ({actual!r})"
        ]
    return []


def events_received(lab: Any, function_name: str) -> list[Any]:
    """Every event the ECHO function got, in order, read back from its log."""
    lines = lab.logs.events(function_name, pattern="EVENT ")
    return [json.loads(e.message.split("EVENT ", 1)[1]) for e in lines]
