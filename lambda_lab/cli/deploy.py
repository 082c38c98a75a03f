"""``lambda-lab deploy template.yaml``: a SAM application running on this machine, no Docker.

    lambda-lab deploy template.yaml                       # deploy, print endpoints, serve
    lambda-lab deploy template.yaml --check               # deploy, print the report, exit
    lambda-lab deploy template.yaml --invoke HelloWorldFunction --event @events/event.json

Deploys the template into a fresh Lab (functions in real worker processes, APIs on loopback
listeners, queues, buckets and topics from moto, schedules on the clock), prints what it made,
the endpoints and one line per part of the template the Lab leaves out, then serves the Lab's
AWS endpoint until Ctrl-C so that boto3, the AWS CLI and a browser can use the application.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from lambda_lab.cli.invoke import read_event

DEFAULT_PORT = 8900


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("template", help="the SAM template (template.yaml, YAML or JSON)")
    parser.add_argument("--stack-name", default=None, help="default: the template's folder name")
    parser.add_argument(
        "--parameter-overrides",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="template parameters, as `sam deploy --parameter-overrides Stage=prod` takes them",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"the Lab's AWS endpoint on 127.0.0.1 (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--check", action="store_true", help="deploy, print the report and exit (no serving)"
    )
    parser.add_argument(
        "--invoke",
        metavar="FUNCTION",
        default=None,
        help="after deploying, invoke this function (logical ID) once, print the result, exit",
    )
    parser.add_argument("--event", default="{}", help="the event for --invoke: JSON or @file.json")
    parser.add_argument("--region", default=None, help="the Lab's Region (default us-east-1)")


def parse_overrides(items: list[str]) -> dict[str, str]:
    """``Key=Value`` pairs (also ``ParameterKey=K,ParameterValue=V``, the CLI's long form)."""
    found: dict[str, str] = {}
    for item in items:
        if item.startswith("ParameterKey="):
            fields = dict(part.split("=", 1) for part in item.split(",") if "=" in part)
            if "ParameterKey" in fields and "ParameterValue" in fields:
                found[fields["ParameterKey"]] = fields["ParameterValue"]
                continue
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise ValueError(f"a parameter override is KEY=VALUE (got {item!r})")
        found[key] = value
    return found


def run(args: argparse.Namespace) -> int:
    import os

    from lambda_lab import Lab, LambdaError, limits
    from lambda_lab.control.sam import TemplateError

    if not os.path.isfile(args.template):
        print(f"lambda-lab deploy: no such template file: {args.template}", file=sys.stderr)
        return 2
    try:
        overrides = parse_overrides(args.parameter_overrides)
        payload = read_event(args.event) if args.invoke else b""
    except (ValueError, OSError) as exc:
        print(f"lambda-lab deploy: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    serving = not (args.check or args.invoke)
    if serving:
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, lambda *_: stop.set())
    with Lab(region=args.region or limits.DEFAULT_REGION) as lab:
        try:
            endpoint = lab.serve(args.port if serving else 0)
            stack = lab.deploy_template(args.template, args.stack_name, overrides)
        except TemplateError as exc:
            print(f"lambda-lab deploy: {exc}", file=sys.stderr)
            return 2
        except (LambdaError, OSError) as exc:
            print(f"lambda-lab deploy: cannot deploy: {exc}", file=sys.stderr)
            return 2
        print(stack.report(), flush=True)
        if args.invoke:
            return _invoke_once(lab, stack, args.invoke, payload)
        if not serving:
            return 0
        print(
            f"\nThe Lab's AWS endpoint: {endpoint.url}   (export AWS_ENDPOINT_URL={endpoint.url})"
        )
        print("Schedules fire on the real clock. Ctrl-C stops everything.", flush=True)
        while not stop.wait(0.5):
            pass
    print("lambda-lab deploy: stopped", flush=True)
    return 0


def _invoke_once(lab: object, stack: object, logical_id: str, payload: bytes) -> int:
    from lambda_lab import LambdaError

    try:
        name = stack.function_name(logical_id)  # type: ignore[attr-defined]
    except KeyError as exc:
        print(f"lambda-lab deploy: {exc.args[0]}", file=sys.stderr)
        return 2
    alias = stack[logical_id].details.get("alias")  # type: ignore[index]
    try:
        result = lab.invoke(name, payload=payload, qualifier=alias)  # type: ignore[attr-defined]
    except LambdaError as exc:
        print(f"lambda-lab deploy: {exc}", file=sys.stderr)
        return 2
    print(result.log, end="")
    print(json.dumps(result.value, indent=2))
    return 1 if result.function_error else 0
