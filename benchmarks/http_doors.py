"""HTTP front doors (API Gateway HTTP API, ALB) against a bare `http.server` plus `lab.invoke`.

    python benchmarks/http_doors.py             # 3 runs of 400 requests per door
    python benchmarks/http_doors.py --quick

The same GET request goes, on a new loopback connection each time, to each door of a
warm function returning a small 200 response, and to a bare `http.server` in this
process answering the same bytes with no work. The floor is that bare server's p50 plus
the p50 of `lab.invoke` of the same handler (what a door must do at least: answer HTTP
and invoke); requests alternate between a door and the bare server, so both see the
same machine. Also printed: a bare `http.server` whose handler calls `lab.invoke` itself.
Target (issue 22): p50 <= 1.15 x the floor.
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from _common import heading, median, parser, ratio, row, runs_of

from lambda_lab import Lab

HANDLER = (
    "def lambda_handler(event, context):\n"
    "    return {'statusCode': 200, 'headers': {'content-type': 'text/plain'}, 'body': 'ok'}\n"
)
ANSWER = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n"
    b"Connection: close\r\n\r\nok"
)


def request(port: int, path: str) -> float:
    """Seconds for one GET on a new connection, until the server closes it."""
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    elapsed = time.perf_counter() - started
    assert reply.startswith(b"HTTP/1.1 200") and reply.endswith(b"ok"), reply[:200]
    return elapsed


def bare_server(answer: Any) -> tuple[http.server.ThreadingHTTPServer, int]:
    class Bare(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.wfile.write(answer())  # one write: no Nagle delay between header and body

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Bare)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def p50_pair(port: int, path: str, bare_port: int, calls: int) -> tuple[float, float]:
    door, bare = [], []
    for _ in range(calls):
        door.append(request(port, path))
        bare.append(request(bare_port, "/items"))
    return median(door), median(bare)


def main() -> None:
    args = parser(__doc__).parse_args()
    calls = 40 if args.quick else 400
    with Lab() as lab:
        lab.deploy("bench", HANDLER)
        event = {"rawPath": "/items", "requestContext": {"http": {"method": "GET"}}}
        lab.invoke("bench", event)
        doors = {
            "HTTP API (payload 2.0)": (lab.http_api("bench-api", "bench"), "items"),
            "ALB": (lab.alb("bench-alb", "bench"), "items"),
        }
        fixed, fixed_port = bare_server(lambda: ANSWER)

        def invoking() -> bytes:
            lab.invoke("bench", event, log_type="None")
            return ANSWER

        calling, calling_port = bare_server(invoking)
        try:
            results: dict[str, list[tuple[float, float]]] = {name: [] for name in doors}
            invokes, combined = [], []
            for _ in range(runs_of(args)):
                for name, (door, path) in doors.items():
                    url = urlsplit(door.local_url)
                    assert url.port is not None
                    target = url.path.rstrip("/") + "/" + path
                    results[name].append(p50_pair(url.port, target, fixed_port, calls))
                invoke_times = []
                for _ in range(calls):
                    started = time.perf_counter()
                    lab.invoke("bench", event, log_type="None")
                    invoke_times.append(time.perf_counter() - started)
                invokes.append(median(invoke_times))
                combined.append(median([request(calling_port, "/items") for _ in range(calls)]))
        finally:
            fixed.shutdown()
            calling.shutdown()
        invoke_us = median(invokes) * 1e6
        for name, runs in results.items():
            bare_us = median([bare for _, bare in runs]) * 1e6
            door_us = median([door for door, _ in runs]) * 1e6
            floor = bare_us + invoke_us
            heading(f"{name}: p50 of GET on a new connection (medians of {len(runs)} runs)")
            row("bare http.server, fixed answer", bare_us, "us")
            row("lab.invoke of the same handler", invoke_us, "us")
            ratio("floor: the two added", floor, floor, "us")
            paired = median([door / (bare + invoke) for (door, bare), invoke in zip(runs, invokes)])
            ratio(f"{name} door", door_us, floor, "us", "<= 1.15", paired)
            ratio("bare http.server calling lab.invoke", median(combined) * 1e6, floor, "us")


if __name__ == "__main__":
    main()
