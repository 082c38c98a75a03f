"""boto3's invoke through `lambda-lab serve` against boto3 and a bare keep-alive loopback server.

    python benchmarks/boto3_serve.py            # 3 runs of 500 interleaved calls each way
    python benchmarks/boto3_serve.py --quick

The same boto3 client code calls Invoke on three endpoints on 127.0.0.1, in turn: the
Lab's (`lambda-lab serve`, a warm function returning its event) and a bare HTTP/1.1
server from the standard library that keeps connections open and answers every request
with the same body and headers in one write, as the Lab's server does, doing no work. The
floor is thus boto3's own cost plus a loopback round trip on a kept-alive connection.
Also shown, not the target's floor: the same bare server whose handler calls
`lab.invoke(payload=...)` of the same function in a Lab of its own (what any server that
invokes pays on top of the floor). Also printed: whether each endpoint kept the
connection (boto3 opens a new one after `Connection: close`).
Target (issue 22): <= 1.15 x.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import PYTHON, heading, median, parser, ratio, runs_of

EVENT = b'{"key1": "value1", "key2": "value2", "n": 42}'
HANDLER = "def lambda_handler(event, context):\n    return event\n"

# Head and body go out in one write, as the Lab's server sends them (end_headers() then a
# write of the body would be two segments, and the floor 2-4 % slower than it need be).
BARE_SERVER = r"""
import http.server, sys
BODY = sys.argv[1].encode()
invoke = None
if sys.argv[2:] == ["invoke"]:  # the reference: the same server, calling lab.invoke
    from lambda_lab import Lab
    lab = Lab()
    lab.deploy("bench", "def lambda_handler(event, context):\n    return event\n")
    lab.invoke("bench", payload=BODY)
    invoke = lambda body: lab.invoke("bench", payload=body, log_type="None")
class Answer(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        answer, request_id = BODY, "00000000-0000-0000-0000-000000000000"
        if invoke is not None:
            result = invoke(body)
            answer, request_id = bytes(result.payload), result.request_id
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Amz-Executed-Version", "$LATEST")
        self.send_header("x-amzn-RequestId", request_id)
        self.send_header("Content-Length", str(len(answer)))
        self._headers_buffer.append(b"\r\n" + answer)  # the blank line and the body
        self.flush_headers()
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
"""

ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "AWS_ACCESS_KEY_ID": "fake",
    "AWS_SECRET_ACCESS_KEY": "fake",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def start_serve(home: str) -> tuple[subprocess.Popen[str], str]:
    command = [str(Path(sys.executable).parent / "lambda-lab"), "serve", "--port", "0"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**ENV, "HOME": home},
    )
    assert process.stdout is not None
    url = ""
    for line in process.stdout:
        if "answers on " in line:
            url = line.split("answers on ", 1)[1].strip()
        if line.startswith("(ready in") and url:
            return process, url
    raise SystemExit("lambda-lab serve did not start")


def start_bare(*extra: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [PYTHON, "-c", BARE_SERVER, EVENT.decode(), *extra], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def client_for(url: str):  # type: ignore[no-untyped-def]
    import boto3
    from botocore.config import Config

    return boto3.client(
        "lambda",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="fake",
        aws_secret_access_key="fake",
        config=Config(retries={"max_attempts": 1}),
    )


def connections_opened(client, calls: int = 20) -> int:  # type: ignore[no-untyped-def]
    """How many TCP connections ``calls`` invokes open (a call reuses its connection once its
    Payload has been read, unless the server answered ``Connection: close``)."""
    import urllib3.connection

    original = urllib3.connection.HTTPConnection.connect
    opened = [0]

    def counting(self):  # type: ignore[no-untyped-def]
        opened[0] += 1
        return original(self)

    urllib3.connection.HTTPConnection.connect = counting  # type: ignore[method-assign]
    try:
        for _ in range(calls):
            client.invoke(FunctionName="bench", Payload=EVENT)["Payload"].read()
    finally:
        urllib3.connection.HTTPConnection.connect = original  # type: ignore[method-assign]
    return opened[0]


def main() -> None:
    args = parser(__doc__).parse_args()
    calls = 50 if args.quick else 500
    home = tempfile.mkdtemp(prefix="boto3-serve-bench-")
    served, served_url = start_serve(home)
    bare, bare_url = start_bare()
    invoking, invoking_url = start_bare("invoke")
    try:
        lab_client, bare_client = client_for(served_url), client_for(bare_url)
        invoking_client = client_for(invoking_url)
        lab_client.create_function(
            FunctionName="bench",
            Runtime="python3.12",
            Role="arn:aws:iam::123456789012:role/bench",
            Handler="lambda_function.lambda_handler",
            Code={"ZipFile": _zip(HANDLER)},
        )
        # A new function is Pending until it is ready, as on AWS: wait the way boto3 users do.
        lab_client.get_waiter("function_active_v2").wait(FunctionName="bench")
        clients = (bare_client, lab_client, invoking_client)
        for client in clients:
            for _ in range(20):
                client.invoke(FunctionName="bench", Payload=EVENT)["Payload"].read()
        runs = []
        for _ in range(runs_of(args)):
            times: tuple[list[float], ...] = ([], [], [])
            for call in range(calls):
                # In turn, the order reversed every other call: none always follows another.
                for which in (0, 1, 2) if call % 2 else (2, 1, 0):
                    started = time.perf_counter()
                    clients[which].invoke(FunctionName="bench", Payload=EVENT)["Payload"].read()
                    times[which].append(time.perf_counter() - started)
            runs.append(tuple(median(each) for each in times))
        floor = median([r[0] for r in runs]) * 1000
        served_ms = median([r[1] for r in runs]) * 1000
        invoking_ms = median([r[2] for r in runs]) * 1000
        heading(f"boto3 invoke over loopback HTTP (medians of {len(runs)} runs x {calls} calls)")
        ratio("bare keep-alive http.server (floor)", floor, floor, "ms")
        ratios = [lab / bare for bare, lab, _ in runs]
        ratio("lambda-lab serve", served_ms, floor, "ms", "<= 1.15", median(ratios))
        print(f"  per-run ratios: {', '.join(f'{r:.2f}' for r in ratios)}")
        invoking_ratios = [lab / invoking for _, lab, invoking in runs]
        ratio(
            "bare http.server calling lab.invoke",
            invoking_ms,
            floor,
            "ms",
            times=median([invoking / bare for bare, _, invoking in runs]),
        )
        print(
            f"  lambda-lab serve / that server: {median(invoking_ratios):.2f} x "
            f"(per run: {', '.join(f'{r:.2f}' for r in invoking_ratios)})"
        )
        print(
            f"  TCP connections opened by 20 invokes: lambda-lab serve "
            f"{connections_opened(lab_client)}, bare server {connections_opened(bare_client)}"
        )
    finally:
        for process in (served, bare, invoking):
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)  # serve's state folder: left in /tmp every run


def _zip(source: str) -> bytes:
    from lambda_lab import package

    return package(source)


if __name__ == "__main__":
    main()
