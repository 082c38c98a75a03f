"""Services that push events to a function: S3 notifications, SNS, EventBridge rules and schedules."""

from typing import Any, Protocol


class TriggerInvoke(Protocol):
    """How a trigger hands an event to a function: an asynchronous invoke, as AWS routes it
    (``source``: ``s3``, ``sns``, ``events``). :meth:`EventSources.invoke_async` is the one."""

    def __call__(self, function: str, event: Any, source: str) -> None: ...
