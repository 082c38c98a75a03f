"""CloudWatch Logs reads of the Lab's own log groups (``aws logs tail /aws/lambda/NAME``...).

The Lab writes its functions' logs into :class:`lambda_lab.monitoring.logs.LogStore`, rendered from
invocation records. The reads the AWS CLI and boto3 use to look at them
(FilterLogEvents, GetLogEvents, DescribeLogStreams, DescribeLogGroups) are answered here
from that store, in CloudWatch Logs' JSON shapes; every other Logs call, and reads of
groups the Lab does not hold, go on to moto. DescribeLogGroups lists both.
"""

from __future__ import annotations

import hashlib
import io
import json
from typing import TYPE_CHECKING, Any

from lambda_lab import errors, limits
from lambda_lab.api import paging

if TYPE_CHECKING:
    from lambda_lab.lab import Lab
    from lambda_lab.monitoring.logs import LogEvent

TARGET_PREFIX = "Logs_20140328."
PAGE_MAX = 10_000  # CloudWatch returns at most 10,000 events per call


def answer(lab: Lab, environ: dict[str, Any]) -> tuple[int, dict[str, str], bytes] | None:
    """A reply for a Logs read of one of the Lab's groups, or None to let moto answer."""
    operation = environ.get("HTTP_X_AMZ_TARGET", "").removeprefix(TARGET_PREFIX)
    if operation not in _READS:
        return None
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(raw)  # moto may still need to read it
    try:
        params = json.loads(raw or b"{}")
    except ValueError:
        return None
    if operation == "DescribeLogGroups":
        return _describe_groups(lab, environ, params)
    group = params.get("logGroupName") or _group_from_identifier(params.get("logGroupIdentifier"))
    if not group or group not in lab.logs.groups():
        return None
    read = _READS[operation]
    assert read is not None  # DescribeLogGroups was answered above
    try:
        return _reply(read(lab, group, params))
    except errors.InvalidParameterValueException:  # a nextToken the Lab did not issue
        body = {
            "__type": "InvalidParameterException",
            "message": "The specified nextToken is invalid.",
        }
        headers = {"Content-Type": "application/x-amz-json-1.1"}
        return (
            400,
            {**headers, "x-amzn-ErrorType": "InvalidParameterException"},
            json.dumps(body).encode(),
        )


