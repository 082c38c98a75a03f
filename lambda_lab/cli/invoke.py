"""``lambda-lab invoke FILE``: run a handler once in a fresh Lab and print what AWS would show."""

from __future__ import annotations

import argparse
import json
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="a .py file or a folder with your function's code")
    parser.add_argument(
        "--handler",
        default=None,
        help="file.function (default lambda_function.lambda_handler, "
        "or <file>.lambda_handler for a single file)",
    )
    parser.add_argument("--event", default="{}", help="the event as JSON text, or @file.json")
    parser.add_argument("--memory", type=int, default=128, help="MemorySize in MB (128-10240)")
    parser.add_argument("--timeout", type=int, default=3, help="Timeout in seconds (1-900)")
    parser.add_argument(
        "--times",
        type=_at_least_one,
        default=1,
        help="invoke this many times (the first is a cold start)",
    )


def _at_least_one(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def read_event(text: str) -> bytes:
    """What ``--event`` names: JSON text as given, or the bytes of ``@file.json``."""
    if text.startswith("@"):
        with open(text[1:], "rb") as handle:
            return handle.read()
    return text.encode()


def run(args: argparse.Namespace) -> int:
    import os

    from lambda_lab import Lab, LambdaError

    handler = args.handler
    if handler is None:
        stem = (
            os.path.splitext(os.path.basename(args.path))[0]
            if os.path.isfile(args.path)
            else "lambda_function"
        )
        handler = f"{stem}.lambda_handler"
    try:
        payload = read_event(args.event)
    except OSError as exc:
        print(f"lambda-lab invoke: cannot read the event file: {exc}", file=sys.stderr)
        return 2
    if not os.path.exists(args.path):  # said before a Lab starts for nothing
        print(f"lambda-lab invoke: no such file or folder: {args.path}", file=sys.stderr)
        return 2
    with Lab() as lab:
        try:
            lab.deploy(
                "cli-function",
                args.path,
                handler=handler,
                MemorySize=args.memory,
                Timeout=args.timeout,
            )
            for _ in range(args.times):
                result = lab.invoke("cli-function", payload=payload)
                print(result.log, end="")
                print(json.dumps(result.value, indent=2))
        except LambdaError as exc:
            print(f"lambda-lab invoke: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:  # a file of the code that cannot be read (permissions, a device)
            print(f"lambda-lab invoke: cannot read the function's code: {exc}", file=sys.stderr)
            return 2
    return 1 if result.function_error else 0
