"""Hostile and clumsy input to the Lab's API servers over real sockets: the Lambda REST API
behind `lambda-lab serve`, and a custom runtime's Runtime API. Every bad request gets a 4xx
in the server's own error shape, the server keeps answering, and no traceback is written.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import sys
import time

import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serve_helpers import Served

from lambda_lab import package
from lambda_lab.aws.endpoint import ENDPOINT_WORKERS

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
DEEP = b"[" * 50_000 + b"]" * 50_000
FOREIGN = "arn:aws:lambda:eu-west-1:999999999999:function:fuzz-target"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("fuzzed")
    served = Served(tmp, state_dir=tmp / "state").start()
    lam = served.boto3("lambda")
    lam.create_function(FunctionName="fuzz-target", Runtime="python3.12", Role=ROLE,
                        Handler="lambda_function.lambda_handler",
                        Code={"ZipFile": package("def lambda_handler(e, c):\n    return 'ok'\n")})  # fmt: skip
    yield served
    code = served.stop()
    log = "".join(served.output)
    assert code == 0 and "Traceback" not in log, log[-4000:]


def _raw(server: Served, data: bytes, linger: float = 0.0) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are; the answer's status, headers and body (0 when none came)."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as conn:
        conn.sendall(data)
        if linger:
            time.sleep(linger)
        received = b""
        try:
            while chunk := conn.recv(65536):
                received += chunk
                if b"\r\n\r\n" in received and _complete(received):
                    break
        except ConnectionResetError:
            pass  # the server closed while we were still sending: the answer is in hand
    return _parse(received)


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return False


def _parse(data: bytes) -> tuple[int, dict[str, str], bytes]:
    if not data.startswith(b"HTTP/1.1 "):
        return 0, {}, data
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split(" ")[1]), headers, body


def _request(
    server: Served, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


def _assert_lambda_error(status: int, headers: dict[str, str], body: bytes, code: str) -> None:
    assert 400 <= status < 500, (status, body[:300])
    document = json.loads(body)
    # AWS's bodies: {"Type": "User", "message"|"Message": ...}; a ValidationException from the
    # model checks carries only its message.
    assert document.get("message") or document.get("Message"), document
    if code != "ValidationException":
        assert document["Type"] == "User", document
    assert headers.get("x-amzn-ErrorType") == code, (headers, document)


def _still_answers(server: Served) -> None:
    status, _, body = _request(server, "GET", "/2015-03-31/functions/")
    assert status == 200 and b"fuzz-target" in body


INVOKE = "/2015-03-31/functions/fuzz-target/invocations"
CASES = {
    "JSON nested 50,000 deep (CreateFunction)": (
        "POST", "/2015-03-31/functions", DEEP, {}, "InvalidRequestContentException",
    ),
    "JSON nested 50,000 deep (Invoke payload)": ("POST", INVOKE, DEEP, {}, "InvalidRequestContentException"),
    "Tags=[1]": (
        "POST", "/2015-03-31/functions",
        json.dumps({"FunctionName": "t", "Role": ROLE, "Runtime": "python3.12", "Handler": "a.b",
                    "Code": {"ZipFile": ""}, "Tags": [1]}).encode(),
        {}, "InvalidRequestContentException",
    ),
    "Timeout='abc'": (
        "PUT", "/2015-03-31/functions/fuzz-target/configuration", b'{"Timeout": "abc"}', {},
        "InvalidRequestContentException",
    ),
    "body not an object": ("PUT", "/2015-03-31/functions/fuzz-target/configuration", b"[1]", {},
                           "InvalidRequestContentException"),
    "X-Amz-Client-Context not base64": (
        "POST", INVOKE, b"{}", {"X-Amz-Client-Context": "!!!"}, "InvalidRequestContentException",
    ),
    "X-Amz-Client-Context not JSON": (
        "POST", INVOKE, b"{}", {"X-Amz-Client-Context": base64.b64encode(b"{nope").decode()},
        "InvalidRequestContentException",
    ),
    "X-Amz-Client-Context client=5": (
        "POST", INVOKE, b"{}", {"X-Amz-Client-Context": base64.b64encode(b'{"client": 5}').decode()},
        "InvalidRequestContentException",
    ),
    "X-Amz-Log-Type: Bogus": ("POST", INVOKE, b"{}", {"X-Amz-Log-Type": "Bogus"}, "ValidationException"),
    "X-Amz-Invocation-Type: Later": (
        "POST", INVOKE, b"{}", {"X-Amz-Invocation-Type": "Later"}, "ValidationException",
    ),
}  # fmt: skip
WIRE_CASES = {
    "MaxItems=-1": ("GET", "/2015-03-31/functions/?MaxItems=-1", b"", {}, "ValidationException"),
    "foreign ARN (GetFunction)": (
        "GET", f"/2015-03-31/functions/{FOREIGN}", b"", {}, "ResourceNotFoundException",
    ),
    "foreign ARN (Invoke)": (
        "POST", f"/2015-03-31/functions/{FOREIGN}/invocations", b"{}", {}, "ResourceNotFoundException",
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    "case",
    [*CASES, *WIRE_CASES],
)
def test_bad_requests_get_the_callers_4xx_in_aws_shape(server: Served, case: str) -> None:
    method, path, body, headers, code = {**CASES, **WIRE_CASES}[case]
    status, answer_headers, answer = _request(server, method, path, body, headers)
    _assert_lambda_error(status, answer_headers, answer, code)
    _still_answers(server)


@pytest.mark.parametrize(
    ("length", "status", "code"),
    [
        (b"abc", 400, "InvalidRequestContentException"),
        (b"-5", 400, "InvalidRequestContentException"),
        (b"\xb2", 400, "InvalidRequestContentException"),
        (b"99999999999", 413, "RequestEntityTooLargeException"),
    ],
)
def test_malformed_content_length_is_refused_before_reading(
    server: Served, length: bytes, status: int, code: str
) -> None:
    got = _raw(server, b"POST " + INVOKE.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: "
               + length + b"\r\n\r\n{}")  # fmt: skip
    _assert_lambda_error(*got, code)
    assert got[0] == status and got[1].get("Connection") == "close"
    _still_answers(server)


def test_a_100_mb_body_is_refused_from_its_header(server: Served) -> None:
    assert server.process is not None
    process = psutil.Process(server.process.pid)
    before = process.memory_info().rss
    head = b"POST " + INVOKE.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n"
    status, headers, body = _raw(server, head + b"x" * 65536, linger=0.2)
    _assert_lambda_error(status, headers, body, "RequestEntityTooLargeException")
    message = json.loads(body)["message"]
    assert message == "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    created = _raw(server, b"POST /2015-03-31/functions HTTP/1.1\r\nHost: x\r\n"
                   b"Content-Length: 104857600\r\n\r\n")  # fmt: skip
    assert json.loads(created[2])["message"] == (
        "Request must be smaller than 70167211 bytes for the CreateFunction operation"
    )
    assert process.memory_info().rss - before < 30 * 2**20  # nothing like 100 MB was read
    _still_answers(server)


@pytest.mark.parametrize(
    "data",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /\r\n\r\n",
        b"GET / HTTP/2.0\r\n\r\n",
        b"POST " + INVOKE.encode() + b" HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Length: 3\r\n\r\n",
        b"POST " + INVOKE.encode() + b" HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET / HTTP/1.1\r\nX: " + b"a" * 70_000 + b"\r\n\r\n",
        b"GET / HTTP/1.1\r\nbad header line\r\n\r\n",
    ],
    ids=[
        "request line",
        "HTTP/0.9",
        "HTTP/2.0",
        "chunked and length",
        "bad chunk",
        "huge head",
        "header syntax",
    ],  # fmt: skip
)
def test_broken_framing_gets_a_4xx_and_the_server_goes_on(server: Served, data: bytes) -> None:
    status, _, body = _raw(server, data)
    assert 400 <= status < 506 and status != 500, (status, body[:200])
    assert json.loads(body)["message"]
    _still_answers(server)


OPERATIONS = st.sampled_from(
    [
        ("POST", "/2015-03-31/functions"),
        ("PUT", "/2015-03-31/functions/fuzz-target/configuration"),
        ("PUT", "/2015-03-31/functions/fuzz-target/code"),
        ("POST", "/2015-03-31/functions/fuzz-target/aliases"),
        ("POST", "/2015-03-31/functions/fuzz-target/policy"),
        ("PUT", "/2017-10-31/functions/fuzz-target/concurrency"),
        ("POST", "/2015-03-31/event-source-mappings/"),
        ("PUT", "/2019-09-25/functions/fuzz-target/event-invoke-config"),
        ("POST", "/2021-10-31/functions/fuzz-target/url"),
        ("POST", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Afuzz-target"),
    ]
)  # fmt: skip
MEMBERS = st.sampled_from(
    ["FunctionName", "Runtime", "Role", "Handler", "Code", "Timeout", "MemorySize", "Tags",
     "Environment", "Name", "FunctionVersion", "RoutingConfig", "StatementId", "Action",
     "Principal", "ReservedConcurrentExecutions", "EventSourceArn", "BatchSize",
     "MaximumRetryAttempts", "DestinationConfig", "AuthType", "Cors", "Layers", "Description",
     "ZipFile", "Publish", "Architectures", "EphemeralStorage", "FilterCriteria"]
)  # fmt: skip
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)  # fmt: skip
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "X-Amz-Invocation-Type": st.sampled_from(["Event", "DryRun", "RequestResponse", "x", ""]),
        "X-Amz-Log-Type": st.sampled_from(["None", "Tail", "tail", "Bogus"]),
        "X-Amz-Client-Context": st.text(
            st.characters(min_codepoint=32, max_codepoint=255), max_size=20
        )
        | st.binary(max_size=30).map(lambda b: base64.b64encode(b).decode()),
        "Content-Type": st.sampled_from(["application/json", "text/plain", ""]),
    },
)


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    operation=OPERATIONS,
    document=st.dictionaries(MEMBERS, VALUES, max_size=5) | VALUES,
    headers=HEADERS,
    invoke=st.booleans(),
)
def test_generated_requests_never_get_a_5xx(server, operation, document, headers, invoke) -> None:
    method, path = ("POST", INVOKE) if invoke else operation
    status, answer_headers, body = _request(
        server, method, path, json.dumps(document).encode(), headers
    )
    assert status < 500, (status, body[:300])
    if status >= 400:
        error = json.loads(body)
        assert answer_headers["x-amzn-ErrorType"]
        assert error.get("message") or error.get("Message"), error
        if answer_headers["x-amzn-ErrorType"] != "ValidationException":
            assert error["Type"] in ("User", "Service"), error


# -- a custom runtime's Runtime API -------------------------------------------------------------
# In a sandbox only the runtime's own Python is reachable (/var/lang); without one, the Lab's.
_VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"
BOOTSTRAP = (
    f'#!/bin/sh\nPY=/var/lang/bin/python{_VERSION}\n[ -x "$PY" ] || PY={sys.executable}\n'
    'exec "$PY" "$LAMBDA_TASK_ROOT/runtime.py"\n'
)
RUNTIME = """
import http.client, json, os, socket
HOST, PORT = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
BASE = "/2018-06-01/runtime"

