"""The capstone's grader: build the learner's application in a fresh Lab, drive it as a user
would, and score each requirement on its own, with a message naming what was missed.

    from lambda_lab.exercises.capstone import grade
    grade(build)              # in lessons/15_capstone.ipynb: a table of requirements and a score

In a terminal: ``lambda-lab exercises check 15-capstone capstone.py`` (passes at 100 %).
"""

from __future__ import annotations

import html
import json
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lambda_lab.exercises.model import Failed

REPORT_KEY, POISON_KEY = "uploads/report.txt", "uploads/poison.txt"


@dataclass
class Requirement:
    number: int
    title: str
    passed: bool = False
    message: str = ""


@dataclass
class Grade:
    requirements: list[Requirement] = field(default_factory=list)

    @property
    def score(self) -> float:
        return 100.0 * sum(r.passed for r in self.requirements) / len(self.requirements)

    @property
    def missed(self) -> list[Requirement]:
        return [r for r in self.requirements if not r.passed]

    def lines(self) -> list[str]:
        out = [
            f"{'✔' if r.passed else '✘'} R{r.number} {r.title}: {r.message}"
            for r in self.requirements
        ]
        return out + [f"score: {self.score:.0f} %"]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{'✔' if r.passed else '✘'}</td><td>R{r.number}</td><td>{html.escape(r.title)}</td>"
            f"<td style='overflow-wrap:anywhere'>{html.escape(r.message)}</td></tr>"
            for r in self.requirements
        )
        return (
            f"<table><tr><th></th><th></th><th>requirement</th><th>what the grader saw</th></tr>{rows}</table>"
            f"<p><b>Score: {self.score:.0f} %</b></p>"
        )


