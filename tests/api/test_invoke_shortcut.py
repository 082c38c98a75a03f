"""`lab.client("lambda").invoke` takes a shortcut past botocore's request pipeline; every answer
and every error must be the one the full client gives (botocore's own path through the REST
layer), call for call, and the Lab must run each call exactly once either way."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import re
import threading
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError
from botocore.response import StreamingBody

from lambda_lab import Lab
from lambda_lab.api import operation

HANDLER = """
import json

def lambda_handler(event, context):
    if isinstance(event, dict) and event.get("fail"):
        raise ValueError("asked to fail")
    print("got", json.dumps(event))
    custom = context.client_context.custom if context.client_context else None
    return {"event": event, "custom": custom, "arn": context.invoked_function_arn}
"""
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
NUMBER = re.compile(r"\d+(\.\d+)?")
CONTEXT = base64.b64encode(json.dumps({"custom": {"tenant": "t-1"}}).encode()).decode()


@pytest.fixture(scope="module")
def lab():
    with Lab(state_transition_s=0) as instance:
        instance.deploy("echo", HANDLER)
        client = instance.client("lambda")
        client.publish_version(FunctionName="echo")
        client.create_alias(FunctionName="echo", Name="live", FunctionVersion="1")
        instance.deploy("shut", HANDLER)
        instance.concurrency.reserve("shut", 0)  # every call throttled
        yield instance


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The parameters of every Invoke the Lab's operation runs (over either path)."""
    seen: list[dict[str, Any]] = []
    original = operation.OPERATIONS["Invoke"]

    def counted(lab: Any, params: dict[str, Any]) -> Any:
        seen.append(dict(params))
        return original.handler(lab, params)

    monkeypatch.setitem(
        operation.OPERATIONS, "Invoke", dataclasses.replace(original, handler=counted)
    )
    return seen


def full_invoke(client: Any, *args: Any, **kwargs: Any) -> Any:
    """botocore's own Invoke: the generated method, through the whole request pipeline."""
    return type(client).invoke(client, *args, **kwargs)


def botocore_pipeline_calls(client: Any) -> list[str]:
    """Operations that go through botocore's request pipeline (``_make_api_call``) from now."""
    calls: list[str] = []
    pipeline = client._make_api_call  # noqa: SLF001

    def counted(operation_name: str, params: dict[str, Any]) -> Any:
        calls.append(operation_name)
        return pipeline(operation_name, params)

    client._make_api_call = counted  # noqa: SLF001
    return calls


def _log(text: str) -> str:
    return NUMBER.sub("N", UUID.sub("<id>", text))


def normal(response: dict[str, Any]) -> dict[str, Any]:
    """A response with what differs from call to call (ids, durations) made comparable."""
    out = dict(response)
    body = out.pop("Payload")
    assert isinstance(body, StreamingBody)
    out["Payload"] = UUID.sub("<id>", body.read().decode())
    if "LogResult" in out:
        out["LogResult"] = _log(base64.b64decode(out["LogResult"]).decode())
    metadata = dict(out["ResponseMetadata"])
    metadata["RequestId"] = UUID.sub("<id>", metadata["RequestId"])
    headers = dict(metadata["HTTPHeaders"])
    headers["x-amzn-requestid"] = "<id>"
    if "x-amz-log-result" in headers:
        headers["x-amz-log-result"] = "<log>"
    metadata["HTTPHeaders"] = headers
    out["ResponseMetadata"] = metadata
    return {"keys": list(response), **out}


def outcome(call: Any, **params: Any) -> tuple[str, Any]:
    """What a call gives: ("ok", normalised response) or (exception class, its details)."""
    try:
        return "ok", normal(call(**params))
    except ClientError as exc:
        response = json.loads(UUID.sub("<id>", json.dumps(exc.response)))
        return type(exc).__qualname__, (str(UUID.sub("<id>", str(exc))), response)
    except (ParamValidationError, TypeError) as exc:
        return type(exc).__qualname__, str(exc)