def raw(data):
    with socket.create_connection((HOST, int(PORT)), timeout=20) as conn:
        try:
            conn.sendall(data)
            got = conn.recv(65536)
        except OSError:
            return "reset"
    return got.split(b"\\r\\n", 1)[0].decode("latin-1")

def post(conn, path, body, headers=None):
    conn.request("POST", path, body=body, headers=headers or {})
    answer = conn.getresponse()
    answer.read()
    return answer.status

conn = http.client.HTTPConnection(HOST, int(PORT), timeout=60)
while True:
    conn.request("GET", BASE + "/invocation/next")
    answer = conn.getresponse()
    rid = answer.getheader("Lambda-Runtime-Aws-Request-Id")
    event = json.loads(answer.read())
    if event.get("fuzz"):
        wrong = BASE + "/invocation/not-" + rid
        line = lambda text: text.encode()
        cases = {
            "cl-abc": raw(line(f"POST {wrong}/response HTTP/1.1\\r\\nContent-Length: abc\\r\\n\\r\\n")),
            "cl-negative": raw(line(f"POST {wrong}/response HTTP/1.1\\r\\nContent-Length: -5\\r\\n\\r\\n")),
            "cl-huge": raw(line(f"POST {wrong}/response HTTP/1.1\\r\\nContent-Length: 99999999999\\r\\n\\r\\n")),
            "100MB": raw(line(f"POST {wrong}/response HTTP/1.1\\r\\nContent-Length: 104857600\\r\\n\\r\\n") + b"x" * 65536),
            "garbage": raw(b"GARBAGE\\r\\n\\r\\n"),
            "unknown-path": raw(b"GET /nope HTTP/1.1\\r\\n\\r\\n"),
            "deep-error": post(conn, wrong + "/error", b"[" * 50000 + b"]" * 50000),
            "bad-chunk": raw(line(f"POST {wrong}/response HTTP/1.1\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nzz\\r\\n")),
            "init-again": post(conn, BASE + "/init/error", b"{}"),
        }
        post(conn, BASE + "/invocation/" + rid + "/response", json.dumps(cases).encode())
    elif event.get("huge"):
        post(conn, BASE + "/invocation/" + rid + "/response", b'"' + b"x" * (7 * 1024 * 1024) + b'"')
    else:
        post(conn, BASE + "/invocation/" + rid + "/response", b'"pong"')
