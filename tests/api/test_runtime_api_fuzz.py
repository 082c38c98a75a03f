"""Generated requests against a custom runtime's Runtime API, over a real socket: whatever a
bootstrap (or a stray client) sends, the answer is a 202 or a 4xx in the Runtime API's own
shape (``{"errorMessage", "errorType"}``), the server keeps answering, and no handler error
is raised (the shell reports those to ``on_error``; the test collects them).

``GET .../invocation/next`` is left out on purpose: it is a long poll that waits for the
next event, as on AWS. tests/api/test_api_fuzz.py sends the hand-picked hostile inputs
through a real bootstrap; this file adds the generated ones.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_lab.api.runtime_api import PREFIX, RuntimeApi

NEXT = f"{PREFIX}/invocation/next"
# Printable, no spaces: a request target as a client could put it on the request line.
TOKENS = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=24)
# Mostly the routes a bootstrap uses (so generated bodies and headers reach the handlers),
# sometimes any path or method.
ROUTES = st.builds(
    lambda rid, kind: f"{PREFIX}/invocation/{rid}/{kind}",
    TOKENS.filter(lambda t: "/" not in t),
    st.sampled_from(["response", "error"]),
) | st.just(f"{PREFIX}/init/error")
OTHER_PATHS = (
    st.sampled_from([f"{PREFIX}/invocation/", f"{PREFIX}/invocation//response", "/"])
    | TOKENS.map(lambda t: f"{PREFIX}/invocation/{t}/Response")
    | TOKENS.map(lambda t: f"{PREFIX}/{t}")
    | TOKENS.map(lambda t: "/" + t)
)
PATHS = st.one_of(ROUTES, ROUTES, ROUTES, OTHER_PATHS).filter(lambda path: path != NEXT)
METHODS = st.one_of(
    st.just("POST"),
    st.just("POST"),
    st.sampled_from(["GET", "PUT", "DELETE", "PATCH", "OPTIONS"]),
    TOKENS.filter(lambda t: t.isalpha()),
)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "Lambda-Runtime-Function-Error-Type": TOKENS | st.just(""),
        "Lambda-Runtime-Function-Response-Mode": st.sampled_from(
            ["streaming", "Streaming", "buffered", "x", ""]
        ),
        "Content-Type": st.sampled_from(["application/json", "text/plain", "", "a/b; x=y"]),
        "Trailer": st.sampled_from(
            ["Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body", "X"]
        ),
    },
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)  # fmt: skip
BODIES = (
    st.binary(max_size=200)
    | JSON_VALUES.map(lambda v: json.dumps(v).encode())
    | st.fixed_dictionaries(
        {}, optional={"errorType": JSON_VALUES, "errorMessage": JSON_VALUES, "stackTrace": JSON_VALUES}
    ).map(lambda v: json.dumps(v).encode())
    | st.integers(1, 60_000).map(lambda depth: b"[" * depth + b"]" * depth)
)  # fmt: skip


class Served:
    """A Runtime API as one environment has it, with the Lab's side of its frames drained."""

    def __init__(self) -> None:
        self.api = RuntimeApi()
        self.errors: list[BaseException] = []
        self.api._server.on_error = self.errors.append  # what a handler raised, if anything
        self._drain = threading.Thread(target=self._read_frames, daemon=True)
        self._drain.start()

    def _read_frames(self) -> None:
        while True:  # the environment's end: read whatever the API reports (an init error)
            try:
                if not self.api.lab_socket.recv(65536):
                    return
            except OSError:
                return

    @property
    def port(self) -> int:
        return int(self.api.address.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def runtime_api() -> Iterator[Served]:
    served = Served()
    yield served
    served.api.close()
    served.api.lab_socket.close()


def exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
        conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    return received


def request_bytes(
    method: str, path: str, headers: dict[str, str], body: bytes, chunked: bool
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        framed = (b"%x\r\n" % len(body) + body + b"\r\n" if body else b"") + b"0\r\n"
        trailer = b"Lambda-Runtime-Function-Error-Type: Generated.Error\r\n"
        payload = framed + (trailer if "Trailer" in headers else b"") + b"\r\n"
    else:
        lines.append(f"Content-Length: {len(body)}")
        payload = body
    return "\r\n".join(lines).encode() + b"\r\n\r\n" + payload


def parse(answer: bytes) -> tuple[int, bytes]:
    assert answer.startswith(b"HTTP/1.1 "), answer[:120]
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    method=METHODS,
    path=PATHS,
    headers=HEADERS,
    body=BODIES,
    chunked=st.booleans(),
)
def test_generated_requests_get_a_202_or_a_runtime_api_4xx(
    runtime_api: Served, method: str, path: str, headers: dict[str, str], body: bytes, chunked: bool
) -> None:
    if method == "GET" and path == NEXT:  # PATHS already leaves it out; kept for clarity
        return
    status, answer = parse(
        exchange(runtime_api.port, request_bytes(method, path, headers, body, chunked))
    )
    assert status == 202 or 400 <= status < 500, (status, answer[:300])
    document = json.loads(answer)
    if status != 202:
        assert set(document) == {"errorMessage", "errorType"}, document
        assert document["errorType"] and document["errorMessage"], document
    assert runtime_api.errors == [], runtime_api.errors
    still, _ = parse(exchange(runtime_api.port, b"GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n"))
    assert still == 404


def test_nothing_generated_reached_a_handler_error(runtime_api: Served) -> None:
    """After the generated requests (module scope: the same server), the shell has reported no
    handler error and still holds no connection open."""
    assert runtime_api.errors == []
    assert runtime_api.api._server.open_connections == 0
