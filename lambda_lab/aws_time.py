"""AWS's timestamp formats, each in one function of an epoch time from the Lab's clock.

Every time the Lab reports (LastModified, CreationTime, event times, trace ids, log stream
names) is written here from ``clock.time()``, never from the wall clock, so a virtual clock
moves them too. Each format names where AWS uses it.
"""

from __future__ import annotations

import datetime


def _utc(epoch: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)


def utc_date(epoch: float) -> datetime.date:
    """The UTC calendar day of ``epoch``: what runtime deprecation dates are compared with."""
    return _utc(epoch).date()


def function_timestamp(epoch: float) -> str:
    """``2024-01-01T12:00:00.000+0000``: FunctionConfiguration.LastModified, a layer version's
    CreatedDate."""
    moment = _utc(epoch)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def seconds_timestamp(epoch: float) -> str:
    """``2024-01-01T12:00:00+0000``: provisioned concurrency's LastModified."""
    return _utc(epoch).strftime("%Y-%m-%dT%H:%M:%S+0000")


def iso_micros(epoch: float) -> str:
    """``2024-01-01T12:00:00.123456Z``: function URLs' CreationTime and LastModifiedTime."""
    return _utc(epoch).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_millis(epoch: float) -> str:
    """``2024-01-01T12:00:00.123Z``: S3 eventTime, SQS/SNS timestamps, destination records."""
    moment = _utc(epoch)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_seconds(epoch: float) -> str:
    """``2024-01-01T12:00:00Z``: EventBridge events' ``time``, a tumbling window's bounds."""
    return _utc(epoch).strftime("%Y-%m-%dT%H:%M:%SZ")


def access_log_time(epoch: float) -> str:
    """``01/Jan/2024:12:00:00 +0000``: API Gateway's ``requestContext.requestTime``."""
    return _utc(epoch).strftime("%d/%b/%Y:%H:%M:%S +0000")


def log_stream_day(epoch: float) -> str:
    """``2024/01/01``: the date that starts a Lambda log stream's name."""
    return _utc(epoch).strftime("%Y/%m/%d")


def trace_epoch(epoch: float) -> str:
    """``65929a40``: the 8 hex digits of seconds in an X-Ray trace id (``1-65929a40-...``)."""
    return f"{int(epoch):08x}"
