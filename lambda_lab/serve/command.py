"""``lambda-lab serve``: the Lab as an AWS endpoint on loopback, for boto3 and the AWS CLI.

    lambda-lab serve --port 8900 --state ~/lambda-lab-state

prints the variables to export in another terminal, then answers Lambda (from the Lab)
and S3, SQS, SNS, DynamoDB, Kinesis, EventBridge and CloudWatch Logs (from moto) until
Ctrl-C. With ``--state DIR`` functions, versions, aliases, mappings, configurations and
logs survive a restart (see :mod:`lambda_lab.serve.state`).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

DEFAULT_PORT = 8900
SERVICES_SHOWN = "S3, SQS, SNS, DynamoDB, Kinesis, EventBridge and CloudWatch Logs"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"TCP port on 127.0.0.1 (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--state",
        metavar="DIR",
        default=None,
        help="keep functions, versions, aliases, mappings and logs in DIR across restarts",
    )
    parser.add_argument("--region", default=None, help="the Lab's Region (default us-east-1)")
    parser.add_argument(
        "--keep-records",
        type=_at_least_one,
        default=None,
        metavar="N",
        help="invocation records kept in memory (default 10000; with --state all are on disk)",
    )
    parser.add_argument(
        "--keep-logs",
        type=_at_least_one,
        default=None,
        metavar="N",
        help="invocations whose log lines are kept in memory (default 10000; with --state all "
        "are on disk)",
    )
    parser.epilog = "Lambda operations the Lab answers: " + ", ".join(offered_operations()) + "."


def _at_least_one(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1 (got {text!r})")
    return int(text)


def offered_operations() -> list[str]:
    """AWS's names of the Lambda operations the REST layer answers; others get UnsupportedOperation."""
    from lambda_lab.api import operations
    from lambda_lab.api.operation import OPERATIONS

    operations.load_all()
    return sorted(OPERATIONS)


def banner(
    url: str, region: str, state_dir: str | None, restored: dict[str, int] | None = None
) -> str:
    """What the learner needs to point boto3 and either AWS CLI at the Lab."""
    from lambda_lab.client import FAKE_KEY_ID, FAKE_SECRET
    from lambda_lab.limits import ACCOUNT_ID

    if state_dir is None:
        kept = "State: in memory only (add --state DIR to keep it across restarts)."
    else:
        counts = ", ".join(f"{n} {what}" for what, n in (restored or {}).items())
        kept = (
            f"State: kept in {state_dir} (restored {counts or 'nothing: a new directory'}); "
            "queue, stream and table contents are not kept."
        )
    return f"""\
lambda-lab serve: account {ACCOUNT_ID} in {region} answers on {url}
  Lambda from the Lab; {SERVICES_SHOWN} from moto. Nothing leaves this machine.
  {kept}

For boto3 and the AWS CLI v1 (pip's awscli), or v2 from 2.13 on, export in another terminal:
  export AWS_ENDPOINT_URL={url}
  export AWS_ACCESS_KEY_ID={FAKE_KEY_ID}
  export AWS_SECRET_ACCESS_KEY={FAKE_SECRET}
  export AWS_DEFAULT_REGION={region}

Then, with the CLI the course installs (v1):
  aws lambda create-function --function-name demo --runtime python3.12 --zip-file fileb://function.zip \\
      --role arn:aws:iam::{ACCOUNT_ID}:role/lab --handler lambda_function.lambda_handler
  aws lambda wait function-active-v2 --function-name demo    (new functions start Pending, as on AWS)
  aws lambda invoke --function-name demo --payload '{{"key1": "value1"}}' response.json
  aws logs filter-log-events --log-group-name /aws/lambda/demo --query 'events[].message' --output text
AWS CLI v1 has no `aws logs tail` (v2 only): filter-log-events above shows the same lines.
AWS CLI v1 rejects v2's --cli-binary-format: leave it out, the JSON payload goes as it is.
AWS CLI v2 before 2.13 (Debian's awscli 2.9) ignores AWS_ENDPOINT_URL: add --endpoint-url, e.g.
  aws --endpoint-url {url} lambda list-functions

Ctrl-C stops the server."""


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def run(args: argparse.Namespace) -> int:
    from lambda_lab import Lab, limits
    from lambda_lab.serve.state import StateDirLocked, StateKeeper

    started = time.perf_counter()
    if args.port and not _port_free(
        args.port
    ):  # say it once, before werkzeug prints its own two lines
        print(
            f"lambda-lab serve: cannot start: port {args.port} on 127.0.0.1 is already in use: "
            "choose another one (--port 0 picks a free one)",
            file=sys.stderr,
        )
        return 2
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    with Lab(region=args.region or limits.DEFAULT_REGION) as lab:
        if getattr(args, "keep_records", None):
            lab.records.max_records = args.keep_records
        if getattr(args, "keep_logs", None):
            lab.logs.max_invocations = args.keep_logs
        keeper = None
        try:
            endpoint = lab.serve(args.port)  # first: restoring mappings already talks to it
            restored = None
            if args.state:
                keeper = StateKeeper(lab, args.state)
                restored = keeper.load()
        except (OSError, StateDirLocked, ValueError) as exc:
            print(f"lambda-lab serve: cannot start: {exc}", file=sys.stderr)
            if keeper is not None:
                keeper.release()
            return 2
        print(banner(endpoint.url, lab.region, keeper.directory if keeper else None, restored))
        print(f"(ready in {time.perf_counter() - started:.2f} s)", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        finally:
            if keeper is not None:
                keeper.close()
    print(
        "lambda-lab serve: stopped" + (f"; state saved in {args.state}" if args.state else ""),
        flush=True,
    )
    return 0
