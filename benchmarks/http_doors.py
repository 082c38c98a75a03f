"""HTTP front doors (API Gateway HTTP API, ALB) against a bare `http.server` plus `lab.invoke`.

    python benchmarks/http_doors.py             # 3 runs of 400 requests per door
    python benchmarks/http_doors.py --quick

The same GET request goes, on a new loopback connection each time, to each door of a
warm function returning a small 200 response, and to a bare `http.server` in this
process answering the same bytes with no work. The floor is that bare server's p50 plus
the p50 of `lab.invoke` of the same handler (what a door must do at least: answer HTTP
and invoke); a door's request, the bare server's and a `lab.invoke` take turns, so the
three parts of a ratio see the same machine. Also printed: a bare `http.server` whose
handler calls `lab.invoke` itself.
Target (issue 22): p50 <= 1.15 x the floor.
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from _common import heading, median, parser, ratio, row, runs_of, timed

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


def p50_triple(
    port: int, path: str, bare_port: int, calls: int, invoke: Callable[[], None]
) -> tuple[float, float, float]:
    """p50s of the door, the bare server and ``invoke()``, timed in turn, each one first,
    second and third as often (what runs just before a request slows it: a door's worker
    is still busy for a moment after its answer). The floor's two parts used to be timed
    apart from the door, and a busy machine's swings moved the ratio by 0.1-0.2."""
    samples: tuple[list[float], list[float], list[float]] = ([], [], [])
    steps = (
        lambda: request(port, path),
        lambda: request(bare_port, "/items"),
        lambda: timed(invoke),
    )
    for call in range(calls):
        for which in ((0, 1, 2), (1, 2, 0), (2, 0, 1))[call % 3]:
            samples[which].append(steps[which]())
    door, bare, invoked = samples
    return median(door), median(bare), median(invoked)


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

        def invoke() -> None:
            lab.invoke("bench", event, log_type="None")

        try:
            results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in doors}
            combined, back_to_back = [], []
            for _ in range(runs_of(args)):
                for name, (door, path) in doors.items():
                    url = urlsplit(door.local_url)
                    assert url.port is not None
                    target = url.path.rstrip("/") + "/" + path
                    results[name].append(p50_triple(url.port, target, fixed_port, calls, invoke))
                back_to_back.append(median([timed(invoke) for _ in range(calls)]))
                combined.append(median([request(calling_port, "/items") for _ in range(calls)]))
        finally:
            fixed.shutdown()
            calling.shutdown()
        for name, runs in results.items():
            bare_us = median([bare for _, bare, _ in runs]) * 1e6
            invoke_us = median([invoke for _, _, invoke in runs]) * 1e6
            door_us = median([door for door, _, _ in runs]) * 1e6
            floor = bare_us + invoke_us
            heading(f"{name}: p50 of GET on a new connection (medians of {len(runs)} runs)")
            row("bare http.server, fixed answer", bare_us, "us")
            row("lab.invoke of the same handler", invoke_us, "us")
            ratio("floor: the two added", floor, floor, "us")
            paired = median([door / (bare + invoke) for door, bare, invoke in runs])
            ratio(f"{name} door", door_us, floor, "us", "<= 1.15", paired)
            print(f"  per-run ratios: {', '.join(f'{d / (b + i):.2f}' for d, b, i in runs)}")
            # The former floor: lab.invoke timed back to back in a loop of its own (warmer than
            # an invoke between HTTP requests, which a door's invoke always is).
            former = [door / (bare + loop) for (door, bare, _), loop in zip(runs, back_to_back)]
            print(
                f"  lab.invoke back to back {median(back_to_back) * 1e6:.0f} us; the door against "
                f"the bare server plus that: {median(former):.2f} x"
            )
            ratio("bare http.server calling lab.invoke", median(combined) * 1e6, floor, "us")


if __name__ == "__main__":
    main()
