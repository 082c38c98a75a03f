"""The HTTP paths against their floors, measured side by side in one run.

    python benchmarks/http_paths.py [--calls 2000] [--rounds 3]

1. boto3 through ``lambda-lab serve`` vs the same boto3 call against a bare keep-alive
   loopback server (``http.server``, HTTP/1.1, TCP_NODELAY) in its own process that answers
   every request with the Lab's own Invoke answer, canned. The difference is what the Lab
   adds per call: its server shell, the REST layer and a real warm invoke. Target <= 1.15x.
2. A front door (an ALB listener) vs the floor of its work: a bare ``http.server`` in the
   same process answering the same request with the door's answer, canned, *plus* the
   ``lab.invoke`` time of the same handler with the same event. Target <= 1.15x.

Each figure is the median of per-round medians (``--rounds`` rounds of ``--calls`` calls,
the two sides alternating round by round); unpinned (what a learner gets) and, when the
machine has two CPUs or more, pinned (client on one CPU, server on another).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from _common import parser

BIN = Path(sys.executable).parent
ROLE = "arn:aws:iam::123456789012:role/lambda-role"
HANDLER = "def lambda_handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"

BARE_SERVER = r"""
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
status, headers, body = json.load(open(sys.argv[1]))
body = body.encode("latin-1")

class Canned(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = answer

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Canned)
print(server.server_address[1], flush=True)
server.serve_forever()
"""

# The same Lab work behind the standard library's keep-alive server: what the shell, the
# WSGI bridge and the endpoint's middleware add is the difference to `lambda-lab serve`.
STDLIB_LAB_SERVER = r"""
import sys, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from lambda_lab import Lab

lab = Lab()
lab.deploy("bench", sys.argv[1])
api = lab.rest_api()

class Direct(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        reply = api.handle(self.command, path, urllib.parse.parse_qs(query), dict(self.headers), body)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = answer

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Direct)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def _median_round(call: Callable[[], Any], calls: int) -> float:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _alternate(sides: dict[str, Callable[[], Any]], calls: int, rounds: int) -> dict[str, float]:
    """Median over rounds of each side's per-call median, the sides taking turns."""
    for call in sides.values():  # warm both
        for _ in range(min(200, calls)):
            call()
    results: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, call in sides.items():
            results[name].append(_median_round(call, calls))
    return {name: statistics.median(values) for name, values in results.items()}


def _pin(pid: int, cpu: int | None) -> None:
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(pid, {cpu})


def _boto3(url: str) -> Any:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id="AKIAFAKEFORTESTS", aws_secret_access_key="fake", region_name="us-east-1"
    )
    return session.client(
        "lambda", endpoint_url=url, config=Config(retries={"total_max_attempts": 1})
    )


def _start(
    argv: list[str], ready: Callable[[str], str | None], env: dict[str, str]
) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    assert process.stdout is not None
    for line in process.stdout:
        found = ready(line)
        if found:
            return process, found
    raise SystemExit(f"{argv[0]} did not start")


def serve_vs_bare(calls: int, rounds: int, pinned: bool) -> dict[str, float]:
    """boto3 Invoke through `lambda-lab serve` and through the canned bare server."""
    from lambda_lab import package

    env = {**os.environ, "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    served, url = _start(
        [str(BIN / "lambda-lab"), "serve", "--port", "0"],
        lambda line: line.split("answers on ", 1)[1].split()[0] if "answers on " in line else None,
        env,
    )
    with tempfile.TemporaryDirectory() as tmp:
        try:
            lam = _boto3(url)
            lam.create_function(FunctionName="bench", Runtime="python3.12", Role=ROLE,
                                Handler="lambda_function.lambda_handler",
                                Code={"ZipFile": package(HANDLER)})  # fmt: skip
            # Pending until ready, as on AWS: wait the way boto3 users do.
            lam.get_waiter("function_active_v2").wait(FunctionName="bench")
            host, port = url.removeprefix("http://").split(":")
            connection = http.client.HTTPConnection(host, int(port))
            connection.request("POST", "/2015-03-31/functions/bench/invocations", body=b"{}")
            reply = connection.getresponse()
            canned = [reply.status, [(k, v) for k, v in reply.getheaders()
                      if k.lower() not in ("content-length", "date", "connection")],
                      reply.read().decode("latin-1")]  # fmt: skip
            connection.close()
            answer_file = Path(tmp) / "answer.json"
            answer_file.write_text(json.dumps(canned))
            bare, port_text = _start(
                [sys.executable, "-c", BARE_SERVER, str(answer_file)],
                lambda line: line.strip() if line.strip().isdigit() else None,
                env,
            )
            direct, direct_port = _start(
                [sys.executable, "-c", STDLIB_LAB_SERVER, HANDLER],
                lambda line: line.strip() if line.strip().isdigit() else None,
                env,
            )
            try:
                if pinned:
                    _pin(0, 0)
                    for process in (served, bare, direct):
                        _pin(process.pid, 1)
                bare_lam = _boto3(f"http://127.0.0.1:{port_text}")
                direct_lam = _boto3(f"http://127.0.0.1:{direct_port}")

                def invoke(client: Any) -> Callable[[], bytes]:
                    return lambda: client.invoke(FunctionName="bench", Payload=b"{}")[
                        "Payload"
                    ].read()

                return _alternate(
                    {"serve": invoke(lam), "bare": invoke(bare_lam), "stdlib": invoke(direct_lam)},
                    calls,
                    rounds,
                )
            finally:
                for process in (bare, direct):
                    process.send_signal(signal.SIGTERM)
                    process.communicate(timeout=30)
        finally:
            served.send_signal(signal.SIGINT)
            served.communicate(timeout=60)
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1))) if pinned else None


