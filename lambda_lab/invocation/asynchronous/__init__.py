"""Asynchronous invocation (InvocationType=Event): the internal queue, retries, dead-letter
queues, destinations and the per-function settings that govern them.

``lab.invoke_async(...)`` and ``lab.client("lambda").invoke(InvocationType="Event", ...)`` put
events on :class:`~lambda_lab.invocation.asynchronous.queue.AsyncQueue`; S3, SNS and EventBridge
triggers use the same queue, as AWS routes them.
"""

from lambda_lab.invocation.asynchronous.configs import EventInvokeConfig, EventInvokeConfigs
from lambda_lab.invocation.asynchronous.journey import AsyncEvent, Step
from lambda_lab.invocation.asynchronous.queue import AsyncQueue

__all__ = ["AsyncEvent", "AsyncQueue", "EventInvokeConfig", "EventInvokeConfigs", "Step"]
