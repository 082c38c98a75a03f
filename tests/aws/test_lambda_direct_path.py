"""The endpoint's direct path for Lambda requests answers exactly as its WSGI path would.

A request signed for Lambda skips the WSGI environ (lambda_lab.aws.endpoint); these tests
hand the same requests to both paths, with a Lambda API that echoes what it was given, and
compare everything that comes back: what the REST layer saw, status, headers and body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from lambda_lab.aws import aws_request
from lambda_lab.aws.endpoint import _lambda_first
from lambda_lab.aws.middleware import LabSide, Middleware
from lambda_lab.http.shell import Request
from lambda_lab.http.wsgi_bridge import wsgi_handler

SIGNED = "AWS4-HMAC-SHA256 Credential=k/20261207/us-east-1/{}/aws4_request, SignedHeaders=host, Signature=0"


@dataclass
class Echoed:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class EchoApi:
    """Answers with what it was handed, so the two paths' inputs can be compared."""

    def __init__(self) -> None:
        self.calls = 0

    def handle(
        self,
        method: str,
        raw_path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> Echoed:
        self.calls += 1
        seen = {"method": method, "path": raw_path, "query": query, "headers": headers}
        document = {**seen, "body": body.decode("latin-1")}
        status = 404 if raw_path.endswith("/missing") else 200
        reply_headers = {"Content-Type": "application/json", "Content-Length": "999"}
        return Echoed(status, reply_headers, json.dumps(document).encode())


def _middleware(api: Any, is_open: bool = True) -> tuple[Middleware, list[str]]:
    moto_calls: list[str] = []

    def moto() -> Any:
        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            moto_calls.append(environ["PATH_INFO"])
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"from moto"]

        return app

    side = LabSide(
        is_open=lambda: is_open,
        lambda_api=lambda: api,
        logs_reads=lambda environ: None,
        hooks=lambda: None,
    )
    return Middleware(side, moto), moto_calls


def _request(target: str, headers: list[tuple[str, str]], body: bytes = b"") -> Request:
    return Request("POST", target, "HTTP/1.1", headers, body, ("127.0.0.1", 4000), 8900)


CASES = [
    # a boto3 Invoke as sent
    (
        "/2015-03-31/functions/demo/invocations",
        [
            ("Host", "127.0.0.1:8900"),
            ("X-Amz-Invocation-Type", "RequestResponse"),
            ("X-Amz-Log-Type", "Tail"),
            ("Authorization", SIGNED.format("lambda")),
            ("Content-Length", "2"),
        ],
        b"{}",
    ),
    # a qualifier in the query, an encoded name, repeated and odd-cased headers
    (
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Ademo"
        "/invocations?Qualifier=live&Qualifier=2&empty=",
        [
            ("authorization", SIGNED.format("lambda")),
            ("X-Custom", "one"),
            ("x-custom", "two"),
            ("Some_Name", "underscore"),
            ("Content-Type", "text/plain"),
            ("content-type", "application/json"),
            ("Transfer-Encoding", "chunked"),
        ],
        b'{"a": 1}',
    ),
    # an error status keeps its reason; no body
    ("/2015-03-31/functions/missing", [("Authorization", SIGNED.format("lambda"))], b""),
]


@pytest.mark.parametrize(("target", "headers", "body"), CASES)
def test_the_direct_path_answers_what_the_wsgi_path_answers(
    target: str, headers: list[tuple[str, str]], body: bytes
) -> None:
    api = EchoApi()
    app, moto_calls = _middleware(api)
    direct = _lambda_first(app, wsgi_handler(app))(_request(target, headers, body))
    through_wsgi = wsgi_handler(app)(_request(target, headers, body))
    assert api.calls == 2 and moto_calls == []
    assert json.loads(direct.body) == json.loads(through_wsgi.body)
    assert (direct.status, direct.reason) == (through_wsgi.status, through_wsgi.reason)
    assert direct.headers == through_wsgi.headers
    assert ("Content-Length", str(len(direct.body))) in direct.headers  # not the 999 given
    seen = json.loads(direct.body)["headers"]
    assert all(name == name.lower() for name in seen)
    assert "content-length" not in seen and "transfer-encoding" not in seen


def test_other_services_and_unsigned_requests_take_the_wsgi_path() -> None:
    api = EchoApi()
    app, moto_calls = _middleware(api)
    for headers in (
        [("Authorization", SIGNED.format("s3"))],
        [("X-Amz-Target", "AmazonSQS.SendMessage"), ("Authorization", SIGNED.format("lambda"))],
    ):
        assert app.answer_lambda("POST", "/2015-03-31/functions/x", headers, b"") is None
    # absolute-form targets are decoded by the WSGI path
    absolute = "http://127.0.0.1:8900/2015-03-31/functions/demo/invocations"
    assert (
        app.answer_lambda("POST", absolute, [("Authorization", SIGNED.format("lambda"))], b"")
        is None
    )
    answered = _lambda_first(app, wsgi_handler(app))(
        _request("/photos/cat.jpg", [("Authorization", SIGNED.format("s3"))])
    )
    assert answered.body == b"from moto" and moto_calls == ["/photos/cat.jpg"] and api.calls == 0


def test_a_closed_lab_answers_503_on_the_direct_path_too() -> None:
    api = EchoApi()
    app, _ = _middleware(api, is_open=False)
    target, headers, body = CASES[0]
    direct = _lambda_first(app, wsgi_handler(app))(_request(target, headers, body))
    assert direct.status == 503 and json.loads(direct.body)["__type"] == "ServiceUnavailable"
    assert api.calls == 0


def test_a_bug_behind_the_direct_path_is_a_500_in_aws_shape() -> None:
    class Broken:
        def handle(self, *args: Any) -> Echoed:
            raise RuntimeError("boom")

    app, _ = _middleware(Broken())
    target, headers, body = CASES[0]
    direct = _lambda_first(app, wsgi_handler(app))(_request(target, headers, body))
    assert direct.status == 500 and direct.reason == "Internal Server Error"
    assert json.loads(direct.body) == {
        "__type": "InternalFailure",
        "message": "lambda-lab endpoint error: RuntimeError: boom",
    }


@pytest.mark.parametrize(
    ("path", "query", "headers"),
    [
        ("/2015-03-31/functions/x", "", {"authorization": SIGNED.format("lambda")}),
        ("/bucket/key", "", {"authorization": SIGNED.format("s3")}),
        ("/", "", {"x-amz-target": "DynamoDB_20120810.GetItem"}),
        ("/", "", {"x-amz-target": "Logs_20140328.PutLogEvents"}),
        ("/", "X-Amz-Credential=k%2F20261207%2Fus-east-1%2Fsqs%2Faws4_request", {}),
        ("/2015-03-31/functions/x", "", {}),
        ("/%32015-03-31/functions/x", "", {}),
        ("/nothing", "a=1", {}),
    ],
)
def test_service_of_finds_what_parse_finds(path: str, query: str, headers: dict[str, str]) -> None:
    parsed = aws_request.parse("GET", path, query, headers, b"")
    assert aws_request.service_of(headers, path, query) == parsed.service
