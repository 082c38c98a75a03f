"""IPython magics: write a function in a cell, deploy it with one line.

    %load_ext lambda_lab.notebook.magics

    %%lambda demo-lambda --memory 256 --timeout 5
    def lambda_handler(event, context):
        return event["key1"]

The cell creates the function, or updates it if it exists, in the Lab the notebook uses:
the one most recently created and still open (``lab = Lab()``), or a new one when the
notebook has none yet. Once the notebook's Lab is closed (its clean-up step, ``lab.close()``)
the cell says so and deploys nothing: a function in a Lab the notebook cannot reach would
only look lost.
"""

from __future__ import annotations

import argparse
import shlex
from typing import TYPE_CHECKING, Any

from lambda_lab import errors

if TYPE_CHECKING:
    from lambda_lab.lab import Lab

CLOSED_LAB = (
    "%%lambda: this notebook's Lab is closed (its clean-up step or lab.close() ran), so nothing "
    "was deployed. Run `lab = Lab()` to open a new one, then run this cell again."
)


def cell_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="%%lambda", add_help=False, exit_on_error=False)
    parser.add_argument("name")
    parser.add_argument("--handler", default="lambda_function.lambda_handler")
    parser.add_argument("--memory", type=int, dest="MemorySize")
    parser.add_argument("--timeout", type=int, dest="Timeout")
    parser.add_argument("--runtime", dest="Runtime")
    parser.add_argument("--arch", dest="Architectures", choices=["x86_64", "arm64"])
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    return parser


def deploy_cell(lab: Any, line: str, cell: str) -> dict[str, Any]:
    """What ``%%lambda`` does, as a plain function: parse the line, deploy the cell's code."""
    try:
        args = cell_parser().parse_args(shlex.split(line))
    except (argparse.ArgumentError, SystemExit) as exc:
        raise ValueError(
            f"%%lambda {line!r}: {exc}. Usage: {cell_parser().format_usage().strip()}"
        ) from None
    settings: dict[str, Any] = {
        key: value
        for key in ("MemorySize", "Timeout", "Runtime")
        if (value := getattr(args, key)) is not None
    }
    if args.Architectures:
        settings["Architectures"] = [args.Architectures]
    if args.env:
        pairs = [item.split("=", 1) for item in args.env]
        if any(len(p) != 2 for p in pairs):
            raise ValueError(f"--env takes KEY=VALUE (got {args.env})")
        settings["Environment"] = {"Variables": dict(pairs)}
    return lab.deploy(args.name, cell, handler=args.handler, **settings)


def notebook_lab() -> Lab | None:
    """The Lab a ``%%lambda`` cell deploys into: the latest one still open, a new one when the
    notebook has none yet, or None when the notebook's Lab was closed."""
    from lambda_lab.lab import current_lab
    from lambda_lab.wiring import lifetime

    if lifetime.latest_open() is None and lifetime.closed_labs_alive():
        return None
    return current_lab()


def load_ipython_extension(ipython: Any) -> None:
    from IPython.core.magic import register_cell_magic

    @register_cell_magic("lambda")  # type: ignore[arg-type]  # IPython types the decorator loosely
    def lambda_cell(line: str, cell: str) -> None:
        lab = notebook_lab()
        if lab is None:
            print(CLOSED_LAB)
            return
        try:
            config = deploy_cell(lab, line, cell)
        except errors.LambdaError as exc:
            print(f"{exc.code}: {exc.message}")
            return
        print(
            f"Deployed {config['FunctionName']} ({config['Runtime']}, {config['MemorySize']} MB, "
            f"timeout {config['Timeout']} s, handler {config['Handler']})"
        )
