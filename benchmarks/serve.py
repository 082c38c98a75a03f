"""How fast `lambda-lab serve` answers, as ratios against floors measured in this run.

    python benchmarks/serve.py [--calls 5] [--quick]

Prints:
  - start: `lambda-lab serve` from exec to its "ready" line, vs `python -c "import boto3"`;
  - AWS CLI v1: one `aws lambda invoke` round trip vs `aws --version` (the CLI's own start-up);
  - AWS CLI v2 (Debian's, if installed): the same;
  - boto3: an invoke through the endpoint (HTTP on loopback) vs the in-process client
    (`lab.client("lambda")`, no socket), warm environment both times.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import parser

BIN = Path(sys.executable).parent
HANDLER = "def lambda_handler(event, context):\n    return event\n"


def timed(command: list[str], env: dict[str, str], calls: int) -> float:
    """Median seconds of ``command`` over ``calls`` runs."""
    seconds = []
    for _ in range(calls):
        started = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=True, timeout=120)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen[str], str, float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "lambda-lab"), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    url = ""
    assert process.stdout is not None
    for line in process.stdout:
        if "answers on " in line:
            url = line.split("answers on ", 1)[1].strip()
        if line.startswith("(ready in"):
            return process, url, time.perf_counter() - started
    raise SystemExit("lambda-lab serve did not start")


def main() -> None:
    arguments = parser(__doc__, runs=None)
    arguments.add_argument("--calls", type=int, default=5, help="CLI runs per measurement (median)")
    args = arguments.parse_args()
    if args.quick:
        args.calls = 1
    boto3_calls = 20 if args.quick else 200
    home = tempfile.mkdtemp(prefix="serve-bench-")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": home,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_ACCESS_KEY_ID": "fake",
        "AWS_SECRET_ACCESS_KEY": "fake",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_PAGER": "",
    }
    import_boto3 = timed([sys.executable, "-c", "import boto3"], env, args.calls)
    process, url, start_s = start_server(env)
    try:
        import boto3

        from lambda_lab import Lab, package

        client = boto3.client(
            "lambda",
            endpoint_url=url,
            aws_access_key_id="fake",
            aws_secret_access_key="fake",
            region_name="us-east-1",
        )
        client.create_function(
            FunctionName="bench",
            Runtime="python3.12",
            Role="arn:aws:iam::123456789012:role/r",
            Handler="lambda_function.lambda_handler",
            Code={"ZipFile": package(HANDLER)},
        )
        # A new function is Pending until it is ready, as on AWS: wait the way boto3 users do.
        client.get_waiter("function_active_v2").wait(FunctionName="bench")
        client.invoke(FunctionName="bench", Payload=b"{}")  # the cold start, not measured
        print(
            f"serve start      {start_s * 1000:8.0f} ms   = {start_s / import_boto3:5.1f} x `import boto3` "
            f"({import_boto3 * 1000:.0f} ms)"
        )
        cli_env = {**env, "AWS_ENDPOINT_URL": url}
        invoke = [
            "lambda",
            "invoke",
            "--function-name",
            "bench",
            "--payload",
            "{}",
            os.path.join(home, "out.json"),
        ]
        for label, program, extra in (
            ("CLI v1", [str(BIN / "aws")], []),
            (
                "CLI v2",
                ["/usr/bin/aws", "--endpoint-url", url],
                ["--cli-binary-format", "raw-in-base64-out"],
            ),
        ):
            if not Path(program[0]).exists():
                print(f"{label}           not installed")
                continue
            floor = timed(program + ["--version"], cli_env, args.calls)
            round_trip = timed(program + invoke + extra, cli_env, args.calls)
            print(
                f"{label} invoke    {round_trip * 1000:8.0f} ms   = {round_trip / floor:5.2f} x `aws --version` "
                f"({floor * 1000:.0f} ms)"
            )
        over_http = []
        for _ in range(boto3_calls):
            started = time.perf_counter()
            client.invoke(FunctionName="bench", Payload=b"{}")
            over_http.append(time.perf_counter() - started)
        with Lab() as lab:
            lab.deploy("bench", HANDLER)
            local = lab.client("lambda")
            local.invoke(FunctionName="bench", Payload=b"{}")
            in_process = []
            for _ in range(boto3_calls):
                started = time.perf_counter()
                local.invoke(FunctionName="bench", Payload=b"{}")
                in_process.append(time.perf_counter() - started)
        http_ms, local_ms = (
            statistics.median(over_http) * 1000,
            statistics.median(in_process) * 1000,
        )
        print(
            f"boto3 invoke     {http_ms:8.2f} ms   = {http_ms / local_ms:5.2f} x in-process client "
            f"({local_ms:.2f} ms)"
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