def door_vs_floor(calls: int, rounds: int, pinned: bool) -> dict[str, float]:
    """An ALB door's p50, a bare in-process http.server's p50 and lab.invoke's p50."""
    from lambda_lab import Lab

    with Lab() as lab:
        lab.deploy("door-bench", HANDLER)
        door = lab.alb("bench-alb", "door-bench")
        connection = http.client.HTTPConnection("127.0.0.1", door.port)
        connection.request("GET", "/items?x=1", headers={"User-Agent": "bench"})
        reply = connection.getresponse()
        body = reply.read()
        headers = [
            (k, v) for k, v in reply.getheaders() if k.lower() not in ("content-length", "date")
        ]
        event = door.last.event

        class Canned(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self.send_response(reply.status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        bare = ThreadingHTTPServer(("127.0.0.1", 0), Canned)
        threading.Thread(target=bare.serve_forever, daemon=True).start()
        bare_connection = http.client.HTTPConnection("127.0.0.1", bare.server_address[1])

        def get(conn: http.client.HTTPConnection) -> Callable[[], bytes]:
            def call() -> bytes:
                conn.request("GET", "/items?x=1", headers={"User-Agent": "bench"})
                return conn.getresponse().read()

            return call

        if pinned:
            _pin(0, 0)
            for environment in lab.environments("door-bench"):
                pid = getattr(environment, "pid", None)
                if pid:
                    _pin(pid, 1)
        try:
            return _alternate(
                {
                    "door": get(connection),
                    "bare": get(bare_connection),
                    "invoke": lambda: lab.invoke("door-bench", event, log_type="None"),
                },
                calls,
                rounds,
            )
        finally:
            bare.shutdown()
            bare.server_close()
            if pinned:
                os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))


def main() -> None:
    arguments = parser(__doc__, runs=None)
    arguments.add_argument("--calls", type=int, default=2000)
    arguments.add_argument("--rounds", type=int, default=3)
    args = arguments.parse_args()
    if args.quick:
        args.calls, args.rounds = 20, 1
    print(f"machine  {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"{args.rounds} rounds of {args.calls} calls, medians")  # fmt: skip
    pin_too = (os.cpu_count() or 1) >= 2 and not args.quick
    placements = [False] + ([True] if pin_too else [])
    for pinned in placements:
        label = "pinned  " if pinned else "unpinned"
        got = serve_vs_bare(args.calls, args.rounds, pinned)
        print(f"{label} boto3 invoke via lambda-lab serve {got['serve'] * 1e3:6.3f} ms, via a bare "
              f"keep-alive server {got['bare'] * 1e3:6.3f} ms: {got['serve'] / got['bare']:.2f}x "
              "(target <= 1.15x)")  # fmt: skip
        print(f"{label}   the same Lab behind http.server's keep-alive server "
              f"{got['stdlib'] * 1e3:6.3f} ms: serve is {got['serve'] / got['stdlib']:.2f}x that")  # fmt: skip
        got = door_vs_floor(args.calls, args.rounds, pinned)
        floor = got["bare"] + got["invoke"]
        print(f"{label} ALB door p50 {got['door'] * 1e3:6.3f} ms, bare http.server "
              f"{got['bare'] * 1e3:6.3f} ms + lab.invoke {got['invoke'] * 1e3:6.3f} ms = "
              f"{floor * 1e3:6.3f} ms: {got['door'] / floor:.2f}x (target <= 1.15x)")  # fmt: skip


if __name__ == "__main__":
    main()