def _http(door: Any, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    exchange = door.request(method, path, json=body)
    raw = exchange.response.body
    try:
        return exchange.response.status, json.loads(raw or b"null")
    except ValueError:
        return exchange.response.status, raw


def _item(lab: Any, key: str) -> dict[str, Any] | None:
    try:
        found = (
            lab.client("dynamodb").get_item(TableName="files", Key={"key": {"S": key}}).get("Item")
        )
    except Exception as problem:  # noqa: BLE001 - a missing table is a miss, said plainly
        raise Failed(f"the table 'files' cannot be read ({type(problem).__name__})") from None
    return None if found is None else {k: next(iter(v.values())) for k, v in found.items()}


def _r1_upload(lab: Any, door: Any) -> str:
    status, body = _http(door, "POST", "/uploads", {"name": "report.txt", "content": "hello world"})
    if status not in (200, 201, 202) or not isinstance(body, dict) or body.get("key") != REPORT_KEY:
        raise Failed(
            f'POST /uploads answered {status} {body!r}; expected 2xx with {{"key": "{REPORT_KEY}"}}'
        )
    return f"POST /uploads answered {status} {json.dumps(body)}"


def _r2_stored(lab: Any, door: Any) -> str:
    try:
        data = lab.client("s3").get_object(Bucket="uploads", Key=REPORT_KEY)["Body"].read()
    except Exception as problem:  # noqa: BLE001
        raise Failed(
            f"no object {REPORT_KEY} in the bucket 'uploads' ({type(problem).__name__})"
        ) from None
    if data != b"hello world":
        raise Failed(f"{REPORT_KEY} holds {data[:40]!r}; expected b'hello world'")
    return f"s3://uploads/{REPORT_KEY} holds the 11 bytes uploaded"


def _r3_recorded(lab: Any, door: Any) -> str:
    lab.clock.advance(seconds=5)
    item = _item(lab, REPORT_KEY)
    if item is None:
        ran = len(lab.records.for_function("ingest")) if "ingest" in lab.functions else 0
        raise Failed(
            f"no item {REPORT_KEY!r} in 'files' after the upload (the function ingest ran {ran} times): "
            "S3 must notify a function that records each upload"
        )
    if str(item.get("size")) != "11":
        raise Failed(f"the item says size {item.get('size')!r}; expected 11, the object's size")
    return f"the item {REPORT_KEY} is in 'files' with size 11"


def _r4_processed(lab: Any, door: Any) -> str:
    for _ in range(6):
        lab.clock.advance(seconds=10)
    item = _item(lab, REPORT_KEY) or {}
    polled = [r for r in lab.records if r.invocation_type == "poll"]
    if item.get("status") != "processed" or not polled:
        raise Failed(
            f"after a minute the item's status is {item.get('status')!r} and "
            f"{len(polled)} invocations came from a queue: the work must go through SQS to a second function"
        )
    return f"status 'processed', set by {polled[-1].function_name} reading the queue"


def _r5_dead_letters(lab: Any, door: Any) -> str:
    _http(door, "POST", "/uploads", {"name": "poison.txt", "content": "poison"})
    for _ in range(30):  # five minutes in steps, so each redelivery is polled
        lab.clock.advance(seconds=10)
    sqs = lab.client("sqs")
    try:
        url = sqs.get_queue_url(QueueName="work-dlq")["QueueUrl"]
    except Exception:  # noqa: BLE001
        raise Failed("there is no queue 'work-dlq'") from None
    bodies = [
        m["Body"]
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    ]
    if not any(POISON_KEY in body for body in bodies):
        raise Failed(
            f"five minutes after the poison upload, work-dlq holds {bodies}: a failing message must be "
            "retried and then moved to the DLQ (a redrive policy on 'work')"
        )
    status = (_item(lab, POISON_KEY) or {}).get("status")
    if status == "processed":
        raise Failed("the poison upload is marked 'processed'; it must fail")
    return f"the poison message reached work-dlq after its retries (status {status!r})"


def _r6_status(lab: Any, door: Any) -> str:
    status, body = _http(door, "GET", "/uploads/report.txt")
    if status != 200 or not isinstance(body, dict) or body.get("status") != "processed":
        raise Failed(
            f"GET /uploads/report.txt answered {status} {body!r}; expected 200 with status 'processed'"
        )
    missing, _ = _http(door, "GET", "/uploads/missing.txt")
    if missing != 404:
        raise Failed(f"GET /uploads/missing.txt answered {missing}; expected 404")
    return "GET answered 200 with status 'processed', and 404 for an unknown upload"


REQUIREMENTS: list[tuple[str, Callable[[Any, Any], str]]] = [
    ("HTTP front door accepts an upload", _r1_upload),
    ("the upload is stored in S3", _r2_stored),
    ("S3 triggers a function that records it in DynamoDB", _r3_recorded),
    ("the work goes through SQS to a second function", _r4_processed),
    ("a failing message is retried, then lands in a DLQ", _r5_dead_letters),
    ("the status can be read over HTTP", _r6_status),
]


def grade_in(lab: Any, build: Callable[[Any], Any]) -> Grade:
    """Build the application in ``lab`` and score every requirement (never raises)."""
    result = Grade([Requirement(n, title) for n, (title, _) in enumerate(REQUIREMENTS, start=1)])
    try:
        door = build(lab)
        if not hasattr(door, "request"):
            raise TypeError(
                f"build(lab) returned {door!r}, not the front door (lab.http_api(...) or lab.alb(...))"
            )
    except Exception as problem:  # noqa: BLE001 - the learner's build: a verdict, not a traceback
        for requirement in result.requirements:
            requirement.message = f"build(lab) failed: {type(problem).__name__}: {problem}"
        return result
    for requirement, (_, check) in zip(result.requirements, REQUIREMENTS):
        try:
            requirement.message = check(lab, door)
            requirement.passed = True
        except Failed as miss:
            requirement.message = miss.seen
        except Exception as problem:  # noqa: BLE001
            requirement.message = f"{type(problem).__name__}: {problem}"
    return result


def grade(build: Callable[[Any], Any]) -> Grade:
    """Grade ``build`` in a fresh Lab with a virtual clock (shown as a table in a notebook)."""
    from lambda_lab.lab import Lab

    with Lab(clock="virtual") as lab:
        return grade_in(lab, build)


def build_from_source(source: str) -> Callable[[Any], Any]:
    module = types.ModuleType("capstone")
    exec(compile(source, "capstone.py", "exec"), module.__dict__)  # noqa: S102 - the learner's own file, run as in their notebook
    if not callable(getattr(module, "build", None)):
        raise Failed(
            "your file has no build(lab) function", "def build(lab): ... returning the front door"
        )
    return module.build
