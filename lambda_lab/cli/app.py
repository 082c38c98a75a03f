"""The ``lambda-lab`` command: a thin front door over the package.

Each subcommand lives in its own module with two functions, ``configure(parser)`` and
``run(args) -> int``. Modules are imported only for the subcommand that runs, so that
``lambda-lab quiz`` starts fast and does not pay for the runtime, moto or Jupyter.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module, one-line help). Keep the modules light at import time.
COMMANDS: dict[str, tuple[str, str]] = {
    "course": ("lambda_lab.cli.course", "open the course in JupyterLab"),
    "invoke": (
        "lambda_lab.cli.invoke",
        "run a handler file once in a fresh Lab and print what AWS would",
    ),
    "quiz": ("lambda_lab.quiz.cli", "drill exam questions in the terminal"),
    "exercises": (
        "lambda_lab.exercises.terminal",
        "list, start, check and watch exercises the Lab checks",
    ),
    "price": ("lambda_lab.cli.price", "estimate a monthly Lambda bill"),
    "deploy": (
        "lambda_lab.cli.deploy",
        "deploy a SAM template into a Lab on this machine (no Docker) and serve it",
    ),
    "serve": (
        "lambda_lab.serve.command",
        "serve the Lab as an AWS endpoint on 127.0.0.1 for boto3 and the AWS CLI",
    ),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    from lambda_lab import __version__

    parser = argparse.ArgumentParser(
        prog="lambda-lab",
        description="Learn AWS Lambda offline: a course, a mini Lambda and exam quizzes.",
    )
    parser.add_argument("--version", action="version", version=f"lambda-lab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        if only is None or only == name:
            importlib.import_module(module_name).configure(sub_parser)
        sub_parser.set_defaults(_module=module_name)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # No shell can pass a NUL (argv is C strings); a Python caller can, and no file name holds one.
    nul = next((arg for arg in argv if "\0" in arg), None)
    if nul is not None:
        print(
            f"lambda-lab: an argument cannot contain a NUL character, got {nul!r}", file=sys.stderr
        )
        return 2
    # Configure only the subcommand being run: its module is the only one imported.
    chosen = next((a for a in argv if a in COMMANDS), None)
    parser = build_parser(only=chosen)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(importlib.import_module(args._module).run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `lambda-lab price --json | head`: the reader left; stop quietly
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the final flush at exit cannot fail again
        return 141  # 128 + SIGPIPE, what a shell reports for a command cut off by a pipe


if __name__ == "__main__":  # pragma: no cover - exercised through the console script
    raise SystemExit(main())