"""


def test_the_runtime_api_refuses_bad_framing_and_keeps_the_environment(lab) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        archive.writestr(info, BOOTSTRAP)
        runtime = zipfile.ZipInfo("runtime.py")
        runtime.external_attr = 0o644 << 16
        archive.writestr(runtime, RUNTIME)
    lab.deploy("custom-fuzz", buffer.getvalue(), handler="x.y", Runtime="provided.al2023",
               Timeout=30, MemorySize=256)  # fmt: skip
    fuzzed = lab.invoke("custom-fuzz", {"fuzz": True})
    assert fuzzed.function_error is None, fuzzed.payload
    statuses = fuzzed.value
    assert statuses == {
        "cl-abc": "HTTP/1.1 400 Bad Request",
        "cl-negative": "HTTP/1.1 400 Bad Request",
        "cl-huge": "HTTP/1.1 413 Request Entity Too Large",
        "100MB": "HTTP/1.1 413 Request Entity Too Large",
        "garbage": "HTTP/1.1 400 Bad Request",
        "unknown-path": "HTTP/1.1 404 Not Found",
        "deep-error": 400,
        "bad-chunk": "HTTP/1.1 400 Bad Request",
        "init-again": 403,
    }
    huge = lab.invoke("custom-fuzz", {"huge": True})
    assert huge.function_error == "Unhandled"
    assert json.loads(huge.payload)["errorType"] == "Function.ResponseSizeTooLarge"
    again = lab.invoke("custom-fuzz", {})
    assert again.value == "pong" and not again.record.cold  # the same environment goes on


def test_boto3_sees_aws_s_413_for_a_payload_a_little_too_large(server: Served) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        server.boto3("lambda").invoke(
            FunctionName="fuzz-target", Payload=b'"' + b"x" * 7_000_000 + b'"'
        )
    error = caught.value.response["Error"]
    assert error["Code"] == "RequestEntityTooLargeException"
    assert error["Message"] == (
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    )
    _still_answers(server)


def test_many_connections_take_no_thread_each(server: Served) -> None:
    assert server.process is not None
    process = psutil.Process(server.process.pid)
    _still_answers(server)
    before = process.num_threads()
    host, port = server.url.removeprefix("http://").split(":")
    held = []
    try:
        # Keep-alive connections, each used once and left open: twice as many as the
        # endpoint's most workers (started as work needs them), so a thread per connection
        # would show.
        for _ in range(2 * ENDPOINT_WORKERS):
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            connection.request("GET", "/2015-03-31/functions/")
            assert connection.getresponse().read()
            held.append(connection)
        assert process.num_threads() - before <= ENDPOINT_WORKERS
    finally:
        for connection in held:
            connection.close()
