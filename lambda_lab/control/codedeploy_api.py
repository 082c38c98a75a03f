"""The CodeDeploy operations a Lambda deployment's hooks and learners call, on the Lab's endpoint.

A PreTraffic hook written for AWS ends with::

    boto3.client("codedeploy").put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status="Succeeded")

Its request reaches the Lab's loopback endpoint, which hands CodeDeploy requests here
first. Current botocore speaks Smithy RPC v2 CBOR to CodeDeploy (``POST
/service/CodeDeploy_20141006/operation/<Operation>``); older clients speak JSON 1.1 with an
``X-Amz-Target`` header. Both are answered in the protocol they came in. Operations other
than these four go on to moto (applications, deployment groups...).
"""

from __future__ import annotations

import json
from typing import Any

from lambda_lab.control.deployments import DeploymentError, Deployments

OPERATIONS = (
    "PutLifecycleEventHookExecutionStatus",
    "GetDeployment",
    "ListDeployments",
    "StopDeployment",
)
_TARGET = "CodeDeploy_20141006."


def operation_of(method: str, path: str, headers: dict[str, str]) -> str:
    """The operation a CodeDeploy request asks for, in either protocol ('' if neither)."""
    target = headers.get("x-amz-target", "")
    if target.startswith(_TARGET):
        return target[len(_TARGET) :]
    if method == "POST" and "/operation/" in path:
        return path.rsplit("/operation/", 1)[1].strip("/")
    return ""


def answer_request(
    deployments: Deployments, request: Any
) -> tuple[int, dict[str, str], bytes] | None:
    """What the endpoint calls with an ``AwsRequest`` for CodeDeploy."""
    headers = request.headers  # lower-case names
    cbor = "cbor" in headers.get("content-type", "") or "smithy-protocol" in headers
    operation = operation_of(request.method, request.path, headers)
    return answer(deployments, operation, request.body, cbor)


def answer(
    deployments: Deployments, operation: str, body: bytes, cbor: bool
) -> tuple[int, dict[str, str], bytes] | None:
    """(status, headers, body) for one of :data:`OPERATIONS`; None for anything else."""
    if operation not in OPERATIONS:
        return None
    try:
        params = _decode(body, cbor)
        result = _call(deployments, operation, params)
        return _encode(200, result, cbor)
    except DeploymentError as exc:
        return _encode(400, {"__type": exc.code, "message": str(exc)}, cbor)
    except (KeyError, TypeError, ValueError) as exc:
        return _encode(400, {"__type": "ValidationException", "message": str(exc)}, cbor)


def _call(deployments: Deployments, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    if operation == "PutLifecycleEventHookExecutionStatus":
        deployment_id = _required(params, "deploymentId", "DeploymentIdRequiredException")
        execution_id = _required(
            params, "lifecycleEventHookExecutionId", "InvalidLifecycleEventHookExecutionIdException"
        )
        status = str(params.get("status", ""))
        found = deployments.report_hook(deployment_id, execution_id, status)
        return {"lifecycleEventHookExecutionId": found}
    if operation == "GetDeployment":
        deployment_id = _required(params, "deploymentId", "DeploymentIdRequiredException")
        return {"deploymentInfo": deployments.get(deployment_id).as_aws()}
    if operation == "ListDeployments":
        wanted = params.get("includeOnlyStatuses") or None
        return {"deployments": [d.deployment_id for d in deployments.all()
                                if wanted is None or d.status in wanted]}  # fmt: skip
    deployment_id = _required(params, "deploymentId", "DeploymentIdRequiredException")
    deployments.stop(deployment_id, "StopDeployment was called")
    return {"status": "Succeeded", "statusMessage": "The deployment was stopped and rolled back."}


def _required(params: dict[str, Any], name: str, code: str) -> str:
    value = params.get(name)
    if not value:
        raise DeploymentError(code, f"{name} is required.")
    return str(value)


def _decode(body: bytes, cbor: bool) -> dict[str, Any]:
    if not body:
        return {}
    if cbor:
        from moto.core import cbor as codec

        decoded = codec.loads(body)
    else:
        decoded = json.loads(body)
    if not isinstance(decoded, dict):
        raise ValueError("the request body must be an object")
    return decoded


def _encode(status: int, document: dict[str, Any], cbor: bool) -> tuple[int, dict[str, str], bytes]:
    headers = {"x-amzn-RequestId": _request_id()}
    if cbor:
        from moto.core import cbor as codec

        headers.update({"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"})
        return status, headers, codec.dumps(document)
    headers["Content-Type"] = "application/x-amz-json-1.1"
    if status != 200:
        headers["x-amzn-ErrorType"] = str(document.get("__type"))
    return status, headers, json.dumps(document).encode()


def _request_id() -> str:
    import uuid

    return str(uuid.uuid4())