CASES = {
    "success": {"FunctionName": "echo", "Payload": b'{"key1": "value1"}'},
    "no payload": {"FunctionName": "echo"},
    "empty payload": {"FunctionName": "echo", "Payload": b""},
    "str payload": {"FunctionName": "echo", "Payload": '{"text": "caf\u00e9"}'},
    "bytearray payload": {"FunctionName": "echo", "Payload": bytearray(b"[1, 2]")},
    "not JSON": {"FunctionName": "echo", "Payload": b"{nope"},
    "function error": {"FunctionName": "echo", "Payload": b'{"fail": true}'},
    "log tail": {"FunctionName": "echo", "Payload": b'{"a": 1}', "LogType": "Tail"},
    "log none": {"FunctionName": "echo", "LogType": "None"},
    "error with log tail": {"FunctionName": "echo", "Payload": b'{"fail": 1}', "LogType": "Tail"},
    "event": {"FunctionName": "echo", "InvocationType": "Event", "Payload": b"{}"},
    "dry run": {"FunctionName": "echo", "InvocationType": "DryRun"},
    "request-response": {"FunctionName": "echo", "InvocationType": "RequestResponse"},
    "client context": {"FunctionName": "echo", "ClientContext": CONTEXT, "Payload": b"{}"},
    "bad client context": {"FunctionName": "echo", "ClientContext": "not base64!"},
    "qualifier version": {"FunctionName": "echo", "Qualifier": "1"},
    "qualifier alias": {"FunctionName": "echo", "Qualifier": "live"},
    "qualifier latest": {"FunctionName": "echo", "Qualifier": "$LATEST"},
    "alias in name": {"FunctionName": "echo:live"},
    "arn": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:echo:1"},
    "partial arn": {"FunctionName": "123456789012:function:echo"},
    "two qualifiers disagree": {"FunctionName": "echo:live", "Qualifier": "1"},
    "unknown qualifier": {"FunctionName": "echo", "Qualifier": "nope"},
    "bad qualifier": {"FunctionName": "echo", "Qualifier": "not valid!"},
    "not found": {"FunctionName": "missing"},
    "other region": {"FunctionName": "arn:aws:lambda:eu-west-1:123456789012:function:echo"},
    "bad name": {"FunctionName": "bad name!"},
    "long name": {"FunctionName": "x" * 200},
    "bad invocation type": {"FunctionName": "echo", "InvocationType": "Later"},
    "bad log type": {"FunctionName": "echo", "LogType": "All"},
    "missing name": {"Payload": b"{}"},
    "empty name": {"FunctionName": ""},
    "wrong name type": {"FunctionName": 42},
    "wrong payload type": {"FunctionName": "echo", "Payload": 42},
    "none payload": {"FunctionName": "echo", "Payload": None},
    "unknown parameter": {"FunctionName": "echo", "Colour": "blue"},
    "too large": {"FunctionName": "echo", "Payload": b'"' + b"x" * (6 * 1024 * 1024) + b'"'},
    "tenant on a plain function": {"FunctionName": "echo", "TenantId": "tenant-1"},
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_shortcut_answers_as_the_full_client(lab: Lab, runs: list, case: str) -> None:
    client = lab.client("lambda", config=Config(retries={"total_max_attempts": 1}))
    pipeline = botocore_pipeline_calls(client)
    params = CASES[case]
    shortcut = outcome(client.invoke, **params)
    by_shortcut, through_pipeline = list(runs), len(pipeline)
    runs.clear()
    full = outcome(lambda **p: full_invoke(client, **p), **params)
    assert shortcut == full
    assert by_shortcut == runs  # the Lab ran the same operation, as often, with the same input
    if shortcut[0] == "ok":
        assert through_pipeline == 0  # answered by the shortcut itself


def test_positional_arguments_are_refused_alike(lab: Lab) -> None:
    client = lab.client("lambda")
    with pytest.raises(TypeError) as shortcut:
        client.invoke("echo")
    with pytest.raises(TypeError) as full:
        full_invoke(client, "echo")
    assert str(shortcut.value) == str(full.value) == "invoke() only accepts keyword arguments."


def test_a_throttle_is_retried_by_botocore_and_reaches_the_lab_once_per_attempt(
    lab: Lab, runs: list
) -> None:
    client = lab.client("lambda", config=Config(retries={"total_max_attempts": 2}))
    shortcut = outcome(client.invoke, FunctionName="shut", Payload=b"{}")
    assert len(runs) == 2  # the shortcut's attempt, then botocore's retry
    runs.clear()
    full = outcome(lambda **p: full_invoke(client, **p), FunctionName="shut", Payload=b"{}")
    assert len(runs) == 2
    assert shortcut == full
    kind, (_, response) = shortcut
    assert kind == "TooManyRequestsException"
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"


def test_modeled_exceptions_are_the_clients_own_classes(lab: Lab) -> None:
    client = lab.client("lambda", config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(client.exceptions.ResourceNotFoundException) as missing:
        client.invoke(FunctionName="missing")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert missing.value.response["Type"] == "User"
    with pytest.raises(client.exceptions.TooManyRequestsException):
        client.invoke(FunctionName="shut")
    with pytest.raises(ParamValidationError, match="Missing required parameter"):
        client.invoke()


def test_a_success_is_botocores_shape(lab: Lab) -> None:
    response = lab.client("lambda").invoke(FunctionName="echo", Payload=b'{"k": "v"}')
    assert list(response) == ["ResponseMetadata", "StatusCode", "ExecutedVersion", "Payload"]
    assert list(response["ResponseMetadata"]) == [
        "RequestId",
        "HTTPStatusCode",
        "HTTPHeaders",
        "RetryAttempts",
    ]
    assert (
        response["ResponseMetadata"]["RequestId"]
        == (response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"])
    )
    assert json.loads(response["Payload"].read())["event"] == {"k": "v"}


def test_a_registered_handler_sees_every_invoke(lab: Lab, runs: list) -> None:
    """A learner's (or botocore Stubber's) handler on the client's events: the full client."""
    client = lab.client("lambda")
    parsed: list[int] = []
    client.meta.events.register(
        "before-parse.lambda.Invoke", lambda response_dict, **_: parsed.append(1)
    )
    client.invoke(FunctionName="echo")
    assert parsed == [1] and len(runs) == 1


def test_the_stubber_still_answers_invoke(lab: Lab, runs: list) -> None:
    from botocore.stub import Stubber

    client = lab.client("lambda")
    with Stubber(client) as stubber:
        stubber.add_response("invoke", {"StatusCode": 200}, {"FunctionName": "echo"})
        assert client.invoke(FunctionName="echo")["StatusCode"] == 200
        stubber.assert_no_pending_responses()
    assert runs == []  # the stub answered; the Lab ran nothing


def test_a_file_payload_goes_through_the_full_client(lab: Lab, runs: list) -> None:
    client = lab.client("lambda")
    response = client.invoke(FunctionName="echo", Payload=io.BytesIO(b'{"from": "file"}'))
    assert json.loads(response["Payload"].read())["event"] == {"from": "file"}
    assert runs[0]["Payload"] == b'{"from": "file"}'


def test_a_default_client_answers_alike(lab: Lab) -> None:
    client = lab.client("lambda")
    for params in (CASES["success"], CASES["not found"], CASES["missing name"]):
        assert outcome(client.invoke, **params) == outcome(
            lambda **p: full_invoke(client, **p), **params
        )


def test_adaptive_retries_go_through_the_full_client(lab: Lab) -> None:
    client = lab.client("lambda", config=Config(retries={"mode": "adaptive"}))
    pipeline = botocore_pipeline_calls(client)
    assert client.invoke(FunctionName="echo")["StatusCode"] == 200
    assert pipeline == ["Invoke"]


def test_without_parameter_validation_the_full_client_decides(lab: Lab) -> None:
    client = lab.client("lambda", config=Config(parameter_validation=False))
    response = client.invoke(FunctionName="echo", Payload=b"{}")
    assert response["StatusCode"] == 200


def test_other_operations_are_unsigned_but_presigned_urls_are_signed(lab: Lab) -> None:
    client = lab.client("lambda")
    sent: list[dict[str, Any]] = []
    client.meta.events.register_first(
        "before-send.lambda", lambda request, **_: sent.append(dict(request.headers))
    )
    client.get_function(FunctionName="echo")
    assert "Authorization" not in sent[0]
    url = client.generate_presigned_url("get_function", Params={"FunctionName": "echo"})
    assert "X-Amz-Signature=" in url


def test_exception_classes_exist_before_the_first_error(lab: Lab) -> None:
    """botocore makes them lazily and without a lock; threads failing at once could each make
    their own classes, so one thread's `except` missed another's exception."""
    client = lab.client("lambda", config=Config(retries={"total_max_attempts": 1}))
    assert client._exceptions is not None  # noqa: SLF001 - made with the client
    expected = client.exceptions.ResourceNotFoundException
    start = threading.Barrier(8)
    caught: list[type] = []

    def call() -> None:
        start.wait()
        try:
            client.invoke(FunctionName="missing")
        except ClientError as exc:
            caught.append(type(exc))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert caught == [expected] * 8


def test_an_output_shape_the_shortcut_does_not_know_keeps_the_full_client(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambda_lab.api import invoke_shortcut

    monkeypatch.setattr(invoke_shortcut, "_output_attributes", lambda shape: None)
    client = lab.client("lambda")
    pipeline = botocore_pipeline_calls(client)
    assert client.invoke(FunctionName="echo")["StatusCode"] == 200
    assert pipeline == ["Invoke"]


def test_errors_other_operations_waiters_and_paginators_keep_the_shortcut(lab: Lab) -> None:
    client = lab.client("lambda", config=Config(retries={"total_max_attempts": 1}))
    pipeline = botocore_pipeline_calls(client)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="missing")
    client.get_function(FunctionName="echo")
    client.get_waiter("function_active_v2")
    list(client.get_paginator("list_functions").paginate())
    client.invoke(FunctionName="echo", Payload=b"{}")
    assert pipeline == ["Invoke", "GetFunction", "ListFunctions"]  # the last Invoke: shortcut
