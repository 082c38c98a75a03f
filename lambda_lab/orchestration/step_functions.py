"""AWS Step Functions in the Lab: moto runs the state machines, their Lambda tasks run here.

moto (5.1 and later) can *execute* Amazon States Language when its configuration says
``{"stepfunctions": {"execute_state_machine": True}}``: Task, Choice, Wait, Parallel, Map,
Pass, Succeed and Fail states, Retry and Catch, ``.waitForTaskToken`` callbacks, and an
execution history with AWS's event types (``TaskStateEntered``, ``LambdaFunctionScheduled``,
``LambdaFunctionFailed``...). To call a function, moto's interpreter makes a boto3 client and
calls ``Invoke``. :func:`prepare_moto` (run when the Lab loads moto) switches execution on
and gives the interpreter clients bound to the Lab's loopback endpoint, so a Task whose
Resource is a function ARN (or ``arn:aws:states:::lambda:invoke``) runs the Lab's function in
a real worker, and an ``sns:publish`` or ``dynamodb:putItem`` task reaches the Lab's moto.

In the Lab: executions run in real time on background threads (a Wait of 2 seconds takes 2
seconds, whatever the Lab's clock); moto's state is shared by the Labs of one process, so
Lambda tasks go to the Lab that registered last and is still open.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from lambda_lab.client import FAKE_KEY_ID, FAKE_SECRET, botocore_session

_lock = threading.Lock()
_endpoints: list[weakref.ref[Any]] = []  # LabEndpoint objects, most recent last
_prepared = False
RUNNING = "RUNNING"
FINISHED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


def register(endpoint: Any) -> None:
    """Send the Lambda (and other) calls of state machines to ``endpoint`` (a LabEndpoint),
    held weakly: a closed or forgotten Lab falls out by itself."""
    with _lock:
        _endpoints[:] = [ref for ref in _endpoints if ref() is not None and ref() is not endpoint]
        _endpoints.append(weakref.ref(endpoint))


def current_endpoint_url() -> str | None:
    """The URL of the most recently registered endpoint that can still answer."""
    with _lock:
        candidates = [ref() for ref in reversed(_endpoints)]
    for endpoint in candidates:
        if endpoint is not None and not getattr(endpoint, "_closed", False):
            try:
                return str(endpoint.url)
            except RuntimeError:  # closed while we looked
                continue
    return None


def prepare_moto() -> None:
    """Turn on moto's ASL interpreter and route its AWS calls to the Lab (idempotent).

    Importing the interpreter costs a second or two, so nothing of it is imported here: the
    patches are applied by an import hook when moto first loads it, for a Step Functions
    request. A Lab that never uses Step Functions pays nothing.
    """
    global _prepared
    with _lock:
        if _prepared:
            return
        _prepared = True
    from moto.core.config import default_user_config

    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    # A failed execution is in its history (ExecutionFailed with error and cause), as on AWS;
    # moto's interpreter would also print each one on stderr, in the middle of a notebook.
    import logging  # (with moto, which loads it anyway)

    logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
    _after_import(_BOTO_CLIENT, _route_clients_to_the_lab)
    _after_import(_PARSER_MODELS, _default_execution_names)


_BOTO_CLIENT = "moto.stepfunctions.parser.asl.utils.boto_client"
_PARSER_MODELS = "moto.stepfunctions.parser.models"


def _route_clients_to_the_lab(module: Any) -> None:
    """moto's interpreter makes its clients with ``boto_client_for``: give it the Lab's."""
    original = module.boto_client_for

    def lab_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        url = current_endpoint_url()
        if url is None:  # no Lab: moto's own behaviour (its server on MOTO_PORT)
            return original(region=region, service=service, state_credentials=state_credentials)
        from botocore.config import Config

        return botocore_session().create_client(
            service,
            region_name=region,
            endpoint_url=url,
            aws_access_key_id=FAKE_KEY_ID,
            aws_secret_access_key=FAKE_SECRET,
            config=Config(
                parameter_validation=False,
                retries={"max_attempts": 0, "total_max_attempts": 1},
                read_timeout=960,  # a Lambda task may run for 15 minutes
            ),
        )

    # Patched as the module finishes loading, before any other module imports the name.
    module.boto_client_for = lab_client_for


def _default_execution_names(module: Any) -> None:
    """StartExecution without a name gets a UUID on AWS; moto's interpreter would name every
    such execution ``None``, and the second one would clash with the first."""
    import uuid

    backend = module.StepFunctionsParserBackend
    start = backend.start_execution

    def start_execution(self: Any, state_machine_arn: str, name: Any = None, *args: Any,
                        **kwargs: Any) -> Any:  # fmt: skip
        return start(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)

    backend.start_execution = start_execution


def _after_import(name: str, patch: Callable[[Any], None]) -> None:
    """Run ``patch(module)`` right after module ``name`` is first executed (or now, if it was)."""
    if name in sys.modules:
        patch(sys.modules[name])
        return
    sys.meta_path.insert(0, _PatchingFinder(name, patch))


class _PatchingFinder:
    """Finds one module through the other finders and patches it once it has loaded (a meta
    path finder needs only ``find_spec``: no importlib.abc base, which costs milliseconds to
    import with every Lab)."""

    def __init__(self, name: str, patch: Callable[[Any], None]) -> None:
        self._name, self._patch = name, patch

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self._name:
            return None
        sys.meta_path.remove(self)  # once is enough; also keeps the search below from looping
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader, patch = spec.loader, self._patch
        execute = loader.exec_module

        def exec_module(module: Any) -> None:
            execute(module)
            patch(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


# -- helpers for lessons and tests ----------------------------------------------------------------
def wait_for(sfn: Any, execution_arn: str, timeout_s: float = 60.0) -> dict[str, Any]:
    """DescribeExecution once the execution has ended (executions run in the background)."""
    deadline = time.monotonic() + timeout_s
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != RUNNING:
            return dict(described)
        if time.monotonic() > deadline:
            raise TimeoutError(f"execution {execution_arn} still RUNNING after {timeout_s} s")
        time.sleep(0.02)


def wait_for_task_token(lab_logs_tail: Callable[[], str], timeout_s: float = 30.0) -> str:
    """The task token a callback task passed to a function that printed it as JSON
    (``{"taskToken": ...}``): how a lesson plays the outside system that answers later."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for line in reversed(lab_logs_tail().splitlines()):
            if '"taskToken"' in line:
                try:
                    return str(json.loads(line)["taskToken"])
                except (ValueError, KeyError):
                    continue
        time.sleep(0.02)
    raise TimeoutError(f"no task token was printed within {timeout_s} s")


def history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    """Every event of an execution's history, in order (all pages)."""
    events: list[dict[str, Any]] = []
    token = None
    while True:
        page = sfn.get_execution_history(
            executionArn=execution_arn, **({"nextToken": token} if token else {})
        )
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def history_lines(events: list[dict[str, Any]]) -> list[str]:
    """The history as the console's table shows it: id, type, and the state or the detail."""
    lines = []
    for event in events:
        detail: dict[str, Any] = next(
            (v for k, v in event.items() if k.endswith("EventDetails")), {}
        )
        label = detail.get("name") or detail.get("resource", "").rsplit(":", 1)[-1]
        if "error" in detail:
            label = f"{label} {detail['error']}".strip()
        lines.append(f"{event['id']:>3}  {event['type']:<28} {label}")
    return lines
