"""The Lambda REST API layer: routes from botocore's model, AWS error bodies, and fuzzed input."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_lab import Lab

METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"])
SEGMENT = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF, exclude_characters="/?#"),
    max_size=12,
)
PATHS = st.one_of(
    st.lists(SEGMENT, max_size=6).map(lambda parts: "/" + "/".join(parts)),
    st.sampled_from(
        [
            "/2015-03-31/functions", "/2015-03-31/functions/", "/2015-03-31/functions/f",
            "/2015-03-31/functions/f/invocations", "/2015-03-31/functions/f/configuration",
            "/2017-10-31/functions/f/concurrency", "/2016-08-19/account-settings",
        ]
    ),
)  # fmt: skip
BODIES = st.one_of(
    st.binary(max_size=200),
    st.dictionaries(st.text(max_size=10), st.integers()).map(lambda d: json.dumps(d).encode()),
)


def test_errors_have_aws_shape(lab: Lab) -> None:
    reply = lab.rest_api().handle("GET", "/2015-03-31/functions/missing", {}, {}, b"")
    assert reply.status == 404
    assert reply.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    body = json.loads(reply.body)
    assert body["Type"] == "User" and body["Message"].startswith(
        "Function not found: arn:aws:lambda:"
    )
    assert reply.headers["x-amzn-RequestId"]


def test_unsupported_operations_answer_clearly(lab: Lab) -> None:
    reply = lab.rest_api().handle("GET", "/2020-04-22/code-signing-configs/", {}, {}, b"")
    assert reply.status == 501
    assert "ListCodeSigningConfigs" in json.loads(reply.body)["message"]


def test_create_function_over_rest_returns_201_and_aws_configuration(lab: Lab) -> None:
    import base64

    from lambda_lab import package

    body = json.dumps(
        {"FunctionName": "rest-fn", "Role": "arn:aws:iam::123456789012:role/r", "Runtime": "python3.12",
         "Handler": "lambda_function.lambda_handler",
         "Code": {"ZipFile": base64.b64encode(package("def lambda_handler(e, c):\n    return 7\n")).decode()}}
    ).encode()  # fmt: skip
    reply = lab.rest_api().handle(
        "POST", "/2015-03-31/functions", {}, {"Content-Type": "application/json"}, body
    )
    assert reply.status == 201
    config = json.loads(reply.body)
    assert config["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:rest-fn"
    assert config["State"] == "Pending" and config["StateReasonCode"] == "Creating"
    too_soon = lab.rest_api().handle(
        "POST", "/2015-03-31/functions/rest-fn/invocations", {}, {}, b"{}"
    )
    assert too_soon.status == 409  # AWS: not while Pending
    lab.lifecycle.settle("rest-fn")  # what waiting for Active would do
    invoked = lab.rest_api().handle(
        "POST", "/2015-03-31/functions/rest-fn/invocations", {}, {}, b"{}"
    )
    assert invoked.status == 200 and invoked.body == b"7"
    assert invoked.headers["X-Amz-Executed-Version"] == "$LATEST"


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=METHODS,
    path=PATHS,
    body=BODIES,
    query=st.dictionaries(
        st.text(max_size=8), st.lists(st.text(max_size=8), min_size=1, max_size=2), max_size=3
    ),
)
def test_any_request_gets_an_http_answer_never_a_traceback(
    lab: Lab, method, path, body, query
) -> None:
    reply = lab.rest_api().handle(method, path, query, {"X-Amz-Invocation-Type": "DryRun"}, body)
    assert 200 <= reply.status < 600
    if reply.status >= 400:
        error = json.loads(reply.body)
        assert reply.headers["x-amzn-ErrorType"] and (error.get("message") or error.get("Message"))
    assert reply.headers["x-amzn-RequestId"]
