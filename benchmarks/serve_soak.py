"""`lambda-lab serve --state`: time, memory and disk writes per 1,000 invokes stay flat.

    python benchmarks/serve_soak.py [--invocations 20000] [--window 1000]

One server with a state directory; unmodified boto3 (keep-alive) invokes a function that
prints a line, window after window. For each window it records the wall time, the server's
CPU time, its RSS and the bytes it wrote (``/proc/<pid>/io``: sockets and files). Before
the journal, the whole logs file was re-serialised every half second, so each of these grew
with the number of invokes (20,000 invokes: 3 s -> 15 s per 1,000, RSS 57 -> 175 MB). Now logs
and records are appended, so the last window should cost what the first did (target: within
20 %). Then the server is killed (SIGKILL) and started again on the same directory: the
restart time is printed next to the first start's. ``tests/serve/test_serve_growth.py`` runs
the same code on a short count with small caps.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

BIN = Path(sys.executable).parent
HANDLER = (
    "def lambda_handler(event, context):\n    print('request', event['n'])\n    return event['n']\n"
)
ROLE = "arn:aws:iam::123456789012:role/lambda-role"


@dataclass
class Window:
    invokes: int
    seconds: float
    cpu_seconds: float
    rss_mb: float
    written_bytes: int


@dataclass
class ServeSoak:
    windows: list[Window] = field(default_factory=list)
    first_start_s: float = 0.0
    restart_s: float = 0.0
    state_bytes: int = 0

    def ratio(self, attribute: str, edge: int = 3) -> float:
        """Median of the last ``edge`` windows over the median of the first ``edge``."""
        values = [getattr(w, attribute) for w in self.windows]
        edge = max(1, min(edge, len(values) // 2))
        return statistics.median(values[-edge:]) / max(statistics.median(values[:edge]), 1e-9)


def start(
    state: Path, env: dict[str, str], extra: list[str]
) -> tuple[subprocess.Popen[str], str, float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "lambda-lab"), "serve", "--port", "0", "--state", str(state), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    url = ""
    assert process.stdout is not None
    for line in process.stdout:
        if "answers on " in line:
            url = line.split("answers on ", 1)[1].split()[0].strip()
        if line.startswith("(ready in"):
            return process, url, time.perf_counter() - started
    raise SystemExit("lambda-lab serve did not start")


def _client(url: str):
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id="AKIAFAKEFORTESTS", aws_secret_access_key="fake", region_name="us-east-1"
    )
    return session.client(
        "lambda", endpoint_url=url, config=Config(retries={"total_max_attempts": 1})
    )


def _written(process: psutil.Process) -> int:
    return int(process.io_counters().write_chars)


def serve_soak(
    invocations: int = 20_000, window: int = 1_000, keep: int | None = None
) -> ServeSoak:
    """``invocations`` invokes through one `lambda-lab serve --state`, in windows."""
    from lambda_lab import package

    result = ServeSoak()
    with tempfile.TemporaryDirectory(prefix="serve-soak-") as tmp:
        state = Path(tmp) / "state"
        env = {**os.environ, "LAMBDA_LAB_RUN_DIR": tmp, "AWS_CONFIG_FILE": os.devnull,
               "AWS_SHARED_CREDENTIALS_FILE": os.devnull}  # fmt: skip
        extra = ["--keep-records", str(keep), "--keep-logs", str(keep)] if keep else []
        process, url, result.first_start_s = start(state, env, extra)
        try:
            server = psutil.Process(process.pid)
            lam = _client(url)
            lam.create_function(FunctionName="soak", Runtime="python3.12", Role=ROLE,
                                Handler="lambda_function.lambda_handler",
                                Code={"ZipFile": package(HANDLER)})  # fmt: skip
            lam.get_waiter("function_active_v2").wait(
                FunctionName="soak", WaiterConfig={"Delay": 0.1, "MaxAttempts": 100}
            )
            lam.invoke(FunctionName="soak", Payload=b'{"n": 0}')
            done = 0
            while done < invocations:
                cpu, written = sum(server.cpu_times()[:2]), _written(server)
                began = time.perf_counter()
                for _ in range(min(window, invocations - done)):
                    done += 1
                    answer = lam.invoke(FunctionName="soak", Payload=b'{"n": %d}' % done)
                    if answer["Payload"].read() != str(done).encode():
                        raise AssertionError(f"invoke {done} answered wrongly")
                result.windows.append(
                    Window(
                        invokes=done,
                        seconds=time.perf_counter() - began,
                        cpu_seconds=sum(server.cpu_times()[:2]) - cpu,
                        rss_mb=round(server.memory_info().rss / 2**20, 1),
                        written_bytes=_written(server) - written,
                    )
                )
            lam.close()
        finally:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)
        result.state_bytes = sum(p.stat().st_size for p in state.rglob("*") if p.is_file())
        again, _, result.restart_s = start(state, env, extra)
        again.send_signal(signal.SIGINT)
        again.communicate(timeout=60)
    return result


def main() -> None:
    from _common import parser  # (here: tests import this file as a module)

    arguments = parser(__doc__, runs=None)
    arguments.add_argument("--invocations", type=int, default=20_000)
    arguments.add_argument("--window", type=int, default=1_000)
    args = arguments.parse_args()
    if args.quick:
        args.invocations, args.window = 300, 50
    print(f"machine   {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    result = serve_soak(args.invocations, args.window)
    first, last = result.windows[0], result.windows[-1]
    print(f"per {args.window:,} invokes (first -> last window; ratio of the medians of 3 windows):")
    print(
        f"  wall time  {first.seconds:6.2f} s -> {last.seconds:6.2f} s   ({result.ratio('seconds'):.2f}x)"
    )
    print(
        f"  server CPU {first.cpu_seconds:6.2f} s -> {last.cpu_seconds:6.2f} s   ({result.ratio('cpu_seconds'):.2f}x)"
    )
    print(f"  written    {first.written_bytes / 1024:6.0f} KB -> {last.written_bytes / 1024:6.0f} KB "
          f"({result.ratio('written_bytes'):.2f}x)")  # fmt: skip
    print(f"  server RSS {first.rss_mb:6.1f} MB -> {last.rss_mb:6.1f} MB")
    print("  RSS by window: " + ", ".join(f"{w.rss_mb:.0f}" for w in result.windows) + " MB "
          "(the Lab keeps the newest 10,000 records and invocations' logs: flat once they are full)")  # fmt: skip
    print(f"state dir  {result.state_bytes / 2**20:.1f} MB after {args.invocations:,} invokes")
    print(
        f"start      {result.first_start_s:.2f} s empty; restart after SIGKILL {result.restart_s:.2f} s"
    )


if __name__ == "__main__":
    main()
