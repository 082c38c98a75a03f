"""moto's in-memory AWS services, loaded on first need and shared by the Labs of this process.

Importing moto's server costs about half a second and 40-50 MB, so nothing here runs until
a request for another service arrives. moto keeps its state in module-level backends: Labs
open at the same time share it (they are the same account), and it is wiped when the last
Lab that used it closes, so the next Lab starts empty.

The Lab runs Lambda itself (DESIGN principle 6). Where moto would hand an event to its own
Lambda backend (an SNS subscription, an S3 notification), :class:`_LabRunsLambda` stands in
and does nothing: the Lab's own hooks deliver those events, in AWS's shapes, to real workers.
"""

from __future__ import annotations

import threading
import time
from typing import Any

_lock = threading.Lock()
_app: Any = None
_users = 0
load_seconds: float | None = None  # how long the first load took, for reports and benchmarks


class _LabRunsLambda:
    """What moto's services see instead of moto's Lambda backend."""

    def send_sns_message(self, *args: Any, **kwargs: Any) -> None:
        """SNS -> Lambda: the Lab's SNS hook invokes the subscribed function."""

    def get_function(self, *args: Any, **kwargs: Any) -> Any:
        # moto's S3 notifier catches this and moves on; the Lab's S3 hook fires instead.
        raise LookupError("functions live in the Lab, not in moto")

    def invoke(self, *args: Any, **kwargs: Any) -> None:
        """EventBridge -> Lambda: the Lab routes PutEvents itself."""


_SEAM = _LabRunsLambda()


def _lab_lambda_backend(account_id: str, region: str) -> _LabRunsLambda:
    return _SEAM


def wsgi_app() -> Any:
    """moto's WSGI application (every service, chosen per request from its signature)."""
    global _app, load_seconds
    with _lock:
        if _app is None:
            started = time.perf_counter()
            import moto.awslambda.utils
            from moto.server import DomainDispatcherApplication, create_backend_app

            moto.awslambda.utils.get_backend = _lab_lambda_backend  # type: ignore[assignment]
            from lambda_lab.orchestration import step_functions

            step_functions.prepare_moto()  # state machines run, their Lambda tasks in the Lab
            from lambda_lab.aws import stream_shapes

            stream_shapes.install()  # AWS's sequence numbers and stream labels
            _app = DomainDispatcherApplication(create_backend_app)
            load_seconds = time.perf_counter() - started
        return _app


def acquire() -> None:
    """A Lab starts using moto's state."""
    global _users
    with _lock:
        _users += 1


def release() -> None:
    """A Lab is done with moto; the last one out wipes every backend."""
    global _users
    with _lock:
        _users = max(0, _users - 1)
        if _users or _app is None:
            return
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()


def loaded() -> bool:
    return _app is not None
