"""The shared HTTP server shell: keep-alive, pipelining, 100-continue, a fixed number of
worker threads however many clients connect, idle connections closed, framing refused
before any work, and a handler bug answered with a 500 without stopping anything."""

from __future__ import annotations

import http.client
import socket
import threading
import time

import pytest

from lambda_lab.http import shell
from lambda_lab.http.common import HttpResponse
from lambda_lab.http.shell import Request, ServerShell


def _echo(request: Request) -> HttpResponse:
    return HttpResponse(
        200, [("X-Method", request.method)], request.body or request.target.encode()
    )


@pytest.fixture
def serve():
    started: list[ServerShell] = []

    def start(handler=_echo, **options) -> ServerShell:
        server = ServerShell(handler, name="test-shell", **options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


def _talk(port: int, data: bytes, wait: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as conn:
        conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    return received


def test_one_connection_carries_many_requests_without_connection_close(serve) -> None:
    server = serve()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    first_socket = None
    for n in range(5):
        connection.request("POST", "/", body=f"body {n}")
        answer = connection.getresponse()
        assert answer.read() == f"body {n}".encode()
        assert answer.getheader("Connection") is None and not answer.will_close
        first_socket = first_socket or connection.sock
        assert connection.sock is first_socket  # the same TCP connection every time
    connection.close()


def test_http_1_0_closes_unless_asked_to_keep_alive(serve) -> None:
    server = serve()
    plain = _talk(server.port, b"GET /a HTTP/1.0\r\n\r\n")
    assert plain.startswith(b"HTTP/1.1 200 OK\r\n") and b"Connection: close\r\n" in plain
    kept = _talk(server.port, b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    assert b"Connection: keep-alive\r\n" in kept


def test_pipelined_requests_are_answered_in_order(serve) -> None:
    server = serve()
    answer = _talk(
        server.port, b"GET /one HTTP/1.1\r\n\r\nGET /two HTTP/1.1\r\nConnection: close\r\n\r\n"
    )
    assert answer.count(b"HTTP/1.1 200 OK") == 2
    assert answer.index(b"/one") < answer.index(b"/two")


def test_expect_100_continue_gets_its_interim_answer(serve) -> None:
    server = serve()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(b"PUT /x HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        assert conn.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        conn.sendall(b"hello")
        assert conn.recv(4096).endswith(b"\r\n\r\nhello")


def test_idle_connections_are_closed_after_the_timeout(serve) -> None:
    server = serve(idle_timeout_s=0.3)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\n\r\n")
        assert conn.recv(4096).startswith(b"HTTP/1.1 200")
        assert server.open_connections == 1
        started = time.monotonic()
        assert conn.recv(4096) == b""  # the server hung up on the idle connection
        assert time.monotonic() - started < 3
    deadline = time.monotonic() + 3
    while server.open_connections and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.open_connections == 0


def test_a_silent_client_holds_no_thread(serve) -> None:
    server = serve(workers=1, idle_timeout_s=30)
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(20)]
    try:
        for conn in idle:  # each has asked once and now stays open, silent
            conn.sendall(b"GET / HTTP/1.1\r\n\r\n")
            assert conn.recv(4096).startswith(b"HTTP/1.1 200")
        # One worker only, twenty idle keep-alive connections: a new client is still served.
        assert _talk(server.port, b"GET /new HTTP/1.1\r\n\r\n").endswith(b"/new")
    finally:
        for conn in idle:
            conn.close()


def test_many_clients_share_a_fixed_pool_of_workers(serve) -> None:
    running, most = 0, 0
    lock = threading.Lock()

    def slow(request: Request) -> HttpResponse:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return HttpResponse(200, [], b"done")

    server = serve(slow, workers=3)
    answers: list[bytes] = []

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        for _ in range(3):
            connection.request("GET", "/")
            answers.append(connection.getresponse().read())
        connection.close()

    clients = [threading.Thread(target=client) for _ in range(25)]
    for thread in clients:
        thread.start()
    time.sleep(0.1)  # every client connected and waiting or being served
    server_threads = [t for t in threading.enumerate() if t.name.startswith("test-shell")]
    for thread in clients:
        thread.join()
    assert answers == [b"done"] * 75
    assert most <= 3 and len(server_threads) == 3 + 1  # three workers and the selector


def test_a_handler_bug_is_a_500_and_the_server_goes_on(serve) -> None:
    seen: list[BaseException] = []

    def broken(request: Request) -> HttpResponse:
        if request.target == "/boom":
            raise RuntimeError("bug")
        return HttpResponse(200, [], b"fine")

    server = serve(broken, on_error=seen.append)
    assert _talk(server.port, b"GET /boom HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 500 ")
    assert _talk(server.port, b"GET /ok HTTP/1.1\r\n\r\n").endswith(b"fine")
    assert [type(e) for e in seen] == [RuntimeError]


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", b"400"),
        (b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", b"400"),
        (b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", b"400"),
        (b"POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n", b"413"),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", b"501"),
        (b"GET / HTTP/3\r\n\r\n", b"505"),
        (b"GET / HTTP/1.1\r\n" + b"X-A: b\r\n" * 101 + b"\r\n", b"431"),
        (b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", b"400"),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", b"400"),  # TLS to a plain port
    ],
)
def test_broken_framing_is_refused_and_the_connection_closed(serve, data, status) -> None:
    seen: list[Request] = []
    server = serve(lambda request: seen.append(request) or HttpResponse(200, [], b""))
    answer = _talk(server.port, data)
    assert answer.startswith(b"HTTP/1.1 " + status), answer[:100]
    assert b"Connection: close\r\n" in answer and seen == []  # refused before any work


def test_a_body_a_little_too_large_is_drained_and_the_connection_kept(serve) -> None:
    server = serve(body_limit=10)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(b"POST / HTTP/1.1\r\nContent-Length: 20\r\n\r\n" + b"x" * 20)
        first = conn.recv(4096)
        assert first.startswith(b"HTTP/1.1 413 ") and b"Connection: close" not in first
        conn.sendall(b"GET /after HTTP/1.1\r\n\r\n")
        assert conn.recv(4096).endswith(b"/after")


def test_too_many_connections_get_a_503(serve, monkeypatch) -> None:
    monkeypatch.setattr(shell, "CONNECTIONS_MAX", 2)
    server = serve()
    held = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(2)]
    try:
        for conn in held:
            conn.sendall(b"GET / HTTP/1.1\r\n\r\n")
            conn.recv(4096)
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as extra:
            assert extra.recv(4096).startswith(b"HTTP/1.1 503 ")  # said at once, then closed
    finally:
        for conn in held:
            conn.close()


def test_close_ends_every_thread_and_releases_the_port() -> None:
    before = {t.ident for t in threading.enumerate()}
    server = ServerShell(_echo, name="closing", workers=4)
    idle = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    idle.sendall(b"GET / HTTP/1.1\r\n\r\n")
    idle.recv(4096)
    server.close()
    assert {t.ident for t in threading.enumerate()} <= before
    assert idle.recv(4096) == b""
    idle.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
    server.close()  # twice is harmless


def test_workers_start_only_when_work_finds_every_started_one_busy(serve) -> None:
    def names() -> list[str]:
        return [t.name for t in threading.enumerate() if t.name.startswith("test-shell-worker")]

    release = threading.Event()

    def waits(request: Request) -> HttpResponse:
        release.wait(10)
        return HttpResponse(200, [], b"done")

    server = serve(waits, workers=3)
    assert names() == [] and server.workers == 0  # a server nobody calls holds no worker
    answers: list[bytes] = []
    clients = [
        threading.Thread(
            target=lambda: answers.append(_talk(server.port, b"GET / HTTP/1.0\r\n\r\n"))
        )
        for _ in range(5)
    ]
    for thread in clients:
        thread.start()
    deadline = time.monotonic() + 5
    while len(names()) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(names()) == 3  # busy ones: more start, up to the most given
    release.set()
    for thread in clients:
        thread.join()
    assert [a.endswith(b"done") for a in answers] == [True] * 5
    assert server.workers == 3


def test_a_head_ends_where_the_first_blank_line_ends_whatever_the_line_endings() -> None:
    """The head's end is looked up from its first "\\n" (faster): it must be found exactly
    where ``\\r?\\n\\r?\\n`` is, for every mix of line endings and stray "\\r"s."""
    import itertools
    import re

    from lambda_lab.http.request_reader import head_end

    blank_line = re.compile(rb"\r?\n\r?\n")
    pieces = [b"\r", b"\n", b"\r\n", b"A: b", b"X"]
    checked = 0
    for size in range(7):
        for combination in itertools.product(pieces, repeat=size):
            data = bytearray(b"GET / HTTP/1.1" + b"".join(combination) + b"\r\n\r\nrest")
            assert head_end(data) == blank_line.search(data).span(), data  # type: ignore[union-attr]
            assert head_end(data[:-8]) == (
                found.span() if (found := blank_line.search(data[:-8])) else None
            ), data
            checked += 1
    assert checked == sum(5**n for n in range(7))