def _reply(document: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(document).encode()


def _group_from_identifier(identifier: str | None) -> str | None:
    if not identifier:
        return None
    return (
        identifier.split(":log-group:", 1)[1].removesuffix(":*")
        if ":log-group:" in identifier
        else identifier
    )


def _millis(seconds: float) -> int:
    return int(seconds * 1000)


def _event_id(event: LogEvent, index: int) -> str:
    return hashlib.sha1(f"{event.stream}|{event.timestamp}|{index}".encode()).hexdigest()


def _matches(message: str, pattern: str | None) -> bool:
    """CloudWatch's simplest filter patterns: terms that must all appear ("ERROR", "Task timed out")."""
    if not pattern or not pattern.strip():
        return True
    text = pattern.strip()
    terms = [text[1:-1]] if text.startswith('"') and text.endswith('"') else text.split()
    return all(term.strip('"') in message for term in terms)


def _window(events: list[LogEvent], params: dict[str, Any]) -> list[tuple[int, LogEvent]]:
    start, end = params.get("startTime"), params.get("endTime")
    return [
        (i, e)
        for i, e in enumerate(events)
        if (start is None or _millis(e.timestamp) >= start)
        and (end is None or _millis(e.timestamp) <= end)
    ]


def _page(items: list[Any], params: dict[str, Any]) -> tuple[list[Any], str | None]:
    """CloudWatch's ``nextToken`` and ``limit``, cut by the API layer's one pager."""
    return paging.page(items, params.get("nextToken"), params.get("limit"), PAGE_MAX)


def _filter_events(lab: Lab, group: str, params: dict[str, Any]) -> dict[str, Any]:
    wanted = set(params.get("logStreamNames") or [])
    prefix = params.get("logStreamNamePrefix") or ""
    events = [
        e
        for e in lab.logs.events(group)
        if (not wanted or e.stream in wanted) and e.stream.startswith(prefix)
    ]
    found = [
        (i, e)
        for i, e in _window(events, params)
        if _matches(e.message, params.get("filterPattern"))
    ]
    page, token = _page(found, params)
    result: dict[str, Any] = {
        "events": [
            {
                "logStreamName": e.stream,
                "timestamp": _millis(e.timestamp),
                "message": e.message,
                "ingestionTime": _millis(e.timestamp),
                "eventId": _event_id(e, i),
            }
            for i, e in page
        ],
        "searchedLogStreams": [],
    }
    if token:
        result["nextToken"] = token
    return result


def _get_events(lab: Lab, group: str, params: dict[str, Any]) -> dict[str, Any]:
    events = _window(lab.logs.events(group, stream=params.get("logStreamName")), params)
    limit = min(int(params.get("limit") or PAGE_MAX), PAGE_MAX)
    # Without startFromHead, GetLogEvents returns the newest events, as CloudWatch does.
    page = events[:limit] if params.get("startFromHead") else events[-limit:]
    return {
        "events": [
            {
                "timestamp": _millis(e.timestamp),
                "message": e.message,
                "ingestionTime": _millis(e.timestamp),
            }
            for _, e in page
        ],
        # The same tokens back: a reader that follows them stops, as at the end of a real stream.
        "nextForwardToken": f"f/{len(events):056d}",
        "nextBackwardToken": "b/" + "0" * 56,
    }


def _describe_streams(lab: Lab, group: str, params: dict[str, Any]) -> dict[str, Any]:
    prefix = params.get("logStreamNamePrefix") or ""
    events = lab.logs.events(group)
    streams = []
    for name in lab.logs.streams(group):
        if not name.startswith(prefix):
            continue
        times = [_millis(e.timestamp) for e in events if e.stream == name] or [0]
        streams.append(
            {
                "logStreamName": name,
                "creationTime": min(times),
                "firstEventTimestamp": min(times),
                "lastEventTimestamp": max(times),
                "lastIngestionTime": max(times),
                "storedBytes": 0,
                "arn": f"{_group_arn(lab, group).removesuffix(':*')}:log-stream:{name}",
            }
        )
    if params.get("orderBy") == "LastEventTime":
        streams.sort(key=lambda s: int(str(s["lastEventTimestamp"])))
    if params.get("descending"):
        streams.reverse()
    page, token = _page(streams, params)
    return {"logStreams": page, **({"nextToken": token} if token else {})}


def _group_arn(lab: Lab, group: str) -> str:
    return f"arn:aws:logs:{lab.region}:{limits.ACCOUNT_ID}:log-group:{group}:*"


def _describe_groups(
    lab: Lab, environ: dict[str, Any], params: dict[str, Any]
) -> tuple[int, dict[str, str], bytes]:
    """The Lab's groups merged with moto's (groups a learner created with CreateLogGroup)."""
    from lambda_lab.aws import moto_backend

    status_holder: list[str] = []
    answer = moto_backend.wsgi_app()(
        environ, lambda status, headers, exc_info=None: status_holder.append(status)
    )
    body = b"".join(answer)
    theirs = (
        json.loads(body or b"{}").get("logGroups", []) if status_holder[:1] == ["200 OK"] else []
    )
    prefix = params.get("logGroupNamePrefix") or ""
    ours = [
        {
            "logGroupName": g,
            "creationTime": 0,
            "metricFilterCount": 0,
            "arn": _group_arn(lab, g),
            "logGroupArn": _group_arn(lab, g).removesuffix(":*"),
            "storedBytes": 0,
            "logGroupClass": "STANDARD",
        }
        for g in lab.logs.groups()
        if g.startswith(prefix)
    ]
    known = {g["logGroupName"] for g in ours}
    merged = sorted(
        ours + [g for g in theirs if g.get("logGroupName") not in known],
        key=lambda g: g["logGroupName"],
    )
    return _reply({"logGroups": merged})


_READS = {
    "FilterLogEvents": _filter_events,
    "GetLogEvents": _get_events,
    "DescribeLogStreams": _describe_streams,
    "DescribeLogGroups": None,
}
