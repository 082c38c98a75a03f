"""``lambda-lab invoke FILE``: run a handler once in a fresh Lab and print what AWS would show."""

from __future__ import annotations

import argparse
import json
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="a .py file or a folder with your function's code")
    parser.add_argument("--handler", default=None, help="file.function (default lambda_function.lambda_handler, "
                        "or <file>.lambda_handler for a single file)")
    parser.add_argument("--event", default="{}", help="the event as JSON text, or @file.json")
    parser.add_argument("--memory", type=int, default=128, help="MemorySize in MB (128-10240)")
    parser.add_argument("--timeout", type=int, default=3, help="Timeout in seconds (1-900)")
    parser.add_argument("--times", type=int, default=1, help="invoke this many times (the first is a cold start)")


def _event(text: str) -> bytes:
    if text.startswith("@"):
        with open(text[1:], "rb") as handle:
            return handle.read()
    return text.encode()


def run(args: argparse.Namespace) -> int:
    import os

    from lambda_lab import Lab, LambdaError

    handler = args.handler
    if handler is None:
        stem = os.path.splitext(os.path.basename(args.path))[0] if os.path.isfile(args.path) else "lambda_function"
        handler = f"{stem}.lambda_handler"
    try:
        payload = _event(args.event)
    except OSError as exc:
        print(f"lambda-lab invoke: cannot read the event file: {exc}", file=sys.stderr)
        return 2
    with Lab() as lab:
        try:
            lab.deploy("cli-function", args.path, handler=handler, MemorySize=args.memory, Timeout=args.timeout)
            for _ in range(max(1, args.times)):
                result = lab.invoke("cli-function", payload=payload)
                print(result.log, end="")
                print(json.dumps(result.value, indent=2))
        except (LambdaError, FileNotFoundError) as exc:
            print(f"lambda-lab invoke: {exc}", file=sys.stderr)
            return 2
    return 1 if result.function_error else 0
